"""Publishing a content's video to a connected YouTube channel.

`request_publish` moves a ready content to publishing and queues a `content_publish` job
after commit. The job (`PublicationJob`) takes the publication's lease, counts the day's
upload against the quota (a publish past it waits for the next Google day), uploads by
the resumable protocol (youtube.py) keeping the session URI and the confirmed offset as
it goes, and ends the publication: published (video id and URL), failed with the reason
(a disconnected channel, a refused video: no retry), or later (a cut upload, Google
unavailable: backoff, at most `AUTOCLIP_WORKER__MAX_ATTEMPTS` times).
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from autoclip.options import Vertical
from autoclip.service.auth.callers import Account
from autoclip.service.channels import google
from autoclip.service.channels.repository import ChannelRepository
from autoclip.service.channels.service import ChannelUnusable, access_token
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import after_commit, utcnow
from autoclip.service.jobs.queue import CONTENT_PUBLISH
from autoclip.service.models import (
    ChannelStatus,
    Content,
    Publication,
    PublicationStatus,
    YouTubeChannel,
)
from autoclip.service.problems import Conflict, Invalid, NotFound
from autoclip.service.publishing import youtube
from autoclip.service.publishing.repository import (
    PublicationRepository,
    QuotaRepository,
    next_quota_day,
    quota_day,
)
from autoclip.service.publishing.schemas import Privacy, PublishRequest
from autoclip.service.runtime import Runtime
from autoclip.service.schedules.repository import ScheduleRepository
from autoclip.service.webhooks.events import EventType
from autoclip.service.webhooks.service import emit_content_by_id
from autoclip.settings import Settings

log = logging.getLogger("autoclip.publishing")
WATCH_URL = "https://www.youtube.com/watch?v="
# YouTube's categories (videoCategories.list): Howto & Style, Education, Science &
# Technology, Education, People & Blogs.
CATEGORY = {
    Vertical.SENIOR_HEALTH: "26",
    Vertical.FINANCE: "27",
    Vertical.TECH: "28",
    Vertical.HISTORY: "27",
    Vertical.COMMERCE: "22",
}
DEFAULT_CATEGORY = "22"


def video_resource(
    content: Content, request: PublishRequest, vertical: str | None
) -> dict[str, Any]:
    """The video resource's snippet and status, from the script and the request."""
    script = content.script or {}
    tags = request.tags if request.tags is not None else [
        str(tag).lstrip("#") for tag in script.get("hashtags", []) if str(tag).strip("#")
    ]  # fmt: skip
    title = request.title or content.title or str(script.get("title") or "AutoClip")
    description = request.description
    if description is None:
        description = str(script.get("description", ""))
    category = request.category_id or _category(vertical)
    return resource(
        title=title,
        description=description,
        tags=tags,
        category_id=category,
        language=content.language,
        privacy=request.privacy,
        publish_at=request.publish_at,
        made_for_kids=request.made_for_kids,
    )


def resource(
    *,
    title: str,
    description: str,
    tags: list[str],
    category_id: str,
    language: str,
    privacy: Privacy,
    publish_at: datetime | None,
    made_for_kids: bool,
) -> dict[str, Any]:
    # YouTube refuses < and > in titles and descriptions, titles over 100 characters,
    # descriptions over 5000 bytes, and tags over 500 characters in all.
    title = title.replace("<", "‹").replace(">", "›")[:100]
    description = description.replace("<", "‹").replace(">", "›")
    while len(description.encode()) > 5000:
        description = description[:-100]
    kept: list[str] = []
    for tag in tags:
        if sum(len(t) + 1 for t in [*kept, tag]) <= 500:
            kept.append(tag)
    status: dict[str, Any] = {
        "privacyStatus": "private" if publish_at else privacy.value,
        "selfDeclaredMadeForKids": made_for_kids,
        # The video is made by AutoClip (script, voice, pictures): YouTube asks creators to
        # say so of realistic altered or synthetic media.
        "containsSyntheticMedia": True,
        "embeddable": True,
    }
    if publish_at is not None:
        status["publishAt"] = publish_at.astimezone().isoformat().replace("+00:00", "Z")
    return {
        "snippet": {
            "title": title,
            "description": description,
            "tags": kept,
            "categoryId": category_id,
            "defaultLanguage": language,
            "defaultAudioLanguage": language,
        },
        "status": status,
    }


