"""exports as rows built by jobs (quota, expiry); contents.purged_at for deleted files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "processing",
                "ready",
                "failed",
                name="exportstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("content_ids", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
        sa.UniqueConstraint("key", name=op.f("uq_exports_key")),
    )
    with op.batch_alter_table("exports") as batch_op:
        batch_op.create_index("ix_exports_user_created", ["user_id", "created_at"])
        batch_op.create_index("ix_exports_status_updated", ["status", "updated_at"])
        batch_op.create_index(op.f("ix_exports_expires_at"), ["expires_at"])
    # Contents deleted before this revision have a null purged_at too: the reconciler
    # removes the files they left behind.
    with op.batch_alter_table("contents") as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contents") as batch_op:
        batch_op.drop_column("purged_at")
    with op.batch_alter_table("exports") as batch_op:
        batch_op.drop_index(op.f("ix_exports_expires_at"))
        batch_op.drop_index("ix_exports_status_updated")
        batch_op.drop_index("ix_exports_user_created")
    op.drop_table("exports")
