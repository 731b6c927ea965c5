"""Contents: creating a generation (one credit), reading, cancelling, regenerating, deleting,
and the review of flagged scripts (approve or reject)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoclip.errors import InputError
from autoclip.kit import outbound
from autoclip.kit.text import detect_language
from autoclip.options import Aspect, Language, Length, Tone, Vertical
from autoclip.pipeline.progress import Stage
from autoclip.providers.narration.registry import check_voice
from autoclip.providers.visuals.base import VisualName
from autoclip.providers.writing.base import TOPIC_NEEDS_MODEL
from autoclip.script.limits import check_limits
from autoclip.script.model import Script
from autoclip.service.auth.callers import Account
from autoclip.service.billing.credits import debit, refund
from autoclip.service.contents.chains import CHAINS, check_configured, provider_choice, takes_topics
from autoclip.service.contents.records import StoredOptions
from autoclip.service.contents.repository import ContentRepository, SummaryRow
from autoclip.service.contents.schemas import ContentCreate, RegeneratePart, ScriptEdit
from autoclip.service.db import after_commit, utcnow
from autoclip.service.jobs.queue import CONTENT_PURGE, JobQueue
from autoclip.service.media.repository import MediaRepository
from autoclip.service.media.service import PICTURE_KINDS, usable_item
from autoclip.service.models import (
    ApiUsage,
    Content,
    ContentStatus,
    GenerationType,
    JobPhase,
    LedgerReason,
    MediaKind,
    Project,
    StageRun,
)
from autoclip.service.problems import Conflict, Invalid, NotFound
from autoclip.service.projects.repository import ProjectRepository
from autoclip.service.projects.service import default_project, get_project
from autoclip.service.templates.service import template_spec
from autoclip.service.webhooks.events import EventType
from autoclip.service.webhooks.service import check_url, emit_content
from autoclip.settings import Settings

NARRATION_FIELD = "options.narration_media_id"
# What each regenerate part remakes; the stages after it follow by their cache keys.
REFRESH = {
    RegeneratePart.SCRIPT: [Stage.SCRIPT],
    RegeneratePart.NARRATION: [Stage.NARRATION],
    RegeneratePart.VISUALS: [Stage.VISUALS],
    RegeneratePart.RENDER: [Stage.RENDER, Stage.THUMBNAIL],
}
FINISHED = (
    ContentStatus.READY, ContentStatus.PUBLISHED, ContentStatus.FAILED, ContentStatus.CANCELLED,
)  # fmt: skip


def create_content(
    session: Session,
    jobs: JobQueue,
    user: Account,
    data: ContentCreate,
    *,
    settings: Settings,
    idempotency_key: str | None,
    request_id: str | None,
) -> tuple[Content, bool]:
    """The new content (queued, one credit taken) and whether it was created just now
    (False: an `Idempotency-Key` replay of an earlier request)."""
    # callback_url came later: left out of the hash when not given, so an Idempotency-Key
    # replay of a request from before hashes as it did then.
    unhashed = {"callback_url"} if data.callback_url is None else None
    request_hash = hashlib.sha256(data.model_dump_json(exclude=unhashed).encode()).hexdigest()
    if idempotency_key and (earlier := _replay(session, user, idempotency_key, request_hash)):
        return earlier, False
    project = (
        get_project(session, user, data.project_id) if data.project_id else
        default_project(session, user)
    )  # fmt: skip
    language, options = settle_options(session, user, data, project, settings)
    content = Content(
        user_id=user.id,
        project_id=project.id,
        generation_type=data.kind,
        source=data.source,
        language=language.value,
        options=options,
        credit_charged=True,
        callback_url=(
            check_url(settings, data.callback_url, "callback_url") if data.callback_url else None
        ),
    )
    if not idempotency_key:
        add_and_debit(session, user, content, request_id)
    else:
        try:
            # A lost race for the key undoes the content and the debit with it.
            with session.begin_nested():
                add_and_debit(session, user, content, request_id)
                ContentRepository(session).remember_key(
                    user.id, idempotency_key, request_hash, content.id
                )
        except IntegrityError:
            if earlier := _replay(session, user, idempotency_key, request_hash):
                return earlier, False
            raise
    content_id = str(content.id)
    after_commit(session, lambda: jobs.send(content_id, JobPhase.PREPARE))
    emit_content(session, jobs, content, EventType.CONTENT_QUEUED)
    return content, True


def add_and_debit(
    session: Session, user: Account, content: Content, request_id: str | None
) -> None:
    ContentRepository(session).add(content, request_id=request_id)
    debit(session, user, content.id, LedgerReason.GENERATION)


def generate_draft(
    session: Session, jobs: JobQueue, settings: Settings, user: Account, content: Content
) -> None:
    """Generate a draft (one credit, its first run queued once this commits). Raises
    PaymentRequired without credits, Conflict when it cannot be made as it stands (a
    topic with no model to write it), and leaves the draft as it was."""
    if content.status is not ContentStatus.DRAFT:
        raise Conflict(f"the content is {content.status.value}; only a draft can be generated")
    if content.generation_type is GenerationType.TOPIC:
        project = ProjectRepository(session).owned(content.user_id, content.project_id)
        choice = provider_choice(content.options.chains(), project.providers if project else {})
        if not takes_topics(settings, choice):
            raise Conflict(f"{TOPIC_NEEDS_MODEL}; or name one in the options' writer")
    with session.begin_nested():  # the debit and the run, or neither
        debit(session, user, content.id, LedgerReason.GENERATION)
        ContentRepository(session).start_run(content, JobPhase.PREPARE)
        session.flush()
    content_id = str(content.id)
    after_commit(session, lambda: jobs.send(content_id, JobPhase.PREPARE))


def _replay(session: Session, user: Account, key: str, request_hash: str) -> Content | None:
    contents = ContentRepository(session)
    earlier = contents.idempotency_key(user.id, key)
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise Invalid(
            "this Idempotency-Key was used with a different request", field="Idempotency-Key"
        )
    content = contents.owned(user.id, earlier.content_id)
    if content is None:
        raise Conflict("the content made with this Idempotency-Key was deleted; use a new key")
    return content


def settle_options(
    session: Session, user: Account, data: ContentCreate, project: Project, settings: Settings
) -> tuple[Language, StoredOptions]:
    """The content's language and options: what the request says, else the project's.

    The provider chains and the budget are stored only as the request gives them: the
    worker resolves them against the project and the configuration when it runs.
    """
    given = data.options
    if data.kind is GenerationType.TOPIC:
        choice = provider_choice(given.model_dump(include=set(CHAINS)), project.providers)
        if not takes_topics(settings, choice):
            # The content named no writer (a chain it names is checked with the request);
            # its project's and the server's have no model. The request is well formed,
            # and right on a project or server that has one: a conflict with this state.
            raise Conflict(
                f"{TOPIC_NEEDS_MODEL}; or name one in options.writer", field="generation_type"
            )
    if data.kind is GenerationType.URL:
        try:
            outbound.precheck(data.source, settings.outbound_policy())
        except outbound.OutboundError as error:
            raise InputError("url", str(error)) from None
    if data.language is not None:
        language = data.language
    elif data.kind is GenerationType.TEXT:
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
    if given.music_id is not None:
        usable_item(session, user, given.music_id, [MediaKind.MUSIC], "options.music_id")
    check_library(session, user, given.visuals or project.providers.get("visuals"), "options")
    options = StoredOptions(
        vertical=given.vertical or Vertical(project.vertical),
        tone=given.tone or Tone(project.tone),
        aspect=given.aspect or Aspect(project.format),
        length=given.length or Length.SHORT,
        voice=given.voice,
        draft=given.draft,
        budget_usd=given.budget_usd,
        caption_style=given.caption_style,
        template=given.template,
        template_spec=template_spec(session, user, given.template),
        narration_media_id=narration_recording(session, user, given.narration_media_id),
        music_id=str(given.music_id) if given.music_id else None,
        **given.model_dump(include=set(CHAINS)),
    )
    return language, options


def narration_recording(
    session: Session, user: Account, item_id: uuid.UUID | None
) -> uuid.UUID | None:
    """`options.narration_media_id`, checked to be a sound file of the user's own library
    (another user's item is not found, as any id they do not own)."""
    if item_id is None:
        return None
    item = MediaRepository(session).owned(user.id, item_id)
    if item is None:
        raise NotFound("no such media item", field=NARRATION_FIELD)
    if item.kind is not MediaKind.MUSIC:
        raise Invalid(
            f"is {item.kind.value} '{item.name}', not a sound recording", field=NARRATION_FIELD
        )
    return item.id


def check_library(session: Session, user: Account, visuals: str | None, prefix: str) -> None:
    """Refuse, naming `{prefix}.visuals`, the library visuals for a user whose media
    library has no image or clip to show: every scene would be a card, which is not what
    they asked for."""
    wanted = bool(visuals) and VisualName.LIBRARY in (visuals or "").split(",")
    if wanted and not MediaRepository(session).of_kinds(user.id, PICTURE_KINDS):
        # Well formed, and right once the library has a picture: a conflict with the state.
        raise Conflict(
            "the library visuals show your media library's images and clips; it has none yet",
            field=f"{prefix}.visuals",
        )


def get_content(session: Session, user: Account, content_id: uuid.UUID) -> Content:
    """The user's own live content, or 404 — also for another user's (never 403)."""
    content = ContentRepository(session).owned(user.id, content_id)
    if content is None:
        raise NotFound("no such content")
    return content


def list_contents(
    session: Session,
    user: Account,
    page: int,
    per_page: int,
    status: ContentStatus | None,
    project_id: uuid.UUID | None,
) -> tuple[Sequence[SummaryRow], int]:
    return ContentRepository(session).page(user.id, page, per_page, status, project_id)


def cancel_content(session: Session, user: Account, content_id: uuid.UUID) -> Content:
    content = get_content(session, user, content_id)
    if not content.status.is_active:
        raise Conflict(f"the content is {content.status.value}; only queued or processing "
                       "contents can be cancelled")  # fmt: skip
    _stop(session, content)
    return content


def _stop(session: Session, content: Content) -> None:
    # The worker notices at its next heartbeat and kills its ffmpeg; the credit comes back now.
    ContentRepository(session).stop(content)
    refund(session, content.id)


def regenerate_content(
    session: Session,
    jobs: JobQueue,
    user: Account,
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
    repository = ContentRepository(session)
    previous = repository.run(content)
    content.stage = None
    content.progress = 0
    repository.start_run(
        content,
        phase,
        refresh=sorted({s.value for part in parts for s in REFRESH[part]}),
        revision=(previous.revision if previous else 0) + 1,
    )
    after_commit(session, lambda: jobs.send(str(content_id), phase))
    emit_content(session, jobs, content, EventType.CONTENT_QUEUED)
    return content


EDITABLE = (
    ContentStatus.REVIEW, ContentStatus.READY, ContentStatus.PUBLISHED, ContentStatus.FAILED,
)  # fmt: skip


def edit_script(
    session: Session, jobs: JobQueue, user: Account, content_id: uuid.UUID, edit: ScriptEdit
) -> Content:
    """Store the owner's edited script and make the video of it again.

    The new words are checked anew (the safety report and any approval were for the old
    ones), so a flagged edit in a project that wants review goes back to review. Nothing
    else is refreshed: every stage's cache key is made of its inputs, so a scene whose
    words are unchanged keeps its narration and visual, and only what changed is made.
    A content in review is edited on the credit it already holds; a finished one takes a
    credit, as a regenerate does.
    """
    content = get_content(session, user, content_id)
    if content.status not in EDITABLE or content.script is None:
        raise Conflict(
            f"the content is {content.status.value}; a script can be edited once it is "
            "written, while the content waits for review, is ready or failed"
        )
    given = edit.model_dump()
    where = ["hook", *(f"scenes.{n}" for n in range(len(given["scenes"]))), "cta"]
    for field, scene in zip(where, (given["hook"], *given["scenes"], given["cta"]), strict=True):
        scene["keywords"] = [word for word in scene["keywords"] if word]
        if scene["picture_id"] is None:
            del scene["picture_id"]
        else:
            usable_item(session, user, scene["picture_id"], PICTURE_KINDS, f"{field}.picture_id")
            scene["picture_id"] = str(scene["picture_id"])
    given["hashtags"] = [tag for tag in given["hashtags"] if tag]
    script = Script(language=Language(content.language), **given)
    try:
        check_limits(script, field="scenes")
    except InputError as error:
        raise InputError("scenes", error.message.removeprefix("scenes: ")) from None
    if content.status is not ContentStatus.REVIEW:
        debit(session, user, content.id, LedgerReason.REGENERATION)
    content.script = script.model_dump(mode="json")
    content.title = script.title
    content.safety = None
    content.approved_at = None
    repository = ContentRepository(session)
    content.stage = None
    content.progress = 0
    repository.start_run(content, JobPhase.PREPARE)
    after_commit(session, lambda: jobs.send(str(content_id), JobPhase.PREPARE))
    return content


def requeue(session: Session, content: Content) -> JobPhase:
    """Queue a failed content again, in a new run that resumes where the last one stopped
    (the stage cache has the rest); the caller took its credit. Returns the run's phase."""
    repository = ContentRepository(session)
    previous = repository.run(content)
    phase = previous.phase if previous else JobPhase.PREPARE
    refresh = previous.refresh_stages if previous else []
    repository.start_run(content, phase, refresh=refresh)
    return phase


def delete_content(session: Session, jobs: JobQueue, user: Account, content_id: uuid.UUID) -> bool:
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


def stage_runs(session: Session, user: Account, content_id: uuid.UUID) -> list[StageRun]:
    get_content(session, user, content_id)
    return ContentRepository(session).stage_runs(content_id)


def approve_content(
    session: Session, jobs: JobQueue, user: Account, content_id: uuid.UUID
) -> Content:
    """Let a flagged script go on: narration and the rest are made, its credit still taken.
    The job goes once the approval commits."""
    content = get_content(session, user, content_id)
    repository = ContentRepository(session)
    _decided(session, content, "approved", repository.approve(content_id))
    run = repository.run(content)
    assert run is not None
    phase = run.phase
    after_commit(session, lambda: jobs.send(str(content_id), phase))
    emit_content(session, jobs, content, EventType.CONTENT_QUEUED)
    return content


def reject_content(session: Session, user: Account, content_id: uuid.UUID, reason: str) -> Content:
    """Turn a flagged script down: the content is cancelled, with the reason, and refunded."""
    content = get_content(session, user, content_id)
    error = f"rejected in review: {reason}" if reason else "rejected in review"
    rejected = ContentRepository(session).reject(content_id, error, Stage.SAFETY.value)
    _decided(session, content, "rejected", rejected)
    refund(session, content.id)
    return content


def _decided(session: Session, content: Content, decision: str, landed: bool) -> None:
    # The move is conditional on the status, so that of two decisions racing (two tabs,
    # two reviewers) only the first lands, on PostgreSQL as on SQLite; the other is a 409.
    session.refresh(content)
    if not landed:
        raise Conflict(
            f"the content is {content.status.value}; only a content waiting for review can "
            f"be {decision}"
        )


def content_usage(session: Session, user: Account, content_id: uuid.UUID) -> list[ApiUsage]:
    """The content's provider calls, oldest first."""
    get_content(session, user, content_id)
    return ContentRepository(session).usage(content_id)
