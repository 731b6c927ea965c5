"""Runs one phase of one content's generation inside a worker.

The flow of a content: `prepare` (script → captions) on the content-generation queue, then
`render` (render → thumbnail → publish) on the render queue. Each phase claims the content's
lease, runs the engine with a heartbeat, and records the outcome in one transaction that
only lands if this worker still holds the lease. Errors decide what follows:

- the user's (bad input), configuration or media errors, or a script the safety check
  blocks: the content fails with the reason and its credit is refunded — retrying would
  fail the same way;
- a flagged script in a project that wants review: the content waits in `review`, its
  credit kept, until its owner approves (back on the queue) or rejects it;
- a `TransientError` (a provider's timeout, rate limit or outage, a full disk): retried
  with exponential backoff, or after the wait the provider asked for, up to
  `max_attempts`, then failed and refunded;
- anything unforeseen (a database or storage blip, a bug): retried the same way, logged
  with its trace;
- cancellation: the owner already has the refund; the worker just lets go.
"""

from __future__ import annotations

import errno
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from autoclip.captions.presets import CaptionStyleName
from autoclip.errors import (
    CancelledError,
    ConfigurationError,
    ContentBlockedError,
    DiskFullError,
    InputError,
    MediaError,
    TransientError,
)
from autoclip.kit.storage import image_key, video_key
from autoclip.looks.brand import BrandKit
from autoclip.looks.look import Look
from autoclip.options import GenerateOptions, Language
from autoclip.pipeline.chains import ProviderChoice, Providers
from autoclip.pipeline.engine import Engine, GenerateRequest, GenerateResult, Held, Prepared
from autoclip.pipeline.progress import Stage
from autoclip.providers.cloud.errors import PermanentProviderError
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.narration import recorded
from autoclip.providers.visuals.base import VisualKind, VisualName
from autoclip.providers.visuals.library import Asset, AssetLibrary, name_keywords
from autoclip.providers.writing.base import SourceMaterial
from autoclip.safety import SafetyReport
from autoclip.script.model import Script
from autoclip.service.billing.credits import refund
from autoclip.service.billing.usage import usage_sink
from autoclip.service.brands.records import BrandRecord
from autoclip.service.brands.service import brand_kit
from autoclip.service.contents.chains import budget_usd, generation_spend, provider_choice
from autoclip.service.contents.records import Outputs, Served, StoredOptions
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.contents.service import NARRATION_FIELD
from autoclip.service.db import after_commit, retry_unreachable, utcnow
from autoclip.service.jobs.lease import Heartbeat, claim
from autoclip.service.jobs.progress import PREPARE_STAGES, RENDER_STAGES, DatabaseProgress
from autoclip.service.jobs.purge import purge_content
from autoclip.service.logs import request_context
from autoclip.service.media.repository import MediaRepository
from autoclip.service.media.service import PICTURE_KINDS, fetched
from autoclip.service.models import (
    Content,
    ContentStatus,
    GenerationType,
    JobPhase,
    MediaKind,
)
from autoclip.service.models import StageRunStatus as RunStatus
from autoclip.service.projects.repository import ProjectRepository
from autoclip.service.runtime import Runtime
from autoclip.service.schedules.autopublish import publish_when_ready
from autoclip.service.webhooks.events import EventType
from autoclip.service.webhooks.service import emit_content_by_id
from autoclip.settings import Settings
from autoclip.source.loader import fetch_url

PERMANENT = (InputError, ConfigurationError, MediaError, PermanentProviderError)
T = TypeVar("T")


class Outcome(StrEnum):
    """How a phase ended, as the log says it."""

    DONE = "done"
    HELD = "held for review"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"  # the safety check refused the script
    FAILED = "failed"  # for good: retrying would fail the same way
    RETRIED = "retried"  # back on the queue (or failed, once out of attempts)


log = logging.getLogger("autoclip.worker")


