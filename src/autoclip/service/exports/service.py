"""Per-user bundles: a zip of finished contents under `exports/{user_id}/`, built by a job.

`POST /exports` records the export (`queued`) and answers 202; the `export_build` task
zips the contents on a worker (the embedded one too) and the row turns `ready` with its
size, or `failed` with the reason. Videos are stored uncompressed in the zip (they are
compressed already).

Limits, per user: MAX_IN_FLIGHT exports queued or building at once (429 past it) and
MAX_KEPT kept (409: delete one first). An export expires KEEP_FOR after it was asked
for: from then it is hidden and its link refused, and the hourly cleanup removes the row
and the zip. Lost work is the reconciler's: a queued export whose message was lost is
sent again, and a build whose worker died is failed.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from autoclip.kit.private import make_private_dir
from autoclip.kit.storage import export_key
from autoclip.service.auth.callers import Account
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import after_commit, utcnow
from autoclip.service.exports.repository import ExportRepository
from autoclip.service.exports.schemas import MAX_CONTENTS
from autoclip.service.jobs.queue import EXPORT_BUILD
from autoclip.service.models import Content, Export, ExportStatus
from autoclip.service.problems import Conflict, NotFound, TooManyRequests
from autoclip.service.runtime import Runtime

MAX_IN_FLIGHT = 3
MAX_KEPT = 10
KEEP_FOR = timedelta(days=7)
log = logging.getLogger("autoclip.exports")


def create_export(
    session: Session, runtime: Runtime, user: Account, content_ids: list[uuid.UUID] | None
) -> Export:
    """Record a queued export of `content_ids` (default: the newest ready contents); its
    build is sent once that commits."""
    _check_limits(session, user)
    contents = ContentRepository(session)
    if content_ids is not None:
        wanted = list(dict.fromkeys(content_ids))
        found = {c.id for c in contents.ready(user.id, among=wanted)}
        if len(found) != len(wanted):
            raise NotFound("some of content_ids are not your ready contents")
        ids = wanted
    else:
        ids = [c.id for c in contents.ready(user.id, newest=MAX_CONTENTS)]
    if not ids:
        # Well formed, and right once something is ready: a conflict with the state now.
        raise Conflict("there are no ready contents to export", field="content_ids")
    now = utcnow()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    export = Export(
        user_id=user.id,
        status=ExportStatus.QUEUED,
        content_ids=[str(i) for i in ids],
        key=export_key(str(user.id), f"autoclip-{stamp}-{uuid.uuid4().hex[:8]}.zip"),
        created_at=now,
        updated_at=now,
        expires_at=now + KEEP_FOR,
    )
    ExportRepository(session).add(export)
    after_commit(session, _sender(runtime, str(export.id)))
    return export


def list_exports(session: Session, user: Account) -> list[Export]:
    """The user's unexpired exports, newest first."""
    return ExportRepository(session).unexpired(user.id, utcnow())


def delete_export(session: Session, runtime: Runtime, user: Account, export_id: uuid.UUID) -> None:
    """The row goes now; the zip once that commits (a build still running removes its own
    zip when it finds the row gone)."""
    export = own_export(session, user, export_id)
    key = export.key
    ExportRepository(session).remove(export)
    after_commit(session, lambda: _delete_object(runtime, key))


def _sender(runtime: Runtime, export_id: str) -> Callable[[], None]:
    return lambda: runtime.jobs.send_task(EXPORT_BUILD, export_id)


def _check_limits(session: Session, user: Account) -> None:
    exports = ExportRepository(session)
    exports.lock_owner(user.id)  # two requests of one user must not both pass the count
    counts = exports.counts_by_status(user.id, utcnow())
    if sum(n for status, n in counts.items() if status.in_flight) >= MAX_IN_FLIGHT:
        raise TooManyRequests(
            f"at most {MAX_IN_FLIGHT} exports can be queued or building at once; "
            "wait for one to finish"
        )
    if sum(counts.values()) >= MAX_KEPT:
        raise Conflict(
            f"at most {MAX_KEPT} exports are kept; delete one first (each expires "
            f"{KEEP_FOR.days} days after it was made)"
        )


def own_export(session: Session, user: Account, export_id: uuid.UUID) -> Export:
    """The caller's unexpired export, or 404 — also for another user's (never 403)."""
    export = ExportRepository(session).owned(user.id, export_id, utcnow())
    if export is None:
        raise NotFound("no such export")
    return export


def _delete_object(runtime: Runtime, key: str) -> None:
    try:
        runtime.storage.delete(key)
    except Exception:  # the row is gone, so the link is refused; the cleanup removes it
        log.exception("export %s: removing the zip failed; the cleanup will", key)


# -- the job -------------------------------------------------------------------------------


