"""Every query of batches, and the insert of one."""

from __future__ import annotations

import uuid
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoclip.service.models import Batch, Content, ContentStatus


class ContentState(NamedTuple):
    status: ContentStatus
    error: str | None
    error_stage: str | None


class BatchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, batch: Batch) -> None:
        self.session.add(batch)
        self.session.flush()

    def owned(self, user_id: uuid.UUID, batch_id: uuid.UUID) -> Batch | None:
        batch = self.session.get(Batch, batch_id)
        return batch if batch is not None and batch.user_id == user_id else None

    def recent(self, user_id: uuid.UUID, limit: int) -> list[Batch]:
        """The user's latest batches, newest first."""
        query = (
            select(Batch)
            .where(Batch.user_id == user_id)
            .order_by(Batch.created_at.desc(), Batch.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def contents(self, batch_id: uuid.UUID) -> dict[uuid.UUID, ContentState]:
        """The state of each of the batch's live contents, by id."""
        rows = self.session.execute(
            select(Content.id, Content.status, Content.error, Content.error_stage).where(
                Content.batch_id == batch_id, Content.deleted_at.is_(None)
            )
        ).all()
        return {r[0]: ContentState(r[1], r[2], r[3]) for r in rows}