@dataclass(frozen=True)
class Job:
    """What a phase needs from the content row, read once after the claim."""

    id: uuid.UUID
    user_id: uuid.UUID
    generation_type: GenerationType
    source: str
    language: str
    options: StoredOptions
    script: dict[str, Any] | None
    refresh: frozenset[Stage]
    revision: int
    attempts: int
    request_id: str | None
    owner: str  # this job's lease
    requested_at: datetime
    choice: ProviderChoice  # the content's chains, else its project's (None: configured)
    budget_usd: float | None
    spent_usd: float  # by this generation's earlier attempts and phases
    hold_flagged: bool  # the project wants flagged scripts approved first
    approved: bool
    safety: SafetyReport | None  # the stored script's report
    served: Served | None
    brand: BrandRecord  # the project's brand kit as the job was claimed
    pronunciations: dict[str, str]  # the project's dictionary, applied by every narrator
    # From the owner's media library: the scenes' own pictures (media id -> key), the
    # images and clips the library visuals show (when the chain has them; None: it has
    # not), and the music bed the content names (None: the brand's, if any).
    pictures: dict[str, str]
    library: list[LibraryFile] | None
    music_key: str | None

    # Where the user's recording narrating the script is stored; None when it names none,
    # "" when the item it named has left the library since.
    narration_key: str | None = None


@dataclass(frozen=True)
class LibraryFile:
    key: str
    kind: MediaKind
    name: str
    duration_s: float | None


def generate_options(
    language: str, options: StoredOptions, pronunciations: dict[str, str] | None = None
) -> GenerateOptions:
    return GenerateOptions(
        language=Language(language),
        vertical=options.vertical,
        tone=options.tone,
        length=options.length,
        aspect=options.aspect,
        voice=options.voice,
        draft=options.draft,
        pronunciations=tuple(sorted((pronunciations or {}).items())),
    )


def stored_look(options: StoredOptions, brand: BrandKit | None = None) -> Look:
    """The template and caption style a content asked for (checked when it was), and its
    project's brand kit."""
    template = options.template_spec
    style = CaptionStyleName(options.caption_style) if options.caption_style else None
    return Look(template=template, template_name=options.template, caption_style=style, brand=brand)


def output_keys(content_id: str, scenes: int) -> Outputs:
    """Where the engine's publish stage put the content's files."""
    return Outputs(
        video=video_key(content_id, "original.mp4"),
        thumbnail=video_key(content_id, "thumbnail.jpg"),
        audio=video_key(content_id, "audio.mp3"),
        captions_srt=video_key(content_id, "captions.srt"),
        captions_ass=video_key(content_id, "captions.ass"),
        script=video_key(content_id, "script.json"),
        images=[image_key(content_id, n) for n in range(1, scenes + 1)],
    )


def _media_of(
    session: Session, row: Content, choice: ProviderChoice, settings: Settings
) -> dict[str, Any]:
    """What the content uses of its owner's media library, read with the job: a file the
    owner deleted since is simply absent (the engine then says which scene lacks it)."""
    repository = MediaRepository(session)
    scenes = Script.model_validate(row.script).timeline() if row.script else []
    wanted = {uuid.UUID(s.picture_id) for _, s in scenes if s.picture_id}
    music_id = row.options.music_id
    found = repository.owned_many(
        row.user_id, [*wanted, *([uuid.UUID(music_id)] if music_id else [])]
    )
    pictures = {str(i): item.key for i, item in found.items() if i in wanted}
    music = found.get(uuid.UUID(music_id)) if music_id else None
    library = None
    if VisualName.LIBRARY in (choice.visuals or settings.visuals):
        library = [
            LibraryFile(item.key, item.kind, item.name, item.duration_s)
            for item in repository.of_kinds(row.user_id, PICTURE_KINDS)
        ]
    return {
        "pictures": pictures,
        "library": library,
        "music_key": music.key if music is not None and music.kind is MediaKind.MUSIC else None,
    }


