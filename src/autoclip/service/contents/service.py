"""Contents: creating a generation (one credit), reading, cancelling, regenerating, deleting,
and the review of flagged scripts (approve or reject)."""

from __future__ import annotations

import hashlib
import json
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoclip.errors import InputError
from autoclip.kit import outbound
from autoclip.kit.text import detect_language
from autoclip.options import Language
from autoclip.pipeline.progress import Stage
from autoclip.pipeline.providers import check_voice
from autoclip.script.offline import TOPIC_NEEDS_MODEL
from autoclip.service.contents.schemas import ContentCreate, RegeneratePart
from autoclip.service.credits.service import debit, refund
from autoclip.service.db import after_commit, changed_rows, utcnow
from autoclip.service.jobs.queue import CONTENT_PURGE, JobQueue
from autoclip.service.models import (
    ApiUsage,
    Content,
    ContentStatus,
    GenerationType,
    IdempotencyKey,
    JobPhase,
    LedgerReason,
    Project,
    StageRun,
    User,
)
from autoclip.service.problems import Conflict, Invalid, NotFound
from autoclip.service.projects.service import default_project, get_project
from autoclip.service.providers import CHAINS, check_configured, provider_choice, takes_topics
from autoclip.settings import Settings

# What each regenerate part remakes; the stages after it follow by their cache keys.
REFRESH = {
    RegeneratePart.SCRIPT: [Stage.SCRIPT],
    RegeneratePart.NARRATION: [Stage.NARRATION],
    RegeneratePart.VISUALS: [Stage.VISUALS],
    RegeneratePart.RENDER: [Stage.RENDER, Stage.THUMBNAIL],
}
FINISHED = (ContentStatus.READY, ContentStatus.FAILED, ContentStatus.CANCELLED)


def create_content(
    session: Session,
    jobs: JobQueue,
    user: User,
    data: ContentCreate,
    *,
    settings: Settings,
    idempotency_key: str | None,
    request_id: str | None,
) -> tuple[Content, bool]:
    """The new content (queued, one credit taken) and whether it was created just now
    (False: an `Idempotency-Key` replay of an earlier request)."""
    request_hash = hashlib.sha256(data.model_dump_json().encode()).hexdigest()
    if idempotency_key and (earlier := _replay(session, user, idempotency_key, request_hash)):
        return earlier, False
    project = (
        get_project(session, user, data.project_id) if data.project_id else
        default_project(session, user)
    )  # fmt: skip
    language, options = _settle_options(data, project, settings)
    try:
        with session.begin_nested():  # a lost idempotency race undoes the debit too
            content = Content(
                user_id=user.id,
                project_id=project.id,
                generation_type=data.generation_type,
                source=data.source,
                language=language.value,
                options=options,
                status=ContentStatus.QUEUED,
                phase=JobPhase.PREPARE,
                enqueued_at=utcnow(),
                requested_at=utcnow(),
                credit_charged=True,
                request_id=request_id,
            )
            session.add(content)
            session.flush()
            debit(session, user, content.id, LedgerReason.GENERATION)
            if idempotency_key:
                session.add(
                    IdempotencyKey(
                        user_id=user.id,
                        key=idempotency_key,
                        request_hash=request_hash,
                        content_id=content.id,
                    )
                )
                session.flush()
    except IntegrityError:
        if idempotency_key and (earlier := _replay(session, user, idempotency_key, request_hash)):
            return earlier, False
        raise
    content_id = str(content.id)
    after_commit(session, lambda: jobs.send(content_id, JobPhase.PREPARE))
    return content, True


def _replay(session: Session, user: User, key: str, request_hash: str) -> Content | None:
    earlier = session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
    ).scalar_one_or_none()
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise Invalid(
            "this Idempotency-Key was used with a different request", field="Idempotency-Key"
        )
    content = session.get(Content, earlier.content_id)
    if content is None or content.deleted_at is not None:
        raise Conflict("the content made with this Idempotency-Key was deleted; use a new key")
    return content


