"""Batches: up to 100 contents in one request, paid for all at once or not at all.

Each item is checked as a single content would be (its project, its options, its source);
an item that cannot be made is rejected with its reason and costs nothing. The accepted
ones are added and debited inside one savepoint: if the credits do not cover them all,
none is made and the request is a 402.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from autoclip.errors import InputError
from autoclip.service.auth.callers import Account
from autoclip.service.batches.repository import BatchRepository, ContentState
from autoclip.service.batches.schemas import (
    BatchCreate,
    BatchItemResult,
    BatchOut,
    BatchSummary,
)
from autoclip.service.contents.schemas import ContentError
from autoclip.service.contents.service import add_and_debit, settle_options
from autoclip.service.db import after_commit
from autoclip.service.jobs.queue import JobQueue
from autoclip.service.models import MADE_STATUSES, Batch, Content, ContentStatus, JobPhase
from autoclip.service.problems import AppError, NotFound, PaymentRequired
from autoclip.service.projects.service import default_project, get_project
from autoclip.settings import Settings

DONE = (*MADE_STATUSES, ContentStatus.FAILED, ContentStatus.CANCELLED)


def create_batch(
    session: Session,
    jobs: JobQueue,
    user: Account,
    data: BatchCreate,
    *,
    settings: Settings,
    request_id: str | None,
) -> Batch:
    batch = Batch(
        id=uuid.uuid4(), user_id=user.id, project_id=data.project_id, total=len(data.items)
    )
    fallback = get_project(session, user, data.project_id) if data.project_id else None
    contents: list[Content] = []
    entries: list[dict[str, str]] = []
    for index, item in enumerate(data.items):
        try:
            project = (
                get_project(session, user, item.project_id) if item.project_id
                else fallback or default_project(session, user)
            )  # fmt: skip
            language, options = settle_options(session, user, item, project, settings)
        except InputError as error:
            entries.append({"error": f"items[{index}].{error.field}: {error.message}"})
            continue
        except AppError as error:
            entries.append({"error": f"items[{index}]: {error.detail}"})
            continue
        content = Content(
            id=uuid.uuid4(),
            user_id=user.id,
            project_id=project.id,
            generation_type=item.kind,
            source=item.source,
            language=language.value,
            options=options,
            credit_charged=True,
            batch_id=batch.id,
        )
        contents.append(content)
        entries.append({"content_id": str(content.id)})
    batch.items = entries
    BatchRepository(session).add(batch)
    try:
        with session.begin_nested():  # every debit, or none
            for content in contents:
                add_and_debit(session, user, content, request_id)
            session.flush()
    except PaymentRequired:
        raise PaymentRequired(
            f"the batch needs {len(contents)} credits and the account has fewer: nothing was made"
        ) from None
    ids = [str(c.id) for c in contents]
    after_commit(session, lambda: _send_all(jobs, ids))
    return batch


def _send_all(jobs: JobQueue, ids: list[str]) -> None:
    for content_id in ids:
        jobs.send(content_id, JobPhase.PREPARE)


def get_batch(session: Session, user: Account, batch_id: uuid.UUID) -> Batch:
    batch = BatchRepository(session).owned(user.id, batch_id)
    if batch is None:
        raise NotFound("no such batch")
    return batch


def recent_batches(session: Session, user: Account, limit: int) -> list[Batch]:
    return BatchRepository(session).recent(user.id, limit)


def batch_out(session: Session, batch: Batch) -> BatchOut:
    """The batch with each item's state now, and the counts."""
    states = BatchRepository(session).contents(batch.id)
    items: list[BatchItemResult] = []
    counts = {status: 0 for status in ContentStatus}
    for index, entry in enumerate(batch.items):
        if "content_id" not in entry:
            reason = ContentError(stage=None, message=entry.get("error", "rejected"))
            items.append(
                BatchItemResult(index=index, content_id=None, status="rejected", error=reason)
            )
            continue
        content_id = uuid.UUID(entry["content_id"])
        state = states.get(content_id) or ContentState(ContentStatus.CANCELLED, "deleted", None)
        counts[state.status] += 1
        error = ContentError(stage=state.error_stage, message=state.error) if state.error else None
        items.append(
            BatchItemResult(index=index, content_id=content_id, status=state.status, error=error)
        )
    accepted = sum(1 for e in batch.items if "content_id" in e)
    summary = BatchSummary(
        total=batch.total,
        accepted=accepted,
        rejected=batch.total - accepted,
        queued=counts[ContentStatus.QUEUED],
        processing=counts[ContentStatus.PROCESSING],
        review=counts[ContentStatus.REVIEW],
        ready=sum(counts[s] for s in MADE_STATUSES),
        failed=counts[ContentStatus.FAILED],
        cancelled=counts[ContentStatus.CANCELLED],
        finished=sum(counts[s] for s in DONE) == accepted,
    )
    return BatchOut(
        id=batch.id,
        project_id=batch.project_id,
        created_at=batch.created_at,
        summary=summary,
        items=items,
    )
