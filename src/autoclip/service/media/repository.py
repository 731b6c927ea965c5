"""Every query of the media library's table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from autoclip.service.models import MediaItem, MediaKind, User


class MediaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def owned(self, user_id: uuid.UUID, item_id: uuid.UUID) -> MediaItem | None:
        item = self.session.get(MediaItem, item_id)
        return item if item is not None and item.user_id == user_id else None

    def owned_many(
        self, user_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, MediaItem]:
        """The user's own items among `ids`, by id (another user's are simply absent)."""
        if not ids:
            return {}
        rows = self.session.scalars(
            select(MediaItem).where(MediaItem.user_id == user_id, MediaItem.id.in_(list(ids)))
        ).all()
        return {row.id: row for row in rows}

    def of_kinds(self, user_id: uuid.UUID, kinds: Sequence[MediaKind]) -> Sequence[MediaItem]:
        """The user's items of `kinds`, in the order they were uploaded."""
        return self.session.scalars(
            select(MediaItem)
            .where(MediaItem.user_id == user_id, MediaItem.kind.in_(list(kinds)))
            .order_by(MediaItem.created_at, MediaItem.id)
        ).all()

    def page(
        self, user_id: uuid.UUID, page: int, per_page: int, kind: MediaKind | None
    ) -> tuple[Sequence[MediaItem], int]:
        mine = [MediaItem.user_id == user_id]
        if kind is not None:
            mine.append(MediaItem.kind == kind)
        total = self.session.execute(select(func.count()).where(*mine)).scalar_one()
        rows = self.session.scalars(
            select(MediaItem)
            .where(*mine)
            .order_by(MediaItem.created_at.desc(), MediaItem.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return rows, int(total)

    def usage(self, user_id: uuid.UUID) -> tuple[int, int]:
        """(files, bytes) the user's library holds."""
        count, size = self.session.execute(
            select(func.count(), func.coalesce(func.sum(MediaItem.size), 0)).where(
                MediaItem.user_id == user_id
            )
        ).one()
        return int(count), int(size)

    def lock_owner(self, user_id: uuid.UUID) -> None:
        """Hold the owner's row until the transaction ends (PostgreSQL: FOR UPDATE; SQLite
        writes are one at a time already, BEGIN IMMEDIATE), so library checks and the
        inserts that follow them do not interleave."""
        self.session.execute(select(User.id).where(User.id == user_id).with_for_update())

    def add(self, item: MediaItem) -> None:
        self.session.add(item)
        self.session.flush()

    def remove(self, item: MediaItem) -> bool:
        """Delete the row; False if another request deleted it first."""
        done = self.session.execute(delete(MediaItem).where(MediaItem.id == item.id))
        return bool(getattr(done, "rowcount", 0))

    def key_is_live(self, key: str) -> bool:
        return (
            self.session.execute(select(MediaItem.id).where(MediaItem.key == key)).first()
            is not None
        )