class ContentRunner:
    def __init__(self, runtime: Runtime, worker_id: str) -> None:
        self.runtime = runtime
        self.worker_id = worker_id
        self.settings = runtime.settings.worker
        self.metrics = runtime.job_metrics

    def __call__(self, content_id: str, phase: JobPhase) -> None:
        cid = uuid.UUID(content_id)
        # The lease names this job, not just this process: a cancelled job still letting go
        # and the job that replaced it, both here, must never pass for each other.
        owner = f"{self.worker_id}/{uuid.uuid4().hex[:8]}"
        if not claim(self.runtime.db, cid, phase, owner, self.settings.lease_seconds):
            self._not_claimed(cid, phase)
            return
        job = self._load(cid, owner)
        if phase is JobPhase.PREPARE and job.attempts == 1:
            self._emit(job, EventType.CONTENT_PROCESSING)
        with request_context(job.request_id):
            self._execute(job, phase)

    def _emit(self, job: Job, event: EventType) -> None:
        def write() -> None:
            with self.runtime.db.session() as session:
                emit_content_by_id(session, self.runtime.jobs, job.id, event)

        self._record(job, event.value, write)

    def _execute(self, job: Job, phase: JobPhase) -> None:
        stages = PREPARE_STAGES if phase is JobPhase.PREPARE else RENDER_STAGES
        progress = DatabaseProgress(
            self.runtime.db,
            job.id,
            job.owner,
            job.attempts,
            stages,
            self.metrics,
            retry_seconds=self.settings.lease_seconds,
        )
        heartbeat = Heartbeat(self.runtime.db, job.id, job.owner, self.settings.lease_seconds)
        heartbeat.start()
        began = time.perf_counter()
        log.info("content %s: %s started (attempt %d)", job.id, phase.value, job.attempts,
                 extra={"contentId": str(job.id), "phase": phase.value})  # fmt: skip
        try:
            outcome = self._run(job, phase, progress, heartbeat)
        except CancelledError:
            outcome = Outcome.CANCELLED
            progress.abort(RunStatus.CANCELLED, "cancelled")
            self._let_go(job)
        except ContentBlockedError as blocked:
            outcome = Outcome.BLOCKED
            progress.abort(RunStatus.FAILED, str(blocked))
            self._fail(job, str(blocked), safety=blocked.report)
        except PERMANENT as error:
            outcome = Outcome.FAILED
            progress.abort(RunStatus.FAILED, str(error))
            self._fail(job, str(error))
        except TransientError as error:  # foreseen, and may pass: no trace in the log
            outcome = Outcome.RETRIED
            log.warning("content %s: %s failed: %s", job.id, phase.value, error,
                        extra={"contentId": str(job.id)})  # fmt: skip
            self._retry_or_fail(job, phase, progress, error, error.retry_after)
        except Exception as error:  # not foreseen (a database or storage blip, a bug)
            outcome = Outcome.RETRIED
            log.exception("content %s: %s failed", job.id, phase.value,
                          extra={"contentId": str(job.id)})  # fmt: skip
            self._retry_or_fail(job, phase, progress, error)
        finally:
            heartbeat.finish()
        self._purge_if_deleted(job)
        seconds = time.perf_counter() - began
        fields = {"contentId": str(job.id), "phase": phase.value, "outcome": outcome.value}
        log.info("content %s: %s %s in %.1f s", job.id, phase.value, outcome.value, seconds,
                 extra=fields)  # fmt: skip

    def _not_claimed(self, content_id: uuid.UUID, phase: JobPhase) -> None:
        """Drop a message that is not for us now, unless the content is due in this phase
        and only a lease is in the way: the one of the job it replaced (cancelled, then
        regenerated before that worker let go). Then try again shortly (the lease ends by
        itself if that worker died), or the new job would wait for the stale-queue pass."""
        with self.runtime.db.session(write=False) as session:
            found = ContentRepository(session).queue_state(content_id)
        now = utcnow()
        if (
            found is None
            or found.status is not ContentStatus.QUEUED
            or found.phase is not phase
            or (found.not_before is not None and found.not_before > now)
        ):
            log.info("content %s (%s) is not for us now; skipped", content_id, phase.value)
            return
        left = (found.lease_expires_at - now).total_seconds() if found.lease_expires_at else 0
        delay = max(min(left, self.settings.lease_seconds / 3), 0.1)
        log.info("content %s (%s) is still leased; trying again in %.1f s", content_id,
                 phase.value, delay)  # fmt: skip
        self.runtime.jobs.send(str(content_id), phase, delay)

    # -- the phases ---------------------------------------------------------------------

    def _run(
        self, job: Job, phase: JobPhase, progress: DatabaseProgress, heartbeat: Heartbeat
    ) -> Outcome:
        """Run the phase and record its outcome: done, or held for review."""
        storage = self.runtime.storage
        meter = UsageMeter(
            budget_usd=job.budget_usd,
            sink=usage_sink(self.runtime.db, job.user_id, job.id, self.metrics),
            spent_usd=job.spent_usd,
        )
        with Providers(self.runtime.settings, job.choice, meter) as providers:
            engine = Engine(
                storage,
                providers,
                progress,
                render_timeout=self.settings.render_time_limit_seconds,
                work_dir=self.runtime.settings.work_dir,
                should_cancel=heartbeat.should_cancel,
                shared_cache=storage if storage.shared else None,
            )
            if phase is JobPhase.PREPARE:
                # Gathering the source (fetching a page) is the script stage's work: a page
                # that cannot be fetched fails the script stage, not a stage with no name.
                progress.stage_started(Stage.SCRIPT, 1)
            request = self._request(job, phase)
            try:
                if phase is JobPhase.PREPARE:
                    prepared = engine.prepare(request)
                    if isinstance(prepared, Held):
                        self._held(job, prepared)
                        return Outcome.HELD
                    self._prepared(job, prepared)
                else:
                    heartbeat.check_now()
                    self._finished(job, engine.generate(request))
            except InputError as error:
                if error.field != recorded.FIELD:
                    raise
                # The engine names its own input; the user gave the API's option.
                raise InputError(NARRATION_FIELD, error.message) from None
        return Outcome.DONE

    def _request(self, job: Job, phase: JobPhase) -> GenerateRequest:
        script: Script | None = None
        safety: SafetyReport | None = None
        reuse_script = job.script is not None and (
            phase is JobPhase.RENDER or Stage.SCRIPT not in job.refresh
        )
        if reuse_script:
            script = Script.model_validate(job.script)
            # The stored script was checked with it: not reviewed (and paid for) twice.
            safety = job.safety
            source = SourceMaterial(origin=f"content {job.id}")
        elif job.generation_type is GenerationType.URL:
            settings = self.runtime.settings
            source = fetch_url(job.source, settings.outbound_policy(), settings.fetch_deadline_s)
        elif job.generation_type is GenerationType.TOPIC:
            source = SourceMaterial(topic=job.source)
        else:
            source = SourceMaterial(text=job.source)
        return GenerateRequest(
            source,
            generate_options(job.language, job.options, job.pronunciations),
            script=script,
            content_id=str(job.id),
            refresh=job.refresh,
            refresh_token=f"{job.id}:{job.revision}",
            # The render phase goes on with a script the prepare phase let through, even
            # if the project asked for review since.
            hold_flagged=job.hold_flagged and phase is JobPhase.PREPARE,
            approved=job.approved,
            served=job.served.given() if job.served and reuse_script else None,
            safety=safety,
            look=stored_look(job.options, self._brand(job)),
            narration_audio=self._recording(job),
            pictures={
                id_: fetched(self.runtime.storage, key, self._media_cache)
                for id_, key in job.pictures.items()
            },
            assets=self._library(job),
            music=self._music(job),
        )

    def _recording(self, job: Job) -> Path | None:
        """The user's recording of the script, fetched to this worker's scratch once."""
        if job.narration_key is None:
            return None
        if not job.narration_key:
            raise InputError(NARRATION_FIELD, "the recording is no longer in your media library")
        return fetched(self.runtime.storage, job.narration_key, self._media_cache)

    @property
    def _media_cache(self) -> Path:
        return self.runtime.settings.work_dir / "media"

    def _library(self, job: Job) -> AssetLibrary | None:
        """The owner's images and clips for the library visuals, in the order uploaded,
        each matched to scenes by the words of its name (as `--assets` files are)."""
        if job.library is None:
            return None
        if not job.library:
            raise InputError(
                "options.visuals",
                "the library visuals show your media library's images and clips; it has none",
            )
        assets = [
            Asset(
                path=fetched(self.runtime.storage, item.key, self._media_cache),
                kind=VisualKind.CLIP if item.kind is MediaKind.CLIP else VisualKind.STILL,
                keywords=name_keywords(item.name),
                duration=item.duration_s,
                ident=item.key,
            )
            for item in job.library
        ]
        return AssetLibrary.of(assets, self._media_cache)

    def _music(self, job: Job) -> Path | None:
        if job.options.music_id is None:
            return None
        if job.music_key is None:
            raise InputError("options.music_id", "the music was deleted from your library")
        return fetched(self.runtime.storage, job.music_key, self._media_cache)

    def _brand(self, job: Job) -> BrandKit | None:
        """The project's brand kit with its files fetched to this worker's scratch."""
        cache = self.runtime.settings.work_dir / "brands"
        return brand_kit(self.runtime.storage, job.brand, cache)

    # -- outcomes -----------------------------------------------------------------------

    def _load(self, content_id: uuid.UUID, owner: str) -> Job:
        with self.runtime.db.session(write=False) as session:
            contents = ContentRepository(session)
            row = contents.get(content_id)
            assert row is not None
            run = contents.run(row)
            assert run is not None
            project = ProjectRepository(session).owned(row.user_id, row.project_id)
            assert project is not None
            options = row.options
            choice = provider_choice(options.chains(), project.providers)
            media = _media_of(session, row, choice, self.runtime.settings)
            return Job(
                id=row.id,
                user_id=row.user_id,
                generation_type=row.generation_type,
                source=row.source,
                language=row.language,
                options=options,
                script=row.script,
                refresh=frozenset(Stage(s) for s in run.refresh_stages),
                revision=run.revision,
                attempts=run.attempts,
                request_id=run.request_id,
                owner=owner,
                requested_at=run.requested_at,
                choice=choice,
                budget_usd=budget_usd(
                    options.budget_usd, project.budget_usd, self.runtime.settings
                ),
                spent_usd=generation_spend(session, row.id),
                hold_flagged=project.require_review,
                approved=row.approved_at is not None,
                safety=row.safety,
                served=row.served,
                brand=project.brand,
                pronunciations=dict(project.pronunciations or {}),
                narration_key=_narration_key(session, row.user_id, options.narration_media_id),
                **media,
            )

    def _record(self, job: Job, what: str, write: Callable[[], T]) -> T:
        """Run one of the job's writes, waiting out a database restart (db.py) for up to a
        lease: the work is done, and should not be redone for want of its record."""
        return retry_unreachable(write, self.settings.lease_seconds, f"content {job.id}: {what}")

    def _prepared(self, job: Job, prepared: Prepared) -> None:
        def write() -> None:
            with self.runtime.db.session() as session:
                moved = ContentRepository(session).mark_prepared(
                    job.id,
                    job.owner,
                    # with the disclaimer, if the safety check asked for one
                    script=prepared.script.model_dump(mode="json"),
                    title=prepared.script.title,
                    safety=prepared.safety,
                    served=Served.model_validate(prepared.served),
                )
                if moved:
                    send = self.runtime.jobs.send
                    after_commit(session, lambda: send(str(job.id), JobPhase.RENDER))

        self._record(job, "prepared", write)

    def _held(self, job: Job, held: Held) -> None:
        """Park a flagged script for its owner's decision: no narration is paid for until
        an approval. The lease goes; the credit stays; nothing is retried."""

        def write() -> bool:
            with self.runtime.db.session() as session:
                moved = ContentRepository(session).hold_for_review(
                    job.id,
                    job.owner,
                    # The approval must go on with this very script, not write another.
                    [s.value for s in job.refresh - {Stage.SCRIPT, Stage.SAFETY}],
                    script=held.script.model_dump(mode="json"),
                    title=held.script.title,
                    safety=held.report,
                    served=Served.model_validate(held.served),
                )
                if moved:
                    emit_content_by_id(session, self.runtime.jobs, job.id, EventType.CONTENT_REVIEW)
                return moved

        moved = self._record(job, "held", write)
        if moved:
            flags = ", ".join(sorted({flag.category for flag in held.report.flags}))
            fields = {"contentId": str(job.id), "verdict": held.report.verdict.value}
            log.info("content %s: flagged (%s); waiting for review", job.id, flags, extra=fields)

    def _finished(self, job: Job, result: GenerateResult) -> None:
        def write() -> bool:
            with self.runtime.db.session() as session:
                done = ContentRepository(session).finish(
                    job.id,
                    job.owner,
                    outputs=output_keys(str(job.id), len(result.script.timeline())),
                    duration_s=result.duration_s,
                    safety=result.safety,
                    served=Served.model_validate(result.served),
                )
                if done:
                    emit_content_by_id(session, self.runtime.jobs, job.id, EventType.CONTENT_READY)
                    # A schedule's content is published now, in this transaction (once).
                    publish_when_ready(session, self.runtime, job.id)
                return done

        done = self._record(job, "finished", write)
        if done:
            self.metrics.generations.labels("ready").inc()
            waited = (utcnow() - job.requested_at).total_seconds()
            self.metrics.generation_seconds.observe(waited)

    def _purge_if_deleted(self, job: Job) -> None:
        """A content deleted while this job ran: remove what the job wrote, now that it
        writes no more (publishing cannot stop half-way, so files may have landed after the
        delete's own purge). The lease goes first, so the purge can be recorded as final."""
        try:
            with self.runtime.db.session(write=False) as session:
                deleted = ContentRepository(session).deleted_at(job.id)
            if deleted is None:
                return
            self._let_go(job)
            purge_content(self.runtime, job.id)
        except Exception:  # the reconciler's sweep tries again once the lease is gone
            log.exception("content %s: removing the deleted content's files failed", job.id,
                          extra={"contentId": str(job.id)})  # fmt: skip

    def _let_go(self, job: Job) -> None:
        def write() -> None:
            with self.runtime.db.session() as session:
                ContentRepository(session).let_go(job.id, job.owner)

        self._record(job, "let go", write)

    def _fail(self, job: Job, reason: str, safety: SafetyReport | None = None) -> None:
        self._record(
            job,
            "failed",
            lambda: fail_content(self.runtime, job.id, reason, owner=job.owner, safety=safety),
        )

    def _retry_or_fail(
        self,
        job: Job,
        phase: JobPhase,
        progress: DatabaseProgress,
        error: Exception,
        retry_after: float | None = None,
    ) -> None:
        reason = failure_reason(error)
        progress.abort(RunStatus.FAILED, reason)
        if job.attempts >= self.settings.max_attempts:
            self._fail(job, f"gave up after {job.attempts} attempts: {reason}")
            return
        delay = self.settings.retry_base_seconds * 2 ** (job.attempts - 1)
        delay = max(delay, retry_after or 0.0)
        reason = f"attempt {job.attempts} failed, retrying: {reason}"

        def write() -> None:
            with self.runtime.db.session() as session:
                if ContentRepository(session).schedule_retry(job.id, job.owner, reason, delay):
                    send = self.runtime.jobs.send
                    after_commit(session, lambda: send(str(job.id), phase, delay))

        self._record(job, "retry", write)


