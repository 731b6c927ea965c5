"""cloud providers: api_usages, safety reports, who served each stage, project choices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_usages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("content_id", sa.Uuid(), nullable=True),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=True),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_usages_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_usages")),
    )
    with op.batch_alter_table("api_usages") as batch_op:
        batch_op.create_index("ix_api_usages_user_created", ["user_id", "created_at"])
        batch_op.create_index(op.f("ix_api_usages_content_id"), ["content_id"])
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("providers", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("budget_usd", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("require_review", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("contents") as batch_op:
        batch_op.add_column(sa.Column("safety", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("served", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("cost_usd", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contents") as batch_op:
        for column in ("approved_at", "cost_usd", "served", "safety"):
            batch_op.drop_column(column)
    with op.batch_alter_table("projects") as batch_op:
        for column in ("require_review", "budget_usd", "providers"):
            batch_op.drop_column(column)
    with op.batch_alter_table("api_usages") as batch_op:
        batch_op.drop_index(op.f("ix_api_usages_content_id"))
        batch_op.drop_index("ix_api_usages_user_created")
    op.drop_table("api_usages")
