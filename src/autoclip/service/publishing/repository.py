"""Every query and change of publications, a content's publishing moves, and the YouTube
quota count.

A content goes ready → publishing → published, or failed (error_stage `publish`, its video
kept, publishable again). A publication is worked by one worker at a time: a lease, taken
by a conditional move like a generation run's.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoclip.service.db import changed_rows, utcnow
from autoclip.service.models import (
    Content,
    ContentStatus,
    Publication,
    PublicationStatus,
    QuotaUse,
)
from autoclip.settings import Settings

PUBLISH_STAGE = "publish"
ERROR_LIMIT = 4000
# Google's quota day: it resets at midnight Pacific Time.
GOOGLE_DAY = ZoneInfo("America/Los_Angeles")


def quota_day(now: datetime | None = None) -> str:
    return (now or utcnow()).astimezone(GOOGLE_DAY).date().isoformat()


def next_quota_day(now: datetime | None = None) -> datetime:
    """When the next Google day starts (midnight Pacific), in UTC."""
    today = (now or utcnow()).astimezone(GOOGLE_DAY).date()
    midnight = datetime.combine(today + timedelta(days=1), time(0), GOOGLE_DAY)
    return midnight.astimezone(ZoneInfo("UTC"))


class PublicationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, publication_id: uuid.UUID) -> Publication | None:
        return self.session.get(Publication, publication_id)

    def add(self, publication: Publication) -> None:
        """Store a publication of no content (the CLI's publish of a local file); a
        content's goes in with its move, `start`."""
        self.session.add(publication)

    def of_content(self, content_id: uuid.UUID) -> list[Publication]:
        return list(
            self.session.scalars(
                select(Publication)
                .where(Publication.content_id == content_id)
                .order_by(Publication.created_at.desc(), Publication.id.desc())
            )
        )

    def latest(self, content_id: uuid.UUID) -> Publication | None:
        found = self.of_content(content_id)
        return found[0] if found else None

    # -- a content's moves ----------------------------------------------------------------

    def start(self, content_id: uuid.UUID, publication: Publication) -> bool:
        """A ready content (or one whose last publish failed) goes to publishing, with its
        publication; only one publish at a time."""
        now = utcnow()
        publishable = or_(
            Content.status == ContentStatus.READY,
            (Content.status == ContentStatus.FAILED) & (Content.error_stage == PUBLISH_STAGE),
        )
        moved = changed_rows(
            self.session,
            update(Content)
            .where(Content.id == content_id, Content.deleted_at.is_(None), publishable)
            .values(status=ContentStatus.PUBLISHING, error=None, error_stage=None, updated_at=now),
        )
        if moved != 1:
            return False
        publication.enqueued_at = now
        self.session.add(publication)
        self.session.flush()
        return True

    def claim(self, publication_id: uuid.UUID, owner: str, seconds: float) -> bool:
        now = utcnow()
        return (
            changed_rows(
                self.session,
                update(Publication)
                .where(
                    Publication.id == publication_id,
                    Publication.status == PublicationStatus.PUBLISHING,
                    or_(Publication.lease_expires_at.is_(None), Publication.lease_expires_at < now),
                    or_(Publication.not_before.is_(None), Publication.not_before <= now),
                )
                .values(
                    lease_owner=owner,
                    lease_expires_at=now + timedelta(seconds=seconds),
                    attempts=Publication.attempts + 1,
                    not_before=None,
                    updated_at=now,
                ),
            )
            == 1
        )

    def progress(
        self, publication_id: uuid.UUID, owner: str, upload_url: str, confirmed: int,
        total: int, seconds: float,
    ) -> bool:  # fmt: skip
        """Keep the session URI and what the server confirmed; renew the lease. False: the
        lease is no longer ours."""
        return (
            changed_rows(
                self.session,
                update(Publication)
                .where(Publication.id == publication_id, Publication.lease_owner == owner)
                .values(
                    upload_url=upload_url,
                    bytes_confirmed=confirmed,
                    bytes_total=total,
                    lease_expires_at=utcnow() + timedelta(seconds=seconds),
                    updated_at=utcnow(),
                ),
            )
            == 1
        )

    def published(
        self, publication_id: uuid.UUID, owner: str, video_id: str, url: str, total: int
    ) -> bool:
        now = utcnow()
        done = changed_rows(
            self.session,
            update(Publication)
            .where(Publication.id == publication_id, Publication.lease_owner == owner)
            .values(
                status=PublicationStatus.PUBLISHED,
                video_id=video_id,
                url=url,
                bytes_confirmed=total,
                upload_url=None,
                lease_owner=None,
                lease_expires_at=None,
                error=None,
                published_at=now,
                updated_at=now,
            ),
        )
        if done != 1:
            return False
        self._content_to(publication_id, ContentStatus.PUBLISHED, None)
        return True

    def failed(self, publication_id: uuid.UUID, owner: str | None, reason: str) -> bool:
        now = utcnow()
        where: list[Any] = [
            Publication.id == publication_id,
            Publication.status == PublicationStatus.PUBLISHING,
        ]
        if owner is not None:
            where.append(Publication.lease_owner == owner)
        done = changed_rows(
            self.session,
            update(Publication)
            .where(*where)
            .values(
                status=PublicationStatus.FAILED,
                error=reason[-ERROR_LIMIT:],
                lease_owner=None,
                lease_expires_at=None,
                updated_at=now,
            ),
        )
        if done != 1:
            return False
        self._content_to(publication_id, ContentStatus.FAILED, reason)
        return True

    def later(self, publication_id: uuid.UUID, owner: str, when: datetime, reason: str) -> bool:
        """Let go until `when` (a retry's backoff, or the next quota day), saying why."""
        return (
            changed_rows(
                self.session,
                update(Publication)
                .where(Publication.id == publication_id, Publication.lease_owner == owner)
                .values(
                    lease_owner=None,
                    lease_expires_at=None,
                    not_before=when,
                    enqueued_at=utcnow(),
                    error=reason[-ERROR_LIMIT:],
                    updated_at=utcnow(),
                ),
            )
            == 1
        )

    def _content_to(
        self, publication_id: uuid.UUID, status: ContentStatus, error: str | None
    ) -> None:
        content_id = self.session.execute(
            select(Publication.content_id).where(Publication.id == publication_id)
        ).scalar_one()
        if content_id is None:  # a local file published from the CLI
            return
        now = utcnow()
        self.session.execute(
            update(Content)
            .where(Content.id == content_id, Content.status == ContentStatus.PUBLISHING)
            .values(
                status=status,
                error=error[-ERROR_LIMIT:] if error else None,
                error_stage=PUBLISH_STAGE if error else None,
                updated_at=now,
            )
        )

    def lost(self, stale_after: timedelta) -> list[uuid.UUID]:
        """Publications whose worker died (lease expired) or whose message never came
        (unleased, due, sent over `stale_after` ago)."""
        now = utcnow()
        return list(
            self.session.scalars(
                select(Publication.id).where(
                    Publication.status == PublicationStatus.PUBLISHING,
                    or_(
                        Publication.lease_expires_at < now,
                        Publication.lease_expires_at.is_(None)
                        & or_(Publication.not_before.is_(None), Publication.not_before <= now)
                        & or_(
                            Publication.enqueued_at.is_(None),
                            Publication.enqueued_at < now - stale_after,
                        ),
                    ),
                )
            )
        )

    def mark_resent(self, publication_id: uuid.UUID) -> None:
        self.session.execute(
            update(Publication).where(Publication.id == publication_id).values(enqueued_at=utcnow())
        )


class QuotaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def spend(self, day: str, bucket: str, amount: int, limit: int) -> bool:
        """Count `amount` against the day's `bucket` if it stays within `limit`."""
        row = QuotaUse(day=day, bucket=bucket, used=0)
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            pass  # the day's row exists already
        return (
            changed_rows(
                self.session,
                update(QuotaUse)
                .where(
                    QuotaUse.day == day,
                    QuotaUse.bucket == bucket,
                    QuotaUse.used + amount <= limit,
                )
                .values(used=QuotaUse.used + amount),
            )
            == 1
        )

    def spend_upload(self, day: str, settings: Settings) -> str | None:
        """Count one upload against the day's uploads and its units (an upload's cost,
        `YOUTUBE_UPLOAD_UNITS`), both or neither. None if there was room; else why not,
        in words."""
        with self.session.begin_nested() as savepoint:
            if not self.spend(day, "uploads", 1, settings.youtube_daily_uploads):
                savepoint.rollback()
                return (
                    f"the day's YouTube upload quota is used up "
                    f"({settings.youtube_daily_uploads} uploads)"
                )
            cost, units = settings.youtube_upload_units, settings.youtube_daily_units
            if not self.spend(day, "units", cost, units):
                savepoint.rollback()  # the upload is not counted either
                return (
                    f"the day's YouTube API units are used up (an upload costs {cost} "
                    f"of the {units} a day)"
                )
        return None

    def exhaust(self, day: str, bucket: str, limit: int) -> None:
        """YouTube said the quota is used up (another app on the same Google project, a
        lower limit than configured): count the day as full."""
        self.spend(day, bucket, 0, limit)
        self.session.execute(
            update(QuotaUse)
            .where(QuotaUse.day == day, QuotaUse.bucket == bucket, QuotaUse.used < limit)
            .values(used=limit)
        )

    def used(self, day: str) -> dict[str, int]:
        rows = self.session.execute(
            select(QuotaUse.bucket, QuotaUse.used).where(QuotaUse.day == day)
        ).all()
        return {bucket: used for bucket, used in rows}
