"""Publishing what a schedule made, once it is ready.

A schedule with `auto_publish` marks each content it generates `pending`. When the
generation finishes — in the very transaction that makes the content ready — the pending
mark moves to `started` by a conditional UPDATE and the publication is started (the
content goes ready → publishing, the job is sent after commit). Any number of workers
may finish or re-finish a content: the mark moves once, so the content is published once;
if the transaction does not commit, neither the ready state nor the publish happened and
the run's retry does both. A lost publish job is re-sent by the reconciler
(`publishing.service.resend_lost`).

A flagged script in a project that requires review waits in `review`; nothing is
published until its owner approves it and the video is made. A content that cannot be
published (no channel connected, the channel disconnected) fails its publish with the
reason, on the content and on the schedule's run; it can be published again by hand.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from autoclip.service.contents.repository import ContentRepository
from autoclip.service.models import Content
from autoclip.service.problems import AppError
from autoclip.service.publishing.schemas import Privacy, PublishRequest
from autoclip.service.publishing.service import pick_channel, start_publication
from autoclip.service.runtime import Runtime
from autoclip.service.schedules.repository import (
    AUTO_FAILED,
    AUTO_SKIPPED,
    AUTO_STARTED,
    ScheduleRepository,
)
from autoclip.service.webhooks.events import EventType
from autoclip.service.webhooks.service import emit_content_by_id

log = logging.getLogger("autoclip.schedules")


def publish_when_ready(session: Session, runtime: Runtime, content_id: uuid.UUID) -> str | None:
    """Called in the transaction that made the content ready: start its publish if a
    schedule asked for one. Returns what happened (None: nothing to do)."""
    content = ContentRepository(session).reread(content_id)
    if content is None or content.schedule_run_id is None or content.auto_publish is None:
        return None
    repository = ScheduleRepository(session)
    schedule = repository.of_run(content.schedule_run_id)
    if schedule is None or schedule.deleted_at is not None or not schedule.auto_publish:
        # The owner turned it off (or deleted the schedule) since: it waits, as any content.
        return AUTO_SKIPPED if repository.claim_auto_publish(content_id, AUTO_SKIPPED) else None
    if not repository.claim_auto_publish(content_id, AUTO_STARTED):
        return None  # published (or tried) before: once only
    try:
        with session.begin_nested():
            channel = pick_channel(session, content.user_id, schedule.channel_id)
            start_publication(
                session, runtime, content, channel,
                PublishRequest(channel_id=channel.id, privacy=Privacy(schedule.privacy)),
            )  # fmt: skip
    except AppError as error:
        # Said of the schedule: its channel_id is what chooses the channel.
        where = " (the schedule's channel_id)" if error.field == "channel_id" else ""
        _cannot_publish(session, runtime, content, error.detail + where)
        return AUTO_FAILED
    log.info("content %s: published by its schedule %s", content_id, schedule.id)
    return AUTO_STARTED


def _cannot_publish(session: Session, runtime: Runtime, content: Content, why: str) -> None:
    reason = f"not published automatically: {why}"
    ScheduleRepository(session).auto_publish_failed(content, reason)
    emit_content_by_id(session, runtime.jobs, content.id, EventType.CONTENT_FAILED)
    log.warning("content %s: %s", content.id, reason)
