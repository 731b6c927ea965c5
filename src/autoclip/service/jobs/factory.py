"""The factory's pass, in every worker process (and the embedded server's): due sources
are claimed and their fetch jobs sent, due schedules are run.

Any number of processes run it at once. A source's fetch is claimed by moving its due
time on with a conditional UPDATE, a schedule's tick likewise (schedules/service.py), so
each due time is taken by exactly one of them, on SQLite as on PostgreSQL, with no lock
held across work. The time is the runtime's clock (kit/clock.py).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

from autoclip.service.db import after_commit
from autoclip.service.jobs.queue import SOURCE_FETCH
from autoclip.service.jobs.reconciler import UNREACHABLE
from autoclip.service.runtime import Runtime
from autoclip.service.schedules.service import run_due
from autoclip.service.sources.fetching import fetch_source
from autoclip.service.sources.repository import SourceRepository

log = logging.getLogger("autoclip.factory")
BATCH = 50  # due sources (and schedules) taken per pass


def send_due_fetches(runtime: Runtime) -> list[str]:
    """Claim each due source's fetch and send its job; returns the ids sent. A fetch
    whose message is lost waits for the source's next interval."""
    now = runtime.clock.now()
    with runtime.db.session(write=False) as session:
        due = SourceRepository(session).due(now, BATCH)
    sent: list[str] = []
    for source_id, seen in due:
        with runtime.db.session() as session:
            sources = SourceRepository(session)
            source = sources.get(source_id)
            if source is None:
                continue
            following = now + timedelta(minutes=source.interval_minutes)
            if not sources.claim_fetch(source_id, seen, following):
                continue
            after_commit(session, _sender(runtime, str(source_id)))
        sent.append(str(source_id))
    return sent


def _sender(runtime: Runtime, source_id: str) -> Callable[[], None]:
    return lambda: runtime.jobs.send_task(SOURCE_FETCH, source_id)


def factory_pass(runtime: Runtime) -> None:
    send_due_fetches(runtime)
    metrics = runtime.factory_metrics
    for tick in run_due(runtime, BATCH):
        metrics.lag.observe(max(0.0, (tick.ran_at - tick.due_at).total_seconds()))
        metrics.runs.labels(tick.outcome.value).inc()
        if tick.made:
            metrics.made.labels(str(tick.schedule_id)).inc(tick.made)


def fetch_and_count(runtime: Runtime, source_id: str) -> None:
    """The SOURCE_FETCH task's handler."""
    with runtime.db.session(write=False) as session:
        source = SourceRepository(session).get(uuid.UUID(source_id))
        kind = source.kind.value if source is not None else "unknown"
    outcome = fetch_source(runtime, source_id)
    if outcome != "skipped":
        runtime.factory_metrics.fetches.labels(kind, outcome).inc()


class Factory(threading.Thread):
    """Runs `factory_pass` every `every` seconds until stopped."""

    def __init__(self, runtime: Runtime, every: float) -> None:
        super().__init__(name="factory", daemon=True)
        self._runtime = runtime
        self._every = every
        self._stopping = threading.Event()

    def run(self) -> None:
        while True:
            try:
                factory_pass(self._runtime)
            except UNREACHABLE as error:
                log.warning("factory pass: %s unreachable; trying again", type(error).__name__)
            except Exception:
                log.exception("factory pass failed; trying again")
            if self._stopping.wait(self._every):
                return

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout=30)
