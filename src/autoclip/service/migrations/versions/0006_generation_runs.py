"""generation runs: the job's state (phase, attempts, lease, not-before, revision, stages
to refresh, request id) moves off the content row into `generation_runs`

Each content's present job state becomes its first run, with the content's own id (a
content has one run per generation from now on, so the ids never meet again).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RUN_FK = "fk_contents_run_id_generation_runs"
# The job's columns, as they were on `contents` and are on `generation_runs`.
CARRIED = (
    "revision",
    "phase",
    "refresh_stages",
    "attempts",
    "lease_owner",
    "lease_expires_at",
    "enqueued_at",
    "not_before",
    "request_id",
)


def _job_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=24), nullable=False),
        sa.Column("refresh_stages", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "generation_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("content_id", sa.Uuid(), nullable=False),
        *_job_columns(),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["contents.id"],
            name=op.f("fk_generation_runs_content_id_contents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_runs")),
    )
    op.create_index(op.f("ix_generation_runs_content_id"), "generation_runs", ["content_id"])
    op.create_index("ix_generation_runs_lease", "generation_runs", ["lease_expires_at"])
    carried = ", ".join(CARRIED)
    op.execute(
        f"INSERT INTO generation_runs (id, content_id, {carried}, requested_at, created_at) "  # nosec B608 # constant column names
        f"SELECT id, id, {carried}, COALESCE(requested_at, created_at), "
        "COALESCE(requested_at, created_at) FROM contents"
    )
    with op.batch_alter_table("contents") as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            op.f(RUN_FK), "generation_runs", ["run_id"], ["id"], ondelete="SET NULL"
        )
    op.execute("UPDATE contents SET run_id = id")
    with op.batch_alter_table("contents") as batch_op:
        batch_op.drop_index("ix_contents_status_lease")
        batch_op.create_index("ix_contents_status", ["status"])
        for name in (*CARRIED, "requested_at"):
            batch_op.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("contents") as batch_op:
        for column in _job_columns():
            batch_op.add_column(_nullable(column))
        batch_op.add_column(sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True))
    # Each content takes back its current run's state.
    for name in (*CARRIED, "requested_at"):
        op.execute(
            f"UPDATE contents SET {name} = (SELECT r.{name} FROM generation_runs r "  # nosec B608 # constant column names
            "WHERE r.id = contents.run_id)"
        )
    op.execute("UPDATE contents SET revision = 0 WHERE revision IS NULL")
    op.execute("UPDATE contents SET attempts = 0 WHERE attempts IS NULL")
    op.execute("UPDATE contents SET phase = 'prepare' WHERE phase IS NULL")
    op.execute("UPDATE contents SET refresh_stages = '[]' WHERE refresh_stages IS NULL")
    with op.batch_alter_table("contents") as batch_op:
        batch_op.drop_constraint(op.f(RUN_FK), type_="foreignkey")
        batch_op.drop_column("run_id")
        batch_op.drop_index("ix_contents_status")
        batch_op.create_index("ix_contents_status_lease", ["status", "lease_expires_at"])
        for name in ("revision", "phase", "refresh_stages", "attempts"):
            batch_op.alter_column(name, nullable=False)
    op.drop_index("ix_generation_runs_lease", table_name="generation_runs")
    op.drop_index(op.f("ix_generation_runs_content_id"), table_name="generation_runs")
    op.drop_table("generation_runs")


def _nullable(column: sa.Column[object]) -> sa.Column[object]:
    # Added empty, filled from the runs; the NOT NULL ones made so again after.
    return sa.Column(column.name, column.type, nullable=True)
