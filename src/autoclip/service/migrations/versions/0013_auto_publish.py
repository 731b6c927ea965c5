"""Schedules that publish: a schedule's channel and privacy; a content's schedule run
and its auto-publish state

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("privacy", sa.String(length=16), server_default="private", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_schedules_channel_id_youtube_channels"),
            "youtube_channels",
            ["channel_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("contents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_run_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("auto_publish", sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_contents_schedule_run_id_schedule_runs"),
            "schedule_runs",
            ["schedule_run_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("contents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contents_schedule_run_id_schedule_runs"), type_="foreignkey"
        )
        batch_op.drop_column("auto_publish")
        batch_op.drop_column("schedule_run_id")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_schedules_channel_id_youtube_channels"), type_="foreignkey"
        )
        batch_op.drop_column("privacy")
        batch_op.drop_column("channel_id")
