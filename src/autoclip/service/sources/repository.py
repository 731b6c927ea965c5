"""Every query and conditional change of sources and their items."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoclip.service.db import changed_rows
from autoclip.service.models import Content, ContentStatus, Project, Source, SourceItem


class SourceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- what an owner reads and changes --------------------------------------------------

    def add(self, source: Source) -> None:
        self.session.add(source)
        self.session.flush()

    def owned(self, user_id: uuid.UUID, source_id: uuid.UUID) -> Source | None:
        source = self.session.get(Source, source_id)
        if source is None or source.user_id != user_id or source.deleted_at is not None:
            return None
        return source

    def fetch_now_unless_paused(self, source: Source, now: datetime) -> None:
        """Bring the next fetch forward to now (new topics become items at the factory's
        next pass); a paused source stays paused."""
        if source.next_fetch_at is not None:
            source.next_fetch_at = now

    def pause(self, source: Source, now: datetime, reason: str) -> None:
        """No fetch is due until it is resumed; `reason` says why."""
        source.next_fetch_at = None
        source.paused_reason = reason
        source.updated_at = now

    def remove(self, source: Source, now: datetime) -> None:
        """Delete (softly): gone from lists and fetches; the contents it made stay."""
        source.deleted_at = now
        source.next_fetch_at = None

    def of_project(self, project_id: uuid.UUID) -> list[Source]:
        return list(
            self.session.scalars(
                select(Source)
                .where(Source.project_id == project_id, Source.deleted_at.is_(None))
                .order_by(Source.position, Source.created_at, Source.id)
            )
        )

    def next_position(self, project_id: uuid.UUID) -> int:
        highest = self.session.execute(
            select(func.max(Source.position)).where(Source.project_id == project_id)
        ).scalar_one_or_none()
        return 0 if highest is None else highest + 1

    def items(self, source_id: uuid.UUID, limit: int) -> list[SourceItem]:
        """The source's newest items first."""
        return list(
            self.session.scalars(
                select(SourceItem)
                .where(SourceItem.source_id == source_id)
                .order_by(SourceItem.id.desc())
                .limit(limit)
            )
        )

    # -- the factory's moves ------------------------------------------------------------

    def get(self, source_id: uuid.UUID) -> Source | None:
        """The source by its id alone, deleted too: the factory's, never an owner's."""
        return self.session.get(Source, source_id)

    def due(self, now: datetime, limit: int) -> list[tuple[uuid.UUID, datetime]]:
        """Live, unpaused sources of live projects whose fetch is due: (id, due time)."""
        rows = self.session.execute(
            select(Source.id, Source.next_fetch_at)
            .join(Project, Project.id == Source.project_id)
            .where(
                Source.next_fetch_at <= now,
                Source.deleted_at.is_(None),
                Project.deleted_at.is_(None),
            )
            .order_by(Source.next_fetch_at)
            .limit(limit)
        ).all()
        return [(row[0], row[1]) for row in rows if row[1] is not None]

    def claim_fetch(self, source_id: uuid.UUID, seen: datetime, following: datetime) -> bool:
        """Move the due fetch on to `following`, if it is still due at `seen`: of two
        processes that saw it due, one lands and sends the fetch job."""
        return (
            changed_rows(
                self.session,
                update(Source)
                .where(
                    Source.id == source_id,
                    Source.next_fetch_at == seen,
                    Source.deleted_at.is_(None),
                )
                .values(next_fetch_at=following),
            )
            == 1
        )

    def known_keys(self, source_id: uuid.UUID, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        return set(
            self.session.scalars(
                select(SourceItem.key).where(
                    SourceItem.source_id == source_id, SourceItem.key.in_(keys)
                )
            )
        )

    def add_item(self, item: SourceItem) -> bool:
        """Store a new item; False if the source has it already (a racing fetch won)."""
        try:
            with self.session.begin_nested():
                self.session.add(item)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def mark_used(self, item: SourceItem, now: datetime) -> None:
        """The item's turn is over (its draft generated, failed, or nothing to make of it):
        schedules draw it no more."""
        item.used_at = now

    def waiting(self, project_id: uuid.UUID, limit: int) -> list[SourceItem]:
        """The project's items whose draft waits to be generated, in the order schedules
        draw: by their source's position, then oldest first."""
        return list(
            self.session.scalars(
                select(SourceItem)
                .join(Source, Source.id == SourceItem.source_id)
                .join(Content, Content.id == SourceItem.content_id)
                .where(
                    SourceItem.project_id == project_id,
                    SourceItem.used_at.is_(None),
                    Source.deleted_at.is_(None),
                    Content.status == ContentStatus.DRAFT,
                    Content.deleted_at.is_(None),
                )
                .order_by(Source.position, SourceItem.id)
                .limit(limit)
            )
        )

    def count_waiting(self, project_id: uuid.UUID) -> int:
        return self.session.execute(
            select(func.count())
            .select_from(SourceItem)
            .join(Content, Content.id == SourceItem.content_id)
            .where(
                SourceItem.project_id == project_id,
                SourceItem.used_at.is_(None),
                Content.status == ContentStatus.DRAFT,
                Content.deleted_at.is_(None),
            )
        ).scalar_one()

    def fetched(
        self,
        source: Source,
        now: datetime,
        *,
        outcome: str,
        new_items: int,
        etag: str | None,
        last_modified: str | None,
        page_hash: str | None,
    ) -> None:
        source.last_fetched_at = now
        source.last_outcome = outcome
        source.last_error = None
        source.failures = 0
        source.items_seen += new_items
        source.etag = etag
        source.last_modified = last_modified
        if page_hash is not None:
            source.page_hash = page_hash
        source.updated_at = now

    def failed(self, source: Source, now: datetime, error: str, pause_after: int) -> bool:
        """Count a failed fetch; pause the source once `pause_after` failed in a row.
        Returns whether it is paused now."""
        source.last_fetched_at = now
        source.last_outcome = "failed"
        source.last_error = error
        source.failures += 1
        source.updated_at = now
        if source.failures >= pause_after:
            source.next_fetch_at = None
            source.paused_reason = (
                f"paused after {source.failures} failed fetches in a row; the last: {error}"
            )
            return True
        return False

    def resume(self, source: Source, now: datetime) -> None:
        source.paused_reason = None
        source.failures = 0
        source.next_fetch_at = now
        source.updated_at = now
