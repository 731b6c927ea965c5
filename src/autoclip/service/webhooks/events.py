"""The event types a webhook endpoint subscribes to."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    CONTENT_QUEUED = "content.queued"
    CONTENT_PROCESSING = "content.processing"
    CONTENT_REVIEW = "content.review"  # a flagged script waits for its owner's decision
    CONTENT_READY = "content.ready"
    CONTENT_FAILED = "content.failed"  # generation or publishing failed for good
    CONTENT_PUBLISHED = "content.published"
    # A schedule made its contents (issue 13's schedules emit it once they exist):
    # data {"schedule_id", "content_ids", "ran_at"}.
    SCHEDULE_RUN = "schedule.run"