def _settle_options(
    data: ContentCreate, project: Project, settings: Settings
) -> tuple[Language, dict[str, object]]:
    """The content's language and options: what the request says, else the project's.

    The provider chains and the budget are stored only as the request gives them: the
    worker resolves them against the project and the configuration when it runs.
    """
    given = data.options
    if data.generation_type is GenerationType.TOPIC:
        choice = provider_choice(given.model_dump(include=set(CHAINS)), project.providers)
        if not takes_topics(settings, choice):
            raise InputError("generation_type", TOPIC_NEEDS_MODEL)
    if data.generation_type is GenerationType.URL:
        try:
            outbound.precheck(data.source, settings.outbound_policy())
        except outbound.OutboundError as error:
            raise InputError("url", str(error)) from None
    if data.language is not None:
        language = data.language
    elif data.generation_type is GenerationType.TEXT:
        language = Language(detect_language(data.source))
    else:
        language = Language(project.language)
    if given.voice is not None:
        if given.voice.endswith(".onnx"):  # a model path is for the CLI: not server files
            raise InputError("options.voice", "choose a named voice, not a model file")
        try:
            check_voice(language, given.voice)
        except InputError as error:
            raise InputError("options.voice", error.message) from None
    check_configured(settings, given.model_dump(include=set(CHAINS)), "options")
    options: dict[str, object] = {
        "vertical": (given.vertical or project.vertical),
        "tone": (given.tone or project.tone),
        "aspect": (given.aspect or project.format),
        "length": (given.length or "short"),
        "voice": given.voice,
        "draft": given.draft,
        **given.model_dump(include={*CHAINS, "budget_usd"}),
    }
    return language, json.loads(json.dumps(options, default=str))


def get_content(session: Session, user: User, content_id: uuid.UUID) -> Content:
    """The user's own live content, or 404 — also for another user's (never 403)."""
    content = session.get(Content, content_id)
    if content is None or content.user_id != user.id or content.deleted_at is not None:
        raise NotFound("no such content")
    return content


