"""Leases: which worker holds a content's generation run, until when.

A worker claims the run with a conditional change (free or expired lease), then renews
it from a heartbeat thread. If the worker dies, the lease runs out and the reconciler hands
the content to another worker, which resumes from the stage cache. The heartbeat also
notices cancellation (or a lost lease) and tells the engine to stop.
"""

from __future__ import annotations

import threading
import uuid

from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import Database
from autoclip.service.models import JobPhase


def claim(db: Database, content_id: uuid.UUID, phase: JobPhase, owner: str, seconds: float) -> bool:
    with db.session() as session:
        return ContentRepository(session).claim(content_id, phase, owner, seconds)


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
        with self._db.session() as session:
            return ContentRepository(session).renew(self._content_id, self._owner, self._seconds)

    def should_cancel(self) -> bool:
        return self.stop_work.is_set()

    def check_now(self) -> None:
        """Look at the row once, outside the beat (before an expensive step)."""
        with self._db.session(write=False) as session:
            running = ContentRepository(session).still_processing(self._content_id)
        if not running:
            self.stop_work.set()

    def finish(self) -> None:
        self._done.set()
