"""Schedules: a project's rhythm of generation, and each run of it.

A tick is claimed and done in one transaction: the due time moved on (conditionally, so
one process wins however many look), the waiting drafts generated, the run row written.
If anything fails before the commit, nothing of it happened and the next pass takes the
tick again; after the commit the jobs go out (and the reconciler re-sends a lost one).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from autoclip.errors import InputError
from autoclip.service.auth.callers import Account
from autoclip.service.auth.repository import UserRepository
from autoclip.service.channels.repository import ChannelRepository
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.contents.service import generate_draft
from autoclip.service.models import Schedule, ScheduleOutcome, ScheduleRun
from autoclip.service.problems import AppError, NotFound, PaymentRequired
from autoclip.service.projects.repository import ProjectRepository
from autoclip.service.projects.service import get_project
from autoclip.service.publishing.schemas import Privacy
from autoclip.service.publishing.service import pick_channel
from autoclip.service.runtime import Runtime
from autoclip.service.schedules.calendar import latest_due, next_due
from autoclip.service.schedules.repository import ScheduleRepository
from autoclip.service.schedules.schemas import (
    CronScheduleCreate,
    ScheduleCreate,
    ScheduleUpdate,
    TimesScheduleCreate,
)
from autoclip.service.sources.repository import SourceRepository
from autoclip.service.webhooks.events import EventType
from autoclip.service.webhooks.service import emit

log = logging.getLogger("autoclip.schedules")
NO_CREDITS = "stopped: no credits left; runs make nothing until credits come back"


def _next(schedule: Schedule, after: datetime) -> datetime:
    return next_due(after, times=schedule.times, cron=schedule.cron, timezone=schedule.timezone)


def create_schedule(
    session: Session, user: Account, project_id: uuid.UUID, data: ScheduleCreate, now: datetime
) -> Schedule:
    project = get_project(session, user, project_id)
    schedule = Schedule(
        user_id=user.id,
        project_id=project.id,
        name=data.name,
        times=data.times if isinstance(data, TimesScheduleCreate) else [],
        cron=data.cron if isinstance(data, CronScheduleCreate) else None,
        timezone=data.timezone,
        per_run=data.per_run,
        auto_publish=data.auto_publish,
        channel_id=data.channel_id,
        privacy=data.privacy.value,
        enabled=data.enabled,
        created_at=now,
        updated_at=now,
    )
    _check_channel(session, schedule)
    schedule.next_run_at = _next(schedule, now) if data.enabled else None
    ScheduleRepository(session).add(schedule)
    return schedule


def _check_channel(session: Session, schedule: Schedule) -> None:
    """A schedule that publishes needs a channel to publish to, now: the one it names
    (the owner's, connected) or the owner's only one. One that does not publish may
    still name a channel (for later), if it is the owner's."""
    if schedule.auto_publish:
        pick_channel(session, schedule.user_id, schedule.channel_id)
    elif (
        schedule.channel_id is not None
        and ChannelRepository(session).owned(schedule.user_id, schedule.channel_id) is None
    ):
        raise NotFound("no such channel", field="channel_id")


def get_schedule(session: Session, user: Account, schedule_id: uuid.UUID) -> Schedule:
    schedule = ScheduleRepository(session).owned(user.id, schedule_id)
    if schedule is None:
        raise NotFound("no such schedule")
    return schedule


def list_schedules(session: Session, user: Account, project_id: uuid.UUID) -> list[Schedule]:
    project = get_project(session, user, project_id)
    return ScheduleRepository(session).of_project(project.id)


def waiting_items(session: Session, project_id: uuid.UUID) -> int:
    return SourceRepository(session).count_waiting(project_id)


def update_schedule(
    session: Session, user: Account, schedule_id: uuid.UUID, data: ScheduleUpdate, now: datetime
) -> Schedule:
    schedule = get_schedule(session, user, schedule_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "times" in changes:
        schedule.cron = None
    if "cron" in changes:
        schedule.times = []
    if "channel_id" in data.model_fields_set and data.channel_id is None:
        changes["channel_id"] = None  # back to "your only channel"
    # No flush of the changes before they are checked (an unknown channel_id would be a
    # foreign key error, not a 404 naming it).
    with session.no_autoflush:
        for name, value in changes.items():
            setattr(schedule, name, value.value if isinstance(value, Privacy) else value)
        if not schedule.times and not schedule.cron:
            raise InputError("times", "give times or a cron expression")
        if {"auto_publish", "channel_id"} & data.model_fields_set:
            # Only when publishing changes: a schedule whose channel went away since can
            # still be renamed or switched off.
            _check_channel(session, schedule)
    # A changed rhythm (or a schedule enabled again) starts from now: what was due while
    # it was off is not made up.
    schedule.next_run_at = _next(schedule, now) if schedule.enabled else None
    schedule.updated_at = now
    return schedule


def delete_schedule(session: Session, user: Account, schedule_id: uuid.UUID, now: datetime) -> None:
    schedule = get_schedule(session, user, schedule_id)
    ScheduleRepository(session).remove(schedule, now)


def schedule_runs(
    session: Session, user: Account, schedule_id: uuid.UUID, page: int, per_page: int
) -> tuple[list[ScheduleRun], int]:
    get_schedule(session, user, schedule_id)
    return ScheduleRepository(session).runs(schedule_id, page, per_page)


# -- ticking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """A run one process did: for the metrics (lag, contents made)."""

    schedule_id: uuid.UUID
    due_at: datetime
    ran_at: datetime
    outcome: ScheduleOutcome
    made: int


def run_due(runtime: Runtime, limit: int = 50) -> list[Tick]:
    """Run every schedule whose due time has come (those another process has not taken)."""
    now = runtime.clock.now()
    with runtime.db.session(write=False) as session:
        due = [s.id for s in ScheduleRepository(session).due(now, limit)]
    ticks = []
    for schedule_id in due:
        tick = run_tick(runtime, schedule_id, now)
        if tick is not None:
            ticks.append(tick)
    return ticks


def run_tick(runtime: Runtime, schedule_id: uuid.UUID, now: datetime) -> Tick | None:
    """One tick of one schedule, if this process wins it; after downtime, the last due
    time runs once and the ones before it are counted as missed."""
    with runtime.db.session() as session:
        repository = ScheduleRepository(session)
        schedule = repository.get(schedule_id)
        if schedule is None or schedule.next_run_at is None or schedule.next_run_at > now:
            return None
        seen = schedule.next_run_at
        due, missed = latest_due(
            seen, now, times=schedule.times, cron=schedule.cron, timezone=schedule.timezone
        )
        if not repository.claim_tick(schedule.id, seen, _next(schedule, now), now):
            return None  # another process took it
        session.refresh(schedule)
        run = _make(runtime, session, schedule, due, now, missed)
        repository.add_run(run)
        # What it made remembers its run; with auto_publish, it is published once ready.
        repository.mark_made(run.id, [uuid.UUID(c) for c in run.made], schedule.auto_publish)
        tick = Tick(schedule.id, due, now, run.outcome, len(run.made))
        # In the run's own transaction: subscribers hear of exactly the runs that happened.
        emit(session, runtime.jobs, schedule.user_id, EventType.SCHEDULE_RUN, {
            "schedule_id": str(schedule.id), "project_id": str(schedule.project_id),
            "due_at": due.isoformat(), "ran_at": now.isoformat(),
            "outcome": run.outcome.value, "missed": missed, "made": run.made,
            "failed": run.failed,
        })  # fmt: skip
    log.info("schedule %s: the run due %s %s (%d made, %d failed, %d missed)",
             schedule_id, due.isoformat(), tick.outcome.value, tick.made, len(run.failed),
             missed)  # fmt: skip
    return tick


def _make(
    runtime: Runtime,
    session: Session,
    schedule: Schedule,
    due: datetime,
    now: datetime,
    missed: int,
) -> ScheduleRun:
    user = UserRepository(session).get(schedule.user_id)
    project = ProjectRepository(session).owned(schedule.user_id, schedule.project_id)
    assert user is not None
    assert project is not None
    sources = SourceRepository(session)
    contents = ContentRepository(session)
    made: list[str] = []
    failed: list[dict[str, str]] = []
    no_credits = False
    for item in sources.waiting(schedule.project_id, schedule.per_run):
        assert item.content_id is not None  # waiting items have their draft
        content = contents.get(item.content_id)
        assert content is not None
        label = item.title or content.source[:100]
        try:
            generate_draft(session, runtime.jobs, runtime.settings, user, content)
        except PaymentRequired:
            no_credits = True
            break
        except AppError as error:
            # It cannot be made as it stands (a topic without a model): it fails, with the
            # reason, and leaves the order so the next item's turn comes.
            contents.fail_draft(content, error.detail, now)
            sources.mark_used(item, now)
            failed.append({"item": label, "reason": error.detail})
            continue
        sources.mark_used(item, now)
        made.append(str(content.id))
    if no_credits:
        failed.append({"item": "", "reason": NO_CREDITS})
        schedule.stopped_reason = NO_CREDITS
        outcome = ScheduleOutcome.NO_CREDITS
    elif made:
        schedule.stopped_reason = None
        outcome = ScheduleOutcome.PARTIAL if failed else ScheduleOutcome.MADE
    else:
        outcome = ScheduleOutcome.FAILED if failed else ScheduleOutcome.NOTHING_NEW
    return ScheduleRun(
        schedule_id=schedule.id,
        user_id=schedule.user_id,
        due_at=due,
        ran_at=now,
        missed=missed,
        outcome=outcome,
        made=made,
        failed=failed,
    )