def _category(vertical: str | None) -> str:
    try:
        return CATEGORY.get(Vertical(vertical or ""), DEFAULT_CATEGORY)
    except ValueError:
        return DEFAULT_CATEGORY


def pick_channel(
    session: Session, user_id: uuid.UUID, channel_id: uuid.UUID | None
) -> YouTubeChannel:
    repo = ChannelRepository(session)
    if channel_id is not None:
        channel = repo.owned(user_id, channel_id)
        if channel is None:
            raise NotFound("no such channel", field="channel_id")
    else:
        channels = repo.of_user(user_id)
        if not channels:
            raise Conflict("connect a YouTube channel first (POST /channels/youtube/connect)")
        if len(channels) > 1:
            raise Invalid("you have several channels: say which", field="channel_id")
        channel = channels[0]
    if channel.status is not ChannelStatus.CONNECTED:
        raise Conflict(f"the channel is disconnected: {channel.error}; connect it again")
    return channel


def request_publish(
    session: Session, runtime: Runtime, user: Account, content_id: uuid.UUID, data: PublishRequest
) -> Publication:
    content = ContentRepository(session).owned(user.id, content_id)
    if content is None:
        raise NotFound("no such content")
    if data.publish_at is not None and data.publish_at <= utcnow() + timedelta(minutes=1):
        raise Invalid("must be in the future", field="publish_at")
    channel = pick_channel(session, user.id, data.channel_id)
    return start_publication(session, runtime, content, channel, data)


def start_publication(
    session: Session,
    runtime: Runtime,
    content: Content,
    channel: YouTubeChannel,
    data: PublishRequest,
) -> Publication:
    """Move the content to publishing with its publication (if it is ready: a conditional
    move), and send the job once this transaction commits. The caller checked the owner
    of both."""
    if content.outputs is None:
        raise Conflict("only a finished content can be published")
    vertical = content.options.vertical.value if content.options.vertical else None
    publication = Publication(
        id=uuid.uuid4(),
        user_id=content.user_id,
        content_id=content.id,
        channel_id=channel.id,
        status=PublicationStatus.PUBLISHING,
        metadata_json=video_resource(content, data, vertical),
        publish_at=data.publish_at,
        bytes_confirmed=0,
        attempts=0,
    )
    if not PublicationRepository(session).start(content.id, publication):
        raise Conflict(
            f"only a ready content can be published (this one is {content.status.value})"
        )
    jobs = runtime.jobs
    after_commit(session, lambda: jobs.send_task(CONTENT_PUBLISH, str(publication.id)))
    return publication


def publications(session: Session, user: Account, content_id: uuid.UUID) -> list[Publication]:
    if ContentRepository(session).owned(user.id, content_id) is None:
        raise NotFound("no such content")
    return PublicationRepository(session).of_content(content_id)


# -- the job -------------------------------------------------------------------------------


