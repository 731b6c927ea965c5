"""Every query and conditional change of schedules and their runs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from autoclip.service.db import changed_rows
from autoclip.service.models import Project, Schedule, ScheduleRun


class ScheduleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def owned(self, user_id: uuid.UUID, schedule_id: uuid.UUID) -> Schedule | None:
        schedule = self.session.get(Schedule, schedule_id)
        if schedule is None or schedule.user_id != user_id or schedule.deleted_at is not None:
            return None
        return schedule

    def of_project(self, project_id: uuid.UUID) -> list[Schedule]:
        return list(
            self.session.scalars(
                select(Schedule)
                .where(Schedule.project_id == project_id, Schedule.deleted_at.is_(None))
                .order_by(Schedule.created_at, Schedule.id)
            )
        )

    def runs(
        self, schedule_id: uuid.UUID, page: int, per_page: int
    ) -> tuple[list[ScheduleRun], int]:
        """A page of the schedule's runs, the latest due first, and how many there are."""
        where = ScheduleRun.schedule_id == schedule_id
        total = self.session.execute(
            select(func.count()).select_from(ScheduleRun).where(where)
        ).scalar_one()
        rows = self.session.scalars(
            select(ScheduleRun)
            .where(where)
            .order_by(ScheduleRun.due_at.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        return list(rows), total

    # -- the factory's moves ------------------------------------------------------------

    def due(self, now: datetime, limit: int) -> list[Schedule]:
        """Enabled, live schedules of live projects whose due time has come."""
        return list(
            self.session.scalars(
                select(Schedule)
                .join(Project, Project.id == Schedule.project_id)
                .where(
                    Schedule.next_run_at <= now,
                    Schedule.enabled.is_(True),
                    Schedule.deleted_at.is_(None),
                    Project.deleted_at.is_(None),
                )
                .order_by(Schedule.next_run_at)
                .limit(limit)
            )
        )

    def claim_tick(
        self, schedule_id: uuid.UUID, due: datetime, following: datetime, now: datetime
    ) -> bool:
        """Take the tick due at `due`: move the next due time on to `following`, if it is
        still `due`. Of any number of processes that saw the tick, one lands; the run row
        that follows in the same transaction is unique per due time besides."""
        return (
            changed_rows(
                self.session,
                update(Schedule)
                .where(
                    Schedule.id == schedule_id,
                    Schedule.next_run_at == due,
                    Schedule.enabled.is_(True),
                    Schedule.deleted_at.is_(None),
                )
                .values(next_run_at=following, last_run_at=now),
            )
            == 1
        )

    def count_overdue(self, before: datetime) -> int:
        """Enabled schedules of live projects whose due time passed before `before`
        without a run: nothing is ticking them."""
        return self.session.execute(
            select(func.count())
            .select_from(Schedule)
            .join(Project, Project.id == Schedule.project_id)
            .where(
                Schedule.next_run_at < before,
                Schedule.enabled.is_(True),
                Schedule.deleted_at.is_(None),
                Project.deleted_at.is_(None),
            )
        ).scalar_one()