def failure_reason(error: Exception) -> str:
    """What a failed attempt tells the content's owner: the error's kind and message. A
    full disk says so, without the path the OS error names (the owner sees this)."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        error = DiskFullError("writing a stage's files")
    return f"{type(error).__name__}: {error}"


def fail_content(
    runtime: Runtime,
    content_id: uuid.UUID,
    reason: str,
    owner: str | None,
    lease: datetime | None = None,
    safety: SafetyReport | None = None,
) -> bool:
    """End a content as failed with its reason, and refund its credit, in one transaction.

    Only while `owner` holds it, or (the reconciler) while its lease is still the expired
    `lease`: a worker that retook it meanwhile keeps it. True if the content failed.
    `safety`: the report of a blocked script, kept to show why.
    """
    with runtime.db.session() as session:
        failed = ContentRepository(session).fail(
            content_id, reason, owner=owner, lease=lease, safety=safety
        )
        if failed:
            refund(session, content_id)
            emit_content_by_id(session, runtime.jobs, content_id, EventType.CONTENT_FAILED)
    if failed:
        runtime.job_metrics.generations.labels("failed").inc()
    return failed


def _narration_key(session: Session, user_id: uuid.UUID, item_id: uuid.UUID | None) -> str | None:
    """The storage key of the recording a content's options name ("" if it was deleted)."""
    if item_id is None:
        return None
    item = MediaRepository(session).owned(user_id, item_id)
    return item.key if item is not None else ""