@dataclass
class PublicationJob:
    runtime: Runtime
    worker_id: str
    sleep: Callable[[float], None] | None = None

    def run(self, publication_id: str) -> None:
        """The task's entry: the outcome is logged and counted, not returned."""
        self(publication_id)

    def __call__(self, publication_id: str) -> str | None:
        pid = uuid.UUID(publication_id)
        owner = f"{self.worker_id}/{uuid.uuid4().hex[:8]}"
        lease = publication_lease(self.runtime.settings)
        with self.runtime.db.session() as session:
            if not PublicationRepository(session).claim(pid, owner, lease):
                return None
        with self.runtime.db.session(write=False) as session:
            publication = PublicationRepository(session).get(pid)
            assert publication is not None
            content_id = publication.content_id
            content = ContentRepository(session).get(content_id) if content_id else None
            video_key = content.outputs.video if content and content.outputs else None
            channel_id, attempts = publication.channel_id, publication.attempts
            sealed_session, meta = publication.upload_url, dict(publication.metadata_json)
        if video_key is None or channel_id is None:
            return self._fail(pid, owner, "the video or the channel is gone")
        with tempfile.TemporaryDirectory(dir=self._scratch()) as folder:
            path = Path(folder) / "video.mp4"
            try:
                self.runtime.storage.download(video_key, path)
            except Exception as error:
                return self._later(pid, owner, attempts, f"reading the video failed: {error}")
            return self.upload(pid, owner, attempts, channel_id, path, meta, sealed_session)

    def upload(
        self,
        pid: uuid.UUID,
        owner: str,
        attempts: int,
        channel_id: uuid.UUID,
        path: Path,
        meta: dict[str, Any],
        sealed_session: str | None,
    ) -> str:
        runtime, settings = self.runtime, self.runtime.settings
        sealer = runtime.sealer
        if sealed_session is None:
            # A new upload is one videos.insert call: counted before it is made, against
            # both of the day's limits (uploads, and units), or neither.
            with runtime.db.session() as session:
                full = QuotaRepository(session).spend_upload(quota_day(), settings)
            if full is not None:
                return self._wait_for_quota(pid, owner, full)
        size = path.stat().st_size
        lease = publication_lease(settings)

        def token(force: bool) -> str:
            return access_token(runtime.db, settings, sealer, channel_id, force=force)

        def progress(session_url: str, confirmed: int) -> None:
            with runtime.db.session() as session:
                held = PublicationRepository(session).progress(
                    pid, owner, sealer.seal(session_url), confirmed, size, lease
                )
            if not held:
                raise LeaseLost

        upload = youtube.ResumableUpload(settings, token, progress, **self._sleep())
        try:
            done = upload.run(
                path, meta, session=sealer.open(sealed_session) if sealed_session else None
            )
        except LeaseLost:
            log.warning("publication %s: lease lost; another worker has it", pid)
            return "lost"
        except youtube.QuotaExceeded as error:
            limits = {
                "uploads": settings.youtube_daily_uploads,
                "units": settings.youtube_daily_units,
            }
            with runtime.db.session() as session:
                QuotaRepository(session).exhaust(quota_day(), error.bucket, limits[error.bucket])
            return self._wait_for_quota(pid, owner, str(error))
        except (ChannelUnusable, youtube.UploadError) as error:
            if isinstance(error, youtube.UploadInterrupted):
                return self._later(pid, owner, attempts, str(error))
            return self._fail(pid, owner, str(error))
        except google.GoogleUnavailable as error:
            return self._later(pid, owner, attempts, str(error))
        url = WATCH_URL + done.video_id
        with runtime.db.session() as session:
            if not PublicationRepository(session).published(pid, owner, done.video_id, url, size):
                return "lost"
            publication = PublicationRepository(session).get(pid)
            if publication is not None and publication.content_id is not None:
                emit_content_by_id(
                    session, runtime.jobs, publication.content_id, EventType.CONTENT_PUBLISHED,
                    video_id=done.video_id, video_url=url,
                )  # fmt: skip
        runtime.job_metrics.publishes.labels("published").inc()
        log.info("publication %s: published as %s (%d requests)", pid, done.video_id,
                 upload.requests)  # fmt: skip
        return "published"

    def _fail(self, pid: uuid.UUID, owner: str, reason: str) -> str:
        with self.runtime.db.session() as session:
            repo = PublicationRepository(session)
            if repo.failed(pid, owner, reason):
                publication = repo.get(pid)
                if publication is not None and publication.content_id is not None:
                    # A schedule's publish: its run says so too, in words.
                    ScheduleRepository(session).note_publish_failure(
                        publication.content_id, f"publishing failed: {reason}"
                    )
                    emit_content_by_id(
                        session, self.runtime.jobs, publication.content_id,
                        EventType.CONTENT_FAILED,
                    )  # fmt: skip
        self.runtime.job_metrics.publishes.labels("failed").inc()
        log.warning("publication %s failed: %s", pid, reason)
        return "failed"

    def _later(self, pid: uuid.UUID, owner: str, attempts: int, reason: str) -> str:
        settings = self.runtime.settings.worker
        if attempts >= settings.max_attempts:
            return self._fail(pid, owner, f"gave up after {attempts} attempts: {reason}")
        delay = settings.retry_base_seconds * 2 ** (attempts - 1)
        self._defer(pid, owner, utcnow() + timedelta(seconds=delay), reason)
        self.runtime.job_metrics.publishes.labels("retried").inc()
        return "retried"

    def _wait_for_quota(self, pid: uuid.UUID, owner: str, reason: str) -> str:
        when = next_quota_day()
        self._defer(pid, owner, when, f"{reason}; waiting until {when.isoformat()}")
        self.runtime.job_metrics.publishes.labels("waiting").inc()
        return "waiting"

    def _defer(self, pid: uuid.UUID, owner: str, when: datetime, reason: str) -> None:
        jobs = self.runtime.jobs
        delay = max((when - utcnow()).total_seconds(), 0.0)
        with self.runtime.db.session() as session:
            if PublicationRepository(session).later(pid, owner, when, reason):
                after_commit(session, lambda: jobs.send_task(CONTENT_PUBLISH, str(pid), delay))

    def _scratch(self) -> Path:
        scratch = self.runtime.settings.work_dir / "publish"
        scratch.mkdir(parents=True, exist_ok=True)
        return scratch

    def _sleep(self) -> dict[str, Any]:
        return {} if self.sleep is None else {"sleep": self.sleep}


