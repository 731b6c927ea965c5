"""Every query and conditional change of schedules and their runs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from autoclip.service.db import changed_rows
from autoclip.service.models import Content, ContentStatus, Project, Schedule, ScheduleRun
from autoclip.service.publishing.repository import PUBLISH_STAGE

# A content's auto_publish: a schedule with auto_publish made it; it is published when it
# is ready (started), unless it could not be (failed) or the schedule no longer publishes.
AUTO_PENDING = "pending"
AUTO_STARTED = "started"
AUTO_FAILED = "failed"
AUTO_SKIPPED = "skipped"


class ScheduleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, schedule: Schedule) -> None:
        self.session.add(schedule)
        self.session.flush()

    def owned(self, user_id: uuid.UUID, schedule_id: uuid.UUID) -> Schedule | None:
        schedule = self.session.get(Schedule, schedule_id)
        if schedule is None or schedule.user_id != user_id or schedule.deleted_at is not None:
            return None
        return schedule

    def remove(self, schedule: Schedule, now: datetime) -> None:
        """Delete (softly): gone from lists, and no tick is due any more."""
        schedule.deleted_at = now
        schedule.next_run_at = None

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

    def get(self, schedule_id: uuid.UUID) -> Schedule | None:
        """The schedule by its id alone, deleted too: the factory's, never an owner's."""
        return self.session.get(Schedule, schedule_id)

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

    # -- publishing what a run made ------------------------------------------------------

    def of_run(self, run_id: uuid.UUID) -> Schedule | None:
        """The schedule that made the run, deleted too; None if the run is gone."""
        run = self.session.get(ScheduleRun, run_id)
        return self.session.get(Schedule, run.schedule_id) if run is not None else None

    def add_run(self, run: ScheduleRun) -> None:
        """Store a tick's run; an IntegrityError at the flush if its due time has one
        (the run row is unique per due time)."""
        self.session.add(run)
        self.session.flush()

    def mark_made(self, run_id: uuid.UUID, content_ids: list[uuid.UUID], publish: bool) -> None:
        if content_ids:
            self.session.execute(
                update(Content)
                .where(Content.id.in_(content_ids))
                .values(schedule_run_id=run_id, auto_publish=AUTO_PENDING if publish else None)
            )

    def claim_auto_publish(self, content_id: uuid.UUID, to: str) -> bool:
        """Move a content's auto-publish from `pending` to `to`: of every process that
        sees it ready, one lands, once (a regenerate later finds it moved)."""
        return (
            changed_rows(
                self.session,
                update(Content)
                .where(Content.id == content_id, Content.auto_publish == AUTO_PENDING)
                .values(auto_publish=to),
            )
            == 1
        )

    def auto_publish_failed(self, content: Content, reason: str) -> None:
        """A content its schedule could not publish: failed at the publish stage (its video
        kept, as a failed upload leaves it, publishable by hand), the reason added to its
        run's."""
        content.auto_publish = AUTO_FAILED
        content.status = ContentStatus.FAILED
        content.error = reason
        content.error_stage = PUBLISH_STAGE
        self.session.flush()
        self.note_publish_failure(content.id, reason)

    def note_publish_failure(self, content_id: uuid.UUID, reason: str) -> None:
        """Add why a content a schedule made was not published to its run's `failed`
        (the run's row locked for the read-modify-write: two contents of one run can fail
        at once)."""
        content = self.session.get(Content, content_id)
        if content is None or content.schedule_run_id is None:
            return
        run = self.session.scalars(
            select(ScheduleRun)
            .where(ScheduleRun.id == content.schedule_run_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if run is None:
            return
        label = (content.title or content.source)[:100]
        run.failed = [*run.failed, {"item": label, "reason": reason[:1000]}]
