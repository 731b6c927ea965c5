"""What the runbooks do by hand, as functions: queue statistics, retrying failed contents,
cleaning scratch space. The CLI (`autoclip queue …`, `autoclip storage cleanup-temp`) and the
admin API call these."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from autoclip.service.auth.repository import UserRepository
from autoclip.service.billing.credits import debit
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.contents.service import requeue
from autoclip.service.db import after_commit, utcnow
from autoclip.service.jobs.queue import CONTENT_QUEUE, RENDER_QUEUE, JobQueue
from autoclip.service.models import JobPhase, LedgerReason
from autoclip.service.problems import PaymentRequired
from autoclip.service.runtime import Runtime


def queue_stats(runtime: Runtime) -> dict[str, Any]:
    now = utcnow()
    with runtime.db.session(write=False) as session:
        contents = ContentRepository(session)
        by_status = contents.count_by_status()
        expired = contents.count_expired_leases()
        oldest = contents.oldest_queued()
        failed_day = contents.count_failed_since(now - timedelta(days=1))
    return {
        "waiting": {name: runtime.jobs.waiting(name) for name in (CONTENT_QUEUE, RENDER_QUEUE)},
        "contents": {status.value: count for status, count in by_status.items()},
        "expired_leases": expired,
        "failed_last_24h": failed_day,
        "oldest_queued_seconds": round((now - oldest).total_seconds()) if oldest else None,
    }


@dataclass(frozen=True)
class Retried:
    content_id: str
    outcome: str  # "queued" or why not


def retry_failed(
    session: Session, jobs: JobQueue, since: datetime, dry_run: bool = False
) -> list[Retried]:
    """Queue again the contents that failed since `since`, each from where it stopped.

    Their credit was refunded when they failed, so each retry takes one again; an owner
    with no credit left is skipped and reported. One savepoint per content: a skipped one
    leaves the others queued. Messages go when the caller's unit of work commits.
    """
    contents = ContentRepository(session).failed_since(since)
    results: list[Retried] = []
    for content in contents:
        if dry_run:
            results.append(Retried(str(content.id), "would be queued"))
            continue
        try:
            with session.begin_nested():
                user = UserRepository(session).get(content.user_id)
                assert user is not None
                debit(session, user, content.id, LedgerReason.GENERATION)
                phase = requeue(session, content)
        except PaymentRequired:
            results.append(Retried(str(content.id), "skipped: the owner has no credits"))
            continue
        after_commit(session, _sender(jobs, str(content.id), phase))
        results.append(Retried(str(content.id), "queued"))
    return results


def _sender(jobs: JobQueue, content_id: str, phase: JobPhase) -> Callable[[], None]:
    return lambda: jobs.send(content_id, phase)


def cleanup_temp(work_dir: Path, older_than: timedelta) -> tuple[int, int]:
    """Remove scratch older than `older_than` from the local work folder (`temp/`): render
    folders, stage-cache entries nobody used since, half-built leftovers. Returns
    (entries removed, bytes freed). A stage-cache entry's time is refreshed whenever it is
    reused, so an entry a running job relies on is never old."""
    cutoff = time.time() - older_than.total_seconds()
    removed = freed = 0
    candidates: list[Path] = []
    jobs = work_dir / "jobs"
    if jobs.is_dir():
        candidates += list(jobs.iterdir())
    stages = work_dir / "stages"
    if stages.is_dir():
        # stages/{stage}/{key[:2]}/{key}: the entries are three levels down
        candidates += [p for p in stages.glob("*/*/*") if p.is_dir()]
    for path in candidates:
        try:
            if path.stat().st_mtime >= cutoff:
                continue
            size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        except FileNotFoundError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
        freed += size
    for empty in sorted(stages.glob("*/*"), reverse=True) if stages.is_dir() else []:
        if empty.is_dir() and not any(empty.iterdir()):
            os.rmdir(empty)
    return removed, freed