def publication_lease(settings: Settings) -> float:
    """How long a publish job holds its publication between renewals (each confirmed
    chunk renews): the longest single call to Google, and a lease's margin. A worker that
    dies mid-upload is replaced after that long, and the upload resumes."""
    return settings.youtube_timeout_s + settings.worker.lease_seconds


class LeaseLost(Exception):
    """Another worker took the publication (this one's lease ran out)."""


def resend_lost(runtime: Runtime, stale_after: timedelta) -> int:
    """Re-send publications a dead worker or a lost message left behind."""
    jobs = runtime.jobs
    with runtime.db.session() as session:
        repo = PublicationRepository(session)
        lost = repo.lost(stale_after)
        for pid in lost:
            repo.mark_resent(pid)
            after_commit(session, _sender(jobs, pid))
    return len(lost)


def _sender(jobs: Any, pid: uuid.UUID) -> Callable[[], None]:
    return lambda: jobs.send_task(CONTENT_PUBLISH, str(pid))


def publish_file(
    runtime: Runtime,
    user_id: uuid.UUID,
    channel: YouTubeChannel,
    path: Path,
    meta: dict[str, Any],
) -> Publication:
    """The CLI's publish of a local video: a publication with no content, uploaded here
    and now by the same job code (quota, resume, refresh)."""
    publication = Publication(
        id=uuid.uuid4(),
        user_id=user_id,
        content_id=None,
        channel_id=channel.id,
        status=PublicationStatus.PUBLISHING,
        metadata_json=meta,
        bytes_confirmed=0,
        attempts=0,
        enqueued_at=utcnow(),
    )
    with runtime.db.session() as session:
        PublicationRepository(session).add(publication)
    owner = f"cli/{uuid.uuid4().hex[:8]}"
    with runtime.db.session() as session:
        PublicationRepository(session).claim(
            publication.id, owner, runtime.settings.worker.lease_seconds
        )
    job = PublicationJob(runtime, "cli")
    outcome = job.upload(publication.id, owner, 1, channel.id, path, meta, None)
    with runtime.db.session(write=False) as session:
        stored = PublicationRepository(session).get(publication.id)
        assert stored is not None
        session.expunge(stored)
    if outcome not in ("published",):
        log.info("publication %s: %s", publication.id, outcome)
    return stored
