"""Puts lost work back on the queue. The database says what should be running; this makes
the queue agree.

- A content `processing` whose lease ran out lost its worker (kill -9, OOM, a lost
  machine): its open stage run is marked abandoned and the content goes back on its
  phase's queue — or fails, refunded, once it has used up its attempts.
- A content `queued` for longer than `stale_after` whose message never arrived (a crash
  between commit and send, or the in-memory queue of a restarted embedded server) is sent
  again.
- When the broker lost its messages (a Redis restarted empty, flushed, or failed over
  without persistence: its mark is gone, see `JobQueue.kept_messages`), or the broker or
  the database could not be reached (sends may have failed; a message whose claim could
  not reach the database was dropped), every content waiting for a message is marked
  unsent (`enqueued_at` NULL) on the first pass that gets through, and re-sent at once
  rather than after `stale_after`: work resumes within a pass of the outage's end.

Several reconcilers may run at once (one per worker process): each re-send is claimed with
a conditional UPDATE on the state the pass saw (the expired lease, or the last send), so a
content is re-sent once per expiry or loss. A message sent twice costs nothing more: the
lease claim lets one job run, and the other finds it taken.

The same thread keeps exports moving (lost messages re-sent, lost builds failed), removes
the stored objects of deleted contents whose purge failed or was lost (every minute), and
cleans the scratch space and expired exports (every hour).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError

from autoclip.service.auth.verification import remove_unverified
from autoclip.service.contents.repository import ContentRepository, LostWork
from autoclip.service.db import after_commit
from autoclip.service.exports.service import reconcile_exports, remove_expired_exports
from autoclip.service.jobs.purge import purge_deleted
from autoclip.service.jobs.runner import fail_content
from autoclip.service.ops.service import cleanup_temp
from autoclip.service.publishing.service import resend_lost as resend_publications
from autoclip.service.runtime import Runtime
from autoclip.service.webhooks.service import resend_lost as resend_deliveries

log = logging.getLogger("autoclip.reconciler")


def reconcile(runtime: Runtime, stale_after: timedelta) -> int:
    """Re-send what was lost; return how many contents were re-sent or failed."""
    with runtime.db.session(write=False) as session:
        lost = ContentRepository(session).lost_work(stale_after)
    handled = 0
    for work in lost:
        expired = work.lease_expires_at
        if expired is not None and work.attempts >= runtime.settings.worker.max_attempts:
            reason = f"its worker was lost {work.attempts} times"
            if fail_content(runtime, work.content_id, reason, owner=None, lease=expired):
                with runtime.db.session() as session:
                    ContentRepository(session).abandon_stage_runs(work.content_id)
                handled += 1
        elif _resend(runtime, work):
            handled += 1
    return handled


def _resend(runtime: Runtime, work: LostWork) -> bool:
    content_id, phase = work.content_id, work.phase
    with runtime.db.session() as session:
        repository = ContentRepository(session)
        if not repository.take_for_resend(content_id, work.lease_expires_at, work.enqueued_at):
            return False
        after_commit(session, lambda: runtime.jobs.send(str(content_id), phase))
    log.warning("content %s: re-sent to the %s queue", content_id, phase.value)
    return True


def forget_sends(runtime: Runtime) -> int:
    """Mark every content waiting for a message as never sent, so the next pass of any
    reconciler re-sends it once it is due: its message may be gone with the broker's data,
    or its send may have failed while the broker was unreachable. Returns how many."""
    with runtime.db.session() as session:
        return ContentRepository(session).forget_sends()


# What a dependency that is down raises: the broker's, or the database's connections.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OperationalError)


def _which(error: Exception) -> str:
    return "the database" if isinstance(error, OperationalError) else "the job broker"


CLEANUP_EVERY = 3600.0  # seconds between scratch (and expired export) cleanups
PURGE_EVERY = 60.0  # seconds between sweeps for deleted contents' leftover objects
SCRATCH_LIFETIME = timedelta(hours=24)


class Reconciler(threading.Thread):
    """Runs `reconcile` (and the exports' counterpart) every few seconds in a worker (or
    embedded server) process, the purge sweep of deleted contents every minute, and the
    scratch cleanup of its local work folder and of expired exports every hour."""

    def __init__(self, runtime: Runtime, every: float, stale_after: timedelta) -> None:
        super().__init__(name="reconciler", daemon=True)
        self._runtime = runtime
        self._every = every
        self._stale_after = stale_after
        self._stop = threading.Event()
        self._last_cleanup = 0.0
        self._last_purge = 0.0
        # A pass could not reach the broker or the database since the last re-send: sends
        # may have failed, and messages taken meanwhile were dropped (a claim that cannot
        # reach the database drops its message), so everything waiting is sent again.
        self._unreachable = False

    def run(self) -> None:
        while True:
            try:
                self._check_broker()
                reconcile(self._runtime, self._stale_after)
                reconcile_exports(self._runtime, self._stale_after)
                resend_publications(self._runtime, self._stale_after)
                runtime = self._runtime
                resend_deliveries(runtime.db.session, runtime.jobs, self._stale_after)
            except UNREACHABLE as error:
                self._unreachable = True
                log.warning("reconcile pass: %s unreachable (%s); trying again",
                            _which(error), type(error).__name__)  # fmt: skip
            except Exception:
                log.exception("reconcile pass failed; trying again")
            if time.monotonic() - self._last_purge > PURGE_EVERY:
                self._purge()
            if time.monotonic() - self._last_cleanup > CLEANUP_EVERY:
                self._cleanup()
            if self._stop.wait(self._every):
                return

    def _check_broker(self) -> None:
        """Mark waiting contents unsent if the broker lost its messages, or if the broker
        or the database could not be reached since the last re-send."""
        kept = self._runtime.jobs.kept_messages()
        if kept and not self._unreachable:
            return
        why = "or the database could not be reached" if kept else "has lost its messages, or is new"
        marked = forget_sends(self._runtime)
        self._unreachable = False
        # A new broker with nothing waiting is no news; anything to re-send is.
        level = logging.WARNING if marked else logging.INFO
        log.log(level, "the job broker %s: %d waiting contents sent again", why, marked)

    def _purge(self) -> None:
        self._last_purge = time.monotonic()
        try:
            # As old as a lost message: the purge sent at deletion usually did it already.
            purged = purge_deleted(self._runtime, self._stale_after)
        except Exception:
            log.exception("purge sweep failed; trying again in a minute")
            return
        if purged:
            log.info("purge sweep: the objects of %d deleted contents removed", purged)

    def _cleanup(self) -> None:
        self._last_cleanup = time.monotonic()
        try:
            removed, freed = cleanup_temp(self._runtime.settings.work_dir, SCRATCH_LIFETIME)
        except Exception:
            log.exception("scratch cleanup failed; trying again in an hour")
        else:
            if removed:
                log.info("scratch cleanup: %d entries, %.1f MB freed", removed, freed / 1e6)
        try:
            exports = remove_expired_exports(self._runtime)
        except Exception:
            log.exception("export cleanup failed; trying again in an hour")
        else:
            if exports:
                log.info("export cleanup: %d expired or orphaned zips removed", exports)
        try:
            with self._runtime.db.session() as session:
                accounts = remove_unverified(session, self._runtime.settings.auth)
        except Exception:
            log.exception("unverified-account cleanup failed; trying again in an hour")
        else:
            if accounts:
                log.info("account cleanup: %d sign-ups never verified removed", accounts)

    def stop(self) -> None:
        self._stop.set()
