"""sources, their items, schedules and their runs, batches; a project's intake

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=24)


def _fk(
    table: str, column: str, target: str, ondelete: str | None = "CASCADE"
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _when(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        _when("created_at"),
        _fk("batches", "user_id", "users"),
        _fk("batches", "project_id", "projects", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    with op.batch_alter_table("batches") as batch_op:
        batch_op.create_index("ix_batches_user_created", ["user_id", "created_at"])
    op.create_table(
        "sources",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("sourcekind", "feed", "page", "topics"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("page_hash", sa.String(length=64), nullable=True),
        _when("next_fetch_at", True),
        _when("last_fetched_at", True),
        sa.Column("last_outcome", sa.String(length=24), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        _when("deleted_at", True),
        _fk("sources", "user_id", "users"),
        _fk("sources", "project_id", "projects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
    )
    with op.batch_alter_table("sources") as batch_op:
        batch_op.create_index("ix_sources_project", ["project_id", "position"])
        batch_op.create_index("ix_sources_due", ["next_fetch_at"])
    op.create_table(
        "source_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("content_id", sa.Uuid(), nullable=True),
        _when("used_at", True),
        _when("created_at"),
        _fk("source_items", "source_id", "sources"),
        _fk("source_items", "project_id", "projects"),
        _fk("source_items", "content_id", "contents", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_items")),
        sa.UniqueConstraint("source_id", "key", name="uq_source_items_key"),
    )
    with op.batch_alter_table("source_items") as batch_op:
        batch_op.create_index("ix_source_items_waiting", ["project_id", "used_at"])
    op.create_table(
        "schedules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("times", sa.JSON(), nullable=False),
        sa.Column("cron", sa.String(length=120), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("per_run", sa.Integer(), nullable=False),
        sa.Column("auto_publish", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _when("next_run_at", True),
        _when("last_run_at", True),
        sa.Column("stopped_reason", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        _when("deleted_at", True),
        _fk("schedules", "user_id", "users"),
        _fk("schedules", "project_id", "projects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules") as batch_op:
        batch_op.create_index("ix_schedules_due", ["next_run_at"])
        batch_op.create_index(op.f("ix_schedules_project_id"), ["project_id"])
    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _when("due_at"),
        _when("ran_at"),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            _enum("scheduleoutcome", "made", "partial", "nothing_new", "no_credits", "failed"),
            nullable=False,
        ),
        sa.Column("made", sa.JSON(), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        _when("created_at"),
        _fk("schedule_runs", "schedule_id", "schedules"),
        _fk("schedule_runs", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_schedule_runs_due"),
    )
    with op.batch_alter_table("schedule_runs") as batch_op:
        batch_op.create_index("ix_schedule_runs_schedule_due", ["schedule_id", "due_at"])
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(
            sa.Column(
                "intake",
                _enum("intake", "draft", "generate"),
                nullable=False,
                server_default="draft",
            )
        )
    with op.batch_alter_table("contents") as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_contents_batch_id_batches"),
            "batches",
            ["batch_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(op.f("ix_contents_batch_id"), ["batch_id"])


def downgrade() -> None:
    with op.batch_alter_table("contents") as batch_op:
        batch_op.drop_index(op.f("ix_contents_batch_id"))
        batch_op.drop_constraint(op.f("fk_contents_batch_id_batches"), type_="foreignkey")
        batch_op.drop_column("batch_id")
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("intake")
    op.drop_table("schedule_runs")
    op.drop_table("schedules")
    op.drop_table("source_items")
    op.drop_table("sources")
    op.drop_table("batches")
