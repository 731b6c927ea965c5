"""API keys expire and have scopes; accounts are no longer locked

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        # Keys made before scopes existed could do everything a token can: they keep that.
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=64), nullable=False, server_default="read write")
        )
    # Failed sign-ins are counted per client in the rate limiter now (auth/throttle.py).
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_column("scopes")
        batch_op.drop_column("expires_at")