def list_contents(
    session: Session,
    user: User,
    page: int,
    per_page: int,
    status: ContentStatus | None,
    project_id: uuid.UUID | None,
) -> tuple[list[Content], int]:
    where = [Content.user_id == user.id, Content.deleted_at.is_(None)]
    if status is not None:
        where.append(Content.status == status)
    if project_id is not None:
        where.append(Content.project_id == project_id)
    total = session.execute(select(func.count()).select_from(Content).where(*where)).scalar_one()
    rows = session.scalars(
        select(Content)
        .where(*where)
        .order_by(Content.created_at.desc(), Content.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


def cancel_content(session: Session, user: User, content_id: uuid.UUID) -> Content:
    content = get_content(session, user, content_id)
    if not content.status.is_active:
        raise Conflict(f"the content is {content.status.value}; only queued or processing "
                       "contents can be cancelled")  # fmt: skip
    _stop(session, content)
    return content


def _stop(session: Session, content: Content) -> None:
    # The worker notices at its next heartbeat and kills its ffmpeg; the credit comes back now.
    now = utcnow()
    content.status = ContentStatus.CANCELLED
    content.finished_at = now
    content.updated_at = now
    session.flush()
    refund(session, content.id)


def regenerate_content(
    session: Session,
    jobs: JobQueue,
    user: User,
    content_id: uuid.UUID,
    parts: list[RegeneratePart],
) -> Content:
    content = get_content(session, user, content_id)
    if content.status is ContentStatus.REVIEW:
        raise Conflict("the content is waiting for review; approve or reject it first")
    if content.status not in FINISHED:
        raise Conflict(f"the content is {content.status.value}; wait for it to finish or "
                       "cancel it first")  # fmt: skip
    debit(session, user, content.id, LedgerReason.REGENERATION)
    if RegeneratePart.SCRIPT in parts:
        # An approval and a safety report are for one script: a new one is checked anew.
        content.safety = None
        content.approved_at = None
    before_render = {RegeneratePart.SCRIPT, RegeneratePart.NARRATION, RegeneratePart.VISUALS}
    phase = (
        JobPhase.RENDER
        if content.script is not None and not before_render.intersection(parts)
        else JobPhase.PREPARE
    )
    content.refresh_stages = sorted({s.value for part in parts for s in REFRESH[part]})
    content.revision += 1
    content.phase = phase
    content.stage = None
    content.progress = 0
    requeue(content)
    after_commit(session, lambda: jobs.send(str(content_id), phase))
    return content


def requeue(content: Content) -> None:
    """Make a finished content wait for a worker again, its credit taken (the caller
    debited it) and its last error cleared; it resumes from its stage cache."""
    now = utcnow()
    content.status = ContentStatus.QUEUED
    content.error = None
    content.error_stage = None
    content.attempts = 0
    content.credit_charged = True
    content.enqueued_at = now
    content.requested_at = now
    content.updated_at = now
    content.finished_at = None


def delete_content(session: Session, jobs: JobQueue, user: User, content_id: uuid.UUID) -> bool:
    """Soft delete: hidden from every route at once; an unfinished generation is stopped;
    once that commits, a job removes its stored objects (jobs/purge.py). True if a
    generation was stopped."""
    content = get_content(session, user, content_id)
    # A content waiting for review holds its credit too.
    stopped = content.status.is_active or content.status is ContentStatus.REVIEW
    if stopped:
        _stop(session, content)
    content.deleted_at = utcnow()
    after_commit(session, lambda: jobs.send_task(CONTENT_PURGE, str(content_id)))
    return stopped


def stage_runs(session: Session, user: User, content_id: uuid.UUID) -> list[StageRun]:
    get_content(session, user, content_id)
    return list(
        session.scalars(
            select(StageRun)
            .where(StageRun.content_id == content_id)
            .order_by(StageRun.started_at, StageRun.id)
        )
    )


def approve_content(session: Session, jobs: JobQueue, user: User, content_id: uuid.UUID) -> Content:
    """Let a flagged script go on: narration and the rest are made, its credit still taken.
    The job goes once the approval commits."""
    content = get_content(session, user, content_id)
    now = utcnow()
    _leave_review(
        session,
        content,
        "approved",
        status=ContentStatus.QUEUED,
        approved_at=now,
        attempts=0,
        not_before=None,
        enqueued_at=now,
        # From here the machines work again: the generation's duration (a metric) should
        # not include however long the content waited for a person.
        requested_at=now,
        updated_at=now,
    )
    phase = content.phase
    after_commit(session, lambda: jobs.send(str(content_id), phase))
    return content


def reject_content(session: Session, user: User, content_id: uuid.UUID, reason: str) -> Content:
    """Turn a flagged script down: the content is cancelled, with the reason, and refunded."""
    content = get_content(session, user, content_id)
    now = utcnow()
    _leave_review(
        session,
        content,
        "rejected",
        status=ContentStatus.CANCELLED,
        error=f"rejected in review: {reason}" if reason else "rejected in review",
        error_stage=Stage.SAFETY.value,
        finished_at=now,
        updated_at=now,
    )
    refund(session, content.id)
    return content


def _leave_review(session: Session, content: Content, decision: str, **values: object) -> None:
    # Conditional on the status, so that of two decisions racing (two tabs, two
    # reviewers) only the first lands, on PostgreSQL as on SQLite; the other is a 409.
    moved = changed_rows(
        session,
        update(Content)
        .where(Content.id == content.id, Content.status == ContentStatus.REVIEW)
        .values(**values),
    )
    session.refresh(content)
    if moved != 1:
        raise Conflict(
            f"the content is {content.status.value}; only a content waiting for review can "
            f"be {decision}"
        )


def content_usage(session: Session, user: User, content_id: uuid.UUID) -> list[ApiUsage]:
    """The content's provider calls, oldest first."""
    get_content(session, user, content_id)
    return list(
        session.scalars(
            select(ApiUsage).where(ApiUsage.content_id == content_id).order_by(ApiUsage.id)
        )
    )
