"""Leases: which worker holds a content, until when.

A worker claims a content with one conditional UPDATE (free or expired lease), then renews
it from a heartbeat thread. If the worker dies, the lease runs out and the reconciler hands
the content to another worker, which resumes from the stage cache. The heartbeat also
notices cancellation (or a lost lease) and tells the engine to stop.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update

from autoclip.service.db import Database, changed_rows, utcnow
from autoclip.service.models import Content, ContentStatus, JobPhase


def claim(db: Database, content_id: uuid.UUID, phase: JobPhase, owner: str, seconds: float) -> bool:
    now = utcnow()
    with db.session() as session:
        claimed = changed_rows(
            session,
            update(Content)
            .where(
                Content.id == content_id,
                Content.phase == phase,
                Content.status.in_([ContentStatus.QUEUED, ContentStatus.PROCESSING]),
                Content.deleted_at.is_(None),
                or_(Content.lease_expires_at.is_(None), Content.lease_expires_at < now),
                or_(Content.not_before.is_(None), Content.not_before <= now),
            )
            .values(
                status=ContentStatus.PROCESSING,
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=seconds),
                attempts=Content.attempts + 1,
                not_before=None,
                updated_at=now,
            ),
        )
        return claimed == 1


class Heartbeat(threading.Thread):
    """Renews the lease every third of its length; sets `stop_work` when the job must end."""

    def __init__(self, db: Database, content_id: uuid.UUID, owner: str, seconds: float) -> None:
        super().__init__(name=f"lease-{content_id}", daemon=True)
        self._db = db
        self._content_id = content_id
        self._owner = owner
        self._seconds = seconds
        self._done = threading.Event()
        self.stop_work = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self._seconds / 3):
            try:
                if not self._renew():
                    self.stop_work.set()
                    return
            except Exception:  # nosec B112 # a database blip: retried next beat (lease slack)
                continue

    def _renew(self) -> bool:
        now = utcnow()
        with self._db.session() as session:
            renewed = changed_rows(
                session,
                update(Content)
                .where(
                    Content.id == self._content_id,
                    Content.lease_owner == self._owner,
                    Content.status == ContentStatus.PROCESSING,
                    Content.deleted_at.is_(None),
                )
                .values(lease_expires_at=now + timedelta(seconds=self._seconds)),
            )
            return renewed == 1

    def should_cancel(self) -> bool:
        return self.stop_work.is_set()

    def check_now(self) -> None:
        """Look at the row once, outside the beat (before an expensive step)."""
        with self._db.session(write=False) as session:
            status, deleted = session.execute(
                select(Content.status, Content.deleted_at).where(Content.id == self._content_id)
            ).one()
        if status != ContentStatus.PROCESSING or deleted is not None:
            self.stop_work.set()

    def finish(self) -> None:
        self._done.set()
