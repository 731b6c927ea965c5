"""Every query on contents and their generation runs, and every change of a content's state.

A content's state moves by named, conditional changes: each names the state it expects
(a status, the lease of the job that makes it) and says whether it landed. Of two
processes racing — two workers, a worker and its owner's cancel, two reconcilers — one
wins and the other learns it lost, on SQLite as on PostgreSQL, with no lock held across
work.

A move that changes both rows changes the run first, then the content, inside a
savepoint: if either finds a state it did not expect, neither changes. Every such move
takes the rows in that order, so two of them never wait on each other in a circle.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from autoclip.safety import SafetyReport
from autoclip.service.db import changed_rows, utcnow
from autoclip.service.models import (
    MADE_STATUSES,
    ApiUsage,
    Content,
    ContentStatus,
    GenerationRun,
    IdempotencyKey,
    JobPhase,
    StageRun,
    StageRunStatus,
)

ACTIVE = (ContentStatus.QUEUED, ContentStatus.PROCESSING)
ERROR_LIMIT = 4000  # characters of a failure's reason kept (its end: the cause)


# What a list of contents shows (ContentSummary), and nothing heavier.
SummaryRow = Row[*tuple[Any, ...]]
SUMMARY_COLUMNS = (
    Content.id,
    Content.user_id,
    Content.project_id,
    Content.generation_type,
    Content.language,
    Content.options,
    Content.status,
    Content.stage,
    Content.progress,
    Content.title,
    Content.error,
    Content.error_stage,
    Content.outputs,
    Content.duration_s,
    Content.cost_usd,
    Content.approved_at,
    Content.created_at,
    Content.updated_at,
    Content.finished_at,
)


def _owner_filter(status: bool, project: bool) -> list[ColumnElement[bool]]:
    where = [Content.user_id == bindparam("user_id"), Content.deleted_at.is_(None)]
    if status:
        where.append(Content.status == bindparam("status"))
    if project:
        where.append(Content.project_id == bindparam("project_id"))
    return where


# A page's statements, built once for each filter (with or without a status, a project):
# building one costs more CPU than SQLite takes to run it. The page carries the total in
# its rows (a window count); an empty page asks for it alone.
_PAGES = {
    (status, project): select(*SUMMARY_COLUMNS, func.count().over().label("total"))
    .where(*_owner_filter(status, project))
    .order_by(Content.created_at.desc(), Content.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
    for status in (False, True)
    for project in (False, True)
}
_COUNTS = {
    (status, project): select(func.count())
    .select_from(Content)
    .where(*_owner_filter(status, project))
    for status in (False, True)
    for project in (False, True)
}


class _Lost(Exception):
    """A two-row move found one row not as it expected: undo the other."""


@dataclass(frozen=True)
class QueueState:
    """Where a content's current run stands, as a worker's message meets it."""

    status: ContentStatus
    phase: JobPhase
    lease_expires_at: datetime | None
    not_before: datetime | None


@dataclass(frozen=True)
class Progress:
    status: ContentStatus
    stage: str | None
    progress: int
    error: str | None


@dataclass(frozen=True)
class LostWork:
    """A run the queue lost: its worker died (an expired lease) or its message never came."""

    content_id: uuid.UUID
    phase: JobPhase
    attempts: int
    lease_expires_at: datetime | None
    enqueued_at: datetime | None  # the last send; None: never sent, or since forgotten


def _current_run(content_id: uuid.UUID, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """`GenerationRun` rows that are `content_id`'s current run, while `conditions` hold
    for the content."""
    return GenerationRun.id == (
        select(Content.run_id).where(Content.id == content_id, *conditions).scalar_subquery()
    )


def _generation_failed() -> ColumnElement[bool]:
    """A failed content whose generation failed, not its publish (publishing/)."""
    return or_(Content.error_stage.is_(None), Content.error_stage != "publish")


def _run_held_by(owner: str) -> ColumnElement[bool]:
    """Contents whose current run is leased to `owner`."""
    return Content.run_id.in_(select(GenerationRun.id).where(GenerationRun.lease_owner == owner))


class ContentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- what an owner reads ------------------------------------------------------------

    def get(self, content_id: uuid.UUID) -> Content | None:
        """The content by its id alone, deleted too: for jobs that act on an id the queue
        or another row carried, never for an owner's request (that is `owned`)."""
        return self.session.get(Content, content_id)

    def reread(self, content_id: uuid.UUID) -> Content | None:
        """As `get`, the session's copy read again from the database: a conditional UPDATE
        (a move of this repository) may just have changed the row under it."""
        return self.session.get(Content, content_id, populate_existing=True)

    def owned(self, user_id: uuid.UUID, content_id: uuid.UUID) -> Content | None:
        """The user's own live content; None for another user's (never told apart)."""
        content = self.session.get(Content, content_id)
        if content is None or content.user_id != user_id or content.deleted_at is not None:
            return None
        return content

    def page(
        self,
        user_id: uuid.UUID,
        page: int,
        per_page: int,
        status: ContentStatus | None = None,
        project_id: uuid.UUID | None = None,
    ) -> tuple[Sequence[SummaryRow], int]:
        """A page of the user's live contents, newest first, and how many there are. The
        rows carry only what a list shows (SUMMARY_COLUMNS, read as plain rows, not ORM
        objects: the script, the source text, the safety report stay in the database), and
        the total."""
        params = {"user_id": user_id, "offset": (page - 1) * per_page, "limit": per_page,
                  "status": status, "project_id": project_id}  # fmt: skip
        shape = (status is not None, project_id is not None)
        rows = self.session.execute(_PAGES[shape], params).all()
        if rows:
            return rows, rows[0].total
        return [], self.session.execute(_COUNTS[shape], params).scalar_one()

    def count_by_status_of(self, user_id: uuid.UUID) -> dict[ContentStatus, int]:
        """How many live contents the user has in each status (the studio's dashboard)."""
        rows = self.session.execute(
            select(Content.status, func.count())
            .where(Content.user_id == user_id, Content.deleted_at.is_(None))
            .group_by(Content.status)
        ).all()
        return {status: count for status, count in rows}

    def ready(
        self, user_id: uuid.UUID, among: Sequence[uuid.UUID] | None = None, newest: int = 0
    ) -> list[Content]:
        """The user's live contents whose video is made (ready or published): those `among`
        the ids given, else the `newest`."""
        query = select(Content).where(
            Content.user_id == user_id,
            Content.deleted_at.is_(None),
            Content.status.in_(MADE_STATUSES),
        )
        if among is not None:
            query = query.where(Content.id.in_(among))
        else:
            query = query.order_by(Content.created_at.desc(), Content.id.desc()).limit(newest)
        return list(self.session.scalars(query))

    def progress(self, content_id: uuid.UUID) -> Progress | None:
        """What the event stream shows of a live content; None once it is gone."""
        found = self.session.execute(
            select(Content.status, Content.stage, Content.progress, Content.error).where(
                Content.id == content_id, Content.deleted_at.is_(None)
            )
        ).one_or_none()
        return None if found is None else Progress(*found)

    def is_live(self, content_id: uuid.UUID) -> bool:
        """Whether the content exists and is not deleted (its files may be served)."""
        found = self.session.execute(
            select(Content.id).where(Content.id == content_id, Content.deleted_at.is_(None))
        ).first()
        return found is not None

    def run(self, content: Content) -> GenerationRun | None:
        return None if content.run_id is None else self.session.get(GenerationRun, content.run_id)

    def stage_runs(self, content_id: uuid.UUID) -> list[StageRun]:
        return list(
            self.session.scalars(
                select(StageRun)
                .where(StageRun.content_id == content_id)
                .order_by(StageRun.started_at, StageRun.id)
            )
        )

    def usage(self, content_id: uuid.UUID) -> list[ApiUsage]:
        """The content's provider calls, oldest first."""
        return list(
            self.session.scalars(
                select(ApiUsage).where(ApiUsage.content_id == content_id).order_by(ApiUsage.id)
            )
        )

    def idempotency_key(self, user_id: uuid.UUID, key: str) -> IdempotencyKey | None:
        return self.session.execute(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        ).scalar_one_or_none()

    # -- what an owner (or an operator) asks for -------------------------------------------

    def add(self, content: Content, *, request_id: str | None) -> GenerationRun:
        """Store a new content, queued with its first generation run."""
        content.id = content.id or uuid.uuid4()
        content.status = ContentStatus.QUEUED
        self.session.add(content)
        return self.start_run(content, JobPhase.PREPARE, request_id=request_id)

    def remember_key(
        self, user_id: uuid.UUID, key: str, request_hash: str, content_id: uuid.UUID
    ) -> None:
        """Record that `key` made `content_id`; an IntegrityError at the flush if another
        request of the user took the key first."""
        self.session.add(
            IdempotencyKey(
                user_id=user_id, key=key, request_hash=request_hash, content_id=content_id
            )
        )
        self.session.flush()

    def add_draft(self, content: Content) -> None:
        """Store a new draft: no run, no credit taken, until it is generated."""
        content.id = content.id or uuid.uuid4()
        content.status = ContentStatus.DRAFT
        content.credit_charged = False
        self.session.add(content)
        self.session.flush()

    def fail_draft(self, content: Content, reason: str, now: datetime) -> None:
        """A draft a schedule drew that cannot be made as it stands (a topic with no model
        to write it): failed, with the reason; no run was started, no credit taken."""
        content.status = ContentStatus.FAILED
        content.error = reason
        content.finished_at = now

    def start_run(
        self,
        content: Content,
        phase: JobPhase,
        *,
        refresh: Sequence[str] = (),
        revision: int | None = None,
        request_id: str | None = None,
    ) -> GenerationRun:
        """Queue a new generation of `content` (its credit taken by the caller): a fresh
        run in `phase`, the last error cleared. `revision` defaults to the last run's."""
        now = utcnow()
        previous = self.run(content)
        run = GenerationRun(
            id=uuid.uuid4(),
            content_id=content.id,
            revision=revision if revision is not None else (previous.revision if previous else 0),
            phase=phase,
            refresh_stages=sorted(refresh),
            attempts=0,
            enqueued_at=now,
            requested_at=now,
            request_id=request_id,
        )
        self.session.add(run)
        content.run = run  # the one flush that follows writes both rows
        content.status = ContentStatus.QUEUED
        content.error = None
        content.error_stage = None
        content.credit_charged = True
        content.updated_at = now
        content.finished_at = None
        return run

    def stop(self, content: Content) -> None:
        """Cancel: the worker notices at its next heartbeat and kills its ffmpeg."""
        now = utcnow()
        content.status = ContentStatus.CANCELLED
        content.finished_at = now
        content.updated_at = now
        self.session.flush()

    def approve(self, content_id: uuid.UUID) -> bool:
        """A flagged script goes on: the run back on its queue, ready at once. Only while
        the content waits for review (of two decisions racing, one lands)."""
        now = utcnow()
        return self._move(
            update(GenerationRun)
            .where(_current_run(content_id, Content.status == ContentStatus.REVIEW))
            .values(attempts=0, not_before=None, enqueued_at=now, requested_at=now),
            update(Content)
            .where(Content.id == content_id, Content.status == ContentStatus.REVIEW)
            .values(status=ContentStatus.QUEUED, approved_at=now, updated_at=now),
        )

    def reject(self, content_id: uuid.UUID, error: str, error_stage: str) -> bool:
        now = utcnow()
        return (
            changed_rows(
                self.session,
                update(Content)
                .where(Content.id == content_id, Content.status == ContentStatus.REVIEW)
                .values(
                    status=ContentStatus.CANCELLED,
                    error=error,
                    error_stage=error_stage,
                    finished_at=now,
                    updated_at=now,
                ),
            )
            == 1
        )

    def failed_since(self, since: datetime) -> list[Content]:
        """Contents whose generation failed since `since` (not a publish that failed:
        their video is made)."""
        return list(
            self.session.scalars(
                select(Content)
                .where(
                    Content.status == ContentStatus.FAILED,
                    _generation_failed(),
                    Content.deleted_at.is_(None),
                    Content.finished_at >= since,
                )
                .order_by(Content.finished_at)
            )
        )

    # -- a worker's moves ----------------------------------------------------------------

    def claim(self, content_id: uuid.UUID, phase: JobPhase, owner: str, seconds: float) -> bool:
        """Take the content's run for `owner` for `seconds`: only a live, queued or
        processing content whose run is in `phase`, unleased (or its lease expired) and
        due."""
        now = utcnow()
        live = (Content.status.in_(ACTIVE), Content.deleted_at.is_(None))
        return self._move(
            update(GenerationRun)
            .where(
                _current_run(content_id, *live),
                GenerationRun.phase == phase,
                or_(GenerationRun.lease_expires_at.is_(None), GenerationRun.lease_expires_at < now),
                or_(GenerationRun.not_before.is_(None), GenerationRun.not_before <= now),
            )
            .values(
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=seconds),
                attempts=GenerationRun.attempts + 1,
                not_before=None,
            ),
            update(Content)
            .where(Content.id == content_id, *live)
            .values(status=ContentStatus.PROCESSING, updated_at=now),
        )

    def renew(self, content_id: uuid.UUID, owner: str, seconds: float) -> bool:
        """Extend `owner`'s lease, while the content is still processing and not deleted."""
        return (
            changed_rows(
                self.session,
                update(GenerationRun)
                .where(
                    _current_run(
                        content_id,
                        Content.status == ContentStatus.PROCESSING,
                        Content.deleted_at.is_(None),
                    ),
                    GenerationRun.lease_owner == owner,
                )
                .values(lease_expires_at=utcnow() + timedelta(seconds=seconds)),
            )
            == 1
        )

    def still_processing(self, content_id: uuid.UUID) -> bool:
        found = self.session.execute(
            select(Content.id).where(
                Content.id == content_id,
                Content.status == ContentStatus.PROCESSING,
                Content.deleted_at.is_(None),
            )
        ).first()
        return found is not None

    def set_progress(self, content_id: uuid.UUID, owner: str, stage: str, value: int) -> None:
        self.session.execute(
            update(Content)
            .where(Content.id == content_id, _run_held_by(owner))
            .values(stage=stage, progress=value, updated_at=utcnow())
        )

    def add_stage_run(self, run: StageRun) -> None:
        self.session.add(run)

    def close_stage_run(
        self, run_id: uuid.UUID, status: StageRunStatus, seconds: float | None, error: str | None
    ) -> None:
        """End a stage run with `status`, if it is still running (the reconciler may have
        marked it abandoned already); its duration is `seconds`, else the time since it
        started."""
        run = self.session.get(StageRun, run_id)
        if run is None or run.status is not StageRunStatus.RUNNING:
            return
        finished = utcnow()
        run.status = status
        run.finished_at = finished
        run.duration_s = round(
            seconds if seconds is not None else (finished - run.started_at).total_seconds(), 3
        )
        run.error = error

    def queue_state(self, content_id: uuid.UUID) -> QueueState | None:
        found = self.session.execute(
            select(
                Content.status,
                GenerationRun.phase,
                GenerationRun.lease_expires_at,
                GenerationRun.not_before,
            )
            .join(GenerationRun, GenerationRun.id == Content.run_id)
            .where(Content.id == content_id, Content.deleted_at.is_(None))
        ).one_or_none()
        return None if found is None else QueueState(*found)

    def mark_prepared(self, content_id: uuid.UUID, owner: str, **done: Any) -> bool:
        """The prepare phase is done (`done`: script, title, safety, served): the run goes
        to the render queue, unleased, its attempts counted afresh."""
        now = utcnow()
        return self._worker_move(
            content_id,
            owner,
            {"phase": JobPhase.RENDER, "attempts": 0, "enqueued_at": now},
            {**done, "updated_at": now},
        )

    def hold_for_review(
        self, content_id: uuid.UUID, owner: str, refresh: Sequence[str], **held: Any
    ) -> bool:
        """Park a flagged script (`held`: script, title, safety, served) for its owner's
        decision; the approval goes on remaking only `refresh`."""
        return self._worker_move(
            content_id,
            owner,
            {"refresh_stages": sorted(refresh)},
            {
                **held,
                "status": ContentStatus.REVIEW,
                "stage": None,
                "error": None,
                "error_stage": None,
                "updated_at": utcnow(),
            },
        )

    def finish(self, content_id: uuid.UUID, owner: str, **result: Any) -> bool:
        """The content is ready (`result`: outputs, duration_s, safety, served)."""
        now = utcnow()
        return self._worker_move(
            content_id,
            owner,
            {"refresh_stages": []},
            {
                **result,
                "status": ContentStatus.READY,
                "stage": None,
                "progress": 100,
                "error": None,
                "error_stage": None,
                "finished_at": now,
                "updated_at": now,
            },
        )

    def schedule_retry(
        self, content_id: uuid.UUID, owner: str, reason: str, delay_s: float
    ) -> bool:
        """Back on the queue, due in `delay_s`, with why the attempt failed."""
        now = utcnow()
        return self._worker_move(
            content_id,
            owner,
            {"not_before": now + timedelta(seconds=delay_s), "enqueued_at": now},
            {"status": ContentStatus.QUEUED, "error": reason[-ERROR_LIMIT:], "updated_at": now},
        )

    def fail(
        self,
        content_id: uuid.UUID,
        reason: str,
        *,
        owner: str | None = None,
        lease: datetime | None = None,
        safety: SafetyReport | None = None,
    ) -> bool:
        """End a queued or processing content as failed, with its reason. Only while
        `owner` holds its run, or (the reconciler) while the run's lease is still the
        expired `lease`: a worker that retook it meanwhile keeps it. The caller refunds."""
        held: list[ColumnElement[bool]] = []
        if owner is not None:
            held.append(GenerationRun.lease_owner == owner)
        if lease is not None:
            held.append(GenerationRun.lease_expires_at == lease)
        now = utcnow()
        values: dict[str, Any] = {
            "status": ContentStatus.FAILED,
            "error": reason[-ERROR_LIMIT:],
            "error_stage": Content.stage,
            "finished_at": now,
            "updated_at": now,
        }
        if safety is not None:
            values["safety"] = safety
        return self._move(
            update(GenerationRun)
            .where(_current_run(content_id, Content.status.in_(ACTIVE)), *held)
            .values(lease_owner=None, lease_expires_at=None),
            update(Content)
            .where(Content.id == content_id, Content.status.in_(ACTIVE))
            .values(**values),
        )

    def let_go(self, content_id: uuid.UUID, owner: str) -> None:
        """Release `owner`'s lease, whatever the content's state (cancelled, deleted)."""
        self.session.execute(
            update(GenerationRun)
            .where(GenerationRun.content_id == content_id, GenerationRun.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )

    # -- the reconciler's ----------------------------------------------------------------

    def lost_work(self, stale_after: timedelta) -> list[LostWork]:
        """Runs whose worker died (processing, lease expired), and runs whose message never
        arrived: queued and due, or handed to the render queue, for over `stale_after`."""
        now = utcnow()
        stale = now - stale_after
        run = GenerationRun
        rows = self.session.execute(
            select(Content.id, run.phase, run.attempts, run.lease_expires_at, run.enqueued_at)
            .join(run, run.id == Content.run_id)
            .where(
                Content.deleted_at.is_(None),
                or_(
                    and_(Content.status == ContentStatus.PROCESSING, run.lease_expires_at < now),
                    and_(
                        Content.status == ContentStatus.QUEUED,
                        run.lease_expires_at.is_(None),
                        or_(run.not_before.is_(None), run.not_before <= now),
                        or_(run.enqueued_at.is_(None), run.enqueued_at < stale),
                    ),
                    and_(
                        Content.status == ContentStatus.PROCESSING,
                        run.lease_expires_at.is_(None),
                        or_(run.enqueued_at.is_(None), run.enqueued_at < stale),
                    ),
                ),
            )
        ).all()
        return [LostWork(*row) for row in rows]

    def take_for_resend(
        self, content_id: uuid.UUID, expired: datetime | None, enqueued: datetime | None
    ) -> bool:
        """Claim the re-send of lost work on the state the reconciler saw (the expired
        lease, or with none the last send): once per expiry or loss however many
        reconcilers run."""
        run = GenerationRun
        if expired is not None:
            seen = run.lease_expires_at == expired
        elif enqueued is None:
            seen = and_(run.lease_expires_at.is_(None), run.enqueued_at.is_(None))
        else:
            seen = and_(run.lease_expires_at.is_(None), run.enqueued_at == enqueued)
        taken = changed_rows(
            self.session,
            update(GenerationRun)
            .where(_current_run(content_id), seen)
            .values(lease_owner=None, lease_expires_at=None, enqueued_at=utcnow()),
        )
        if taken == 1:
            self.abandon_stage_runs(content_id)
        return taken == 1

    def forget_sends(self) -> int:
        """Mark the run of every content waiting for a message (queued, or handed to the
        render queue: no lease) as never sent, so the reconciler re-sends it once due; runs
        a worker holds are left alone (their job sends what follows). Returns how many."""
        waiting = select(Content.run_id).where(
            Content.deleted_at.is_(None),
            Content.status.in_([ContentStatus.QUEUED, ContentStatus.PROCESSING]),
        )
        return changed_rows(
            self.session,
            update(GenerationRun)
            .where(
                GenerationRun.id.in_(waiting),
                GenerationRun.lease_expires_at.is_(None),
                GenerationRun.enqueued_at.is_not(None),
            )
            .values(enqueued_at=None),
        )

    def abandon_stage_runs(self, content_id: uuid.UUID) -> None:
        self.session.execute(
            update(StageRun)
            .where(StageRun.content_id == content_id, StageRun.status == StageRunStatus.RUNNING)
            .values(status=StageRunStatus.ABANDONED, finished_at=utcnow(), error="worker lost")
        )

    # -- deletion ------------------------------------------------------------------------

    def deleted_at(self, content_id: uuid.UUID) -> datetime | None:
        return self.session.execute(
            select(Content.deleted_at).where(Content.id == content_id)
        ).scalar_one_or_none()

    def mark_purged(self, content_id: uuid.UUID) -> bool:
        """Record a deleted content's objects as removed for good — not while a worker
        still holds its run (it may write more; it purges again when it lets go)."""
        now = utcnow()
        leased = select(GenerationRun.id).where(
            GenerationRun.content_id == content_id,
            GenerationRun.lease_owner.is_not(None),
            GenerationRun.lease_expires_at >= now,
        )
        return (
            changed_rows(
                self.session,
                update(Content)
                .where(
                    Content.id == content_id,
                    Content.deleted_at.is_not(None),
                    ~leased.exists(),
                )
                .values(purged_at=now),
            )
            == 1
        )

    def unpurged(self, deleted_before: datetime, limit: int) -> list[uuid.UUID]:
        return list(
            self.session.scalars(
                select(Content.id)
                .where(
                    Content.deleted_at.is_not(None),
                    Content.deleted_at <= deleted_before,
                    Content.purged_at.is_(None),
                )
                .order_by(Content.deleted_at)
                .limit(limit)
            )
        )

    # -- operators' numbers --------------------------------------------------------------

    def count_by_status(self) -> dict[ContentStatus, int]:
        rows = self.session.execute(
            select(Content.status, func.count())
            .where(Content.deleted_at.is_(None))
            .group_by(Content.status)
        ).all()
        return {status: count for status, count in rows}

    def count_expired_leases(self) -> int:
        return self.session.execute(
            select(func.count())
            .select_from(Content)
            .join(GenerationRun, GenerationRun.id == Content.run_id)
            .where(
                Content.status == ContentStatus.PROCESSING,
                GenerationRun.lease_expires_at < utcnow(),
            )
        ).scalar_one()

    def oldest_queued(self) -> datetime | None:
        return self.session.execute(
            select(func.min(Content.created_at)).where(Content.status == ContentStatus.QUEUED)
        ).scalar_one()

    def count_failed_since(self, since: datetime) -> int:
        return self.session.execute(
            select(func.count()).where(
                Content.status == ContentStatus.FAILED,
                _generation_failed(),
                Content.finished_at >= since,
            )
        ).scalar_one()

    def take_back_credit(self, content_id: uuid.UUID) -> uuid.UUID | None:
        """Mark the content's credit as given back, once: its owner's id if it still held
        one (the caller credits the owner), else None."""
        return self.session.execute(
            update(Content)
            .where(Content.id == content_id, Content.credit_charged.is_(True))
            .values(credit_charged=False)
            .returning(Content.user_id)
        ).scalar_one_or_none()

    def add_cost(self, content_id: uuid.UUID, usd: float) -> None:
        self.session.execute(
            update(Content).where(Content.id == content_id).values(cost_usd=Content.cost_usd + usd)
        )

    # -- moves of two rows ---------------------------------------------------------------

    def _worker_move(
        self,
        content_id: uuid.UUID,
        owner: str,
        run_values: dict[str, Any],
        content_values: dict[str, Any],
    ) -> bool:
        """A move of `owner`'s job, which ends its lease: only while it holds the run and
        the content is processing."""
        processing = Content.status == ContentStatus.PROCESSING
        return self._move(
            update(GenerationRun)
            .where(_current_run(content_id, processing), GenerationRun.lease_owner == owner)
            .values(**run_values, lease_owner=None, lease_expires_at=None),
            update(Content).where(Content.id == content_id, processing).values(**content_values),
        )

    def _move(self, run_change: Update, content_change: Update) -> bool:
        """Both changes or neither: the run first, then the content (module docstring)."""
        try:
            with self.session.begin_nested():
                if changed_rows(self.session, run_change) != 1:
                    raise _Lost
                if changed_rows(self.session, content_change) != 1:
                    raise _Lost
        except _Lost:
            return False
        return True