def build_export(runtime: Runtime, export_id: str) -> None:
    """The `export_build` task: zip the export's contents, store the zip, mark it ready
    (or failed, with the reason). A duplicate message finds it taken and does nothing."""
    now = utcnow()
    with runtime.db.session() as session:
        export = ExportRepository(session).take(uuid.UUID(export_id), now)
        if export is None:
            log.info("export %s is not queued; skipped", export_id)
            return
        user_id, key, asked = export.user_id, export.key, list(export.content_ids)
        # Its owner's, as the row says; checked again all the same.
        among = [uuid.UUID(c) for c in asked]
        contents = {str(c.id): c for c in ContentRepository(session).ready(user_id, among=among)}
    bundled = [contents[c] for c in asked if c in contents]  # in the order asked
    try:
        if not bundled:
            raise LookupError("none of its contents is ready any more (deleted or remade)")
        size = _build(runtime, key, bundled)
    except Exception as error:
        if not isinstance(error, LookupError):
            log.exception("export %s failed", export_id)
        _finish(runtime, export_id, key, status=ExportStatus.FAILED, error=_reason(error))
        return
    _finish(
        runtime,
        export_id,
        key,
        status=ExportStatus.READY,
        size=size,
        content_ids=[str(c.id) for c in bundled],
    )


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"a file is missing from storage: {error.args[0]}"
    if isinstance(error, LookupError):
        return str(error)
    return f"{type(error).__name__}: {error}"[-2000:]


def _build(runtime: Runtime, key: str, contents: list[Content]) -> int:
    """Zip the contents' files to `key`; return the zip's size in bytes."""
    work_dir = make_private_dir(runtime.settings.work_dir)  # every user's files pass here
    with tempfile.TemporaryDirectory(dir=work_dir) as folder:
        bundle = Path(folder) / "bundle.zip"
        with zipfile.ZipFile(bundle, "w") as archive:
            for content in contents:
                _add_content(runtime, archive, content, Path(folder))
        runtime.storage.put_file(key, bundle)
        return bundle.stat().st_size


def _add_content(
    runtime: Runtime, archive: zipfile.ZipFile, content: Content, folder: Path
) -> None:
    if content.outputs is None:
        return
    for key in content.outputs.bundled():
        local = folder / "part"
        runtime.storage.download(key, local)
        method = zipfile.ZIP_STORED if key.endswith(".mp4") else zipfile.ZIP_DEFLATED
        archive.write(local, f"{content.id}/{Path(key).name}", compress_type=method)
        local.unlink()


def _finish(runtime: Runtime, export_id: str, key: str, **values: object) -> None:
    with runtime.db.session() as session:
        landed = ExportRepository(session).finish(uuid.UUID(export_id), utcnow(), **values)
    if not landed:
        # Deleted while it was built (or failed by the reconciler as lost): nobody will
        # ask for this zip, and a delete that ran before the upload could not remove it.
        log.info("export %s was deleted or given up while it was built", export_id)
        _delete_object(runtime, key)


# -- upkeep (the reconciler) ---------------------------------------------------------------


def reconcile_exports(runtime: Runtime, stale_after: timedelta) -> int:
    """Send again the exports queued longer than `stale_after` (their message was lost:
    a crash between commit and send, or an embedded server's in-memory queue), and fail
    the builds whose worker died (processing longer than a job may run). Returns how many."""
    now = utcnow()
    limit = timedelta(seconds=runtime.settings.worker.render_time_limit_seconds)
    lost_after = limit + timedelta(seconds=runtime.settings.worker.lease_seconds)
    # Read first: most passes find nothing, and on SQLite a write would take the lock.
    with runtime.db.session(write=False) as session:
        found = ExportRepository(session).overdue(now - stale_after, now - lost_after)
    lost = [(i, at) for i, status, at in found if status is ExportStatus.PROCESSING]
    stale = [(i, at) for i, status, at in found if status is ExportStatus.QUEUED]
    handled = 0
    for export_id, updated_at in lost:
        with runtime.db.session() as session:
            handled += ExportRepository(session).fail_lost(export_id, updated_at, now)
    for export_id, updated_at in stale:
        with runtime.db.session() as session:
            # Claimed by its time, so of several reconcilers one sends it.
            if ExportRepository(session).touch_stale(export_id, updated_at, now):
                after_commit(session, _sender(runtime, str(export_id)))
                handled += 1
    return handled


def remove_expired_exports(runtime: Runtime) -> int:
    """Delete expired exports, each zip before its row (a failure leaves the row, tried
    again next time), then zips under `exports/` that no row names (a failed removal, or
    made before exports had rows). Returns how many objects were removed."""
    now = utcnow()
    with runtime.db.session(write=False) as session:
        expired = ExportRepository(session).expired(now)
    removed = 0
    for export_id, key in expired:
        runtime.storage.delete(key)
        with runtime.db.session() as session:
            ExportRepository(session).delete(export_id)
        removed += 1
    keys = runtime.storage.list_keys("exports/")
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        with runtime.db.session(write=False) as session:
            known = ExportRepository(session).known_keys(batch)
        for key in batch:
            if key not in known:
                runtime.storage.delete(key)
                removed += 1
    return removed
