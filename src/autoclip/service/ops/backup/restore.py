"""Restoring a backup: verify it whole, upload the objects, restore the database, then
check the objects and row counts."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from autoclip import __version__
from autoclip.kit.storage import (
    STAGING_SUFFIX,
    Storage,
)
from autoclip.service.ops.backup.dump import (
    configured_storage,
    database_kind,
    database_meta,
    find_pg_tool,
    libpq_target,
    run_pg_tool,
    sqlite_path,
    stamp,
)
from autoclip.service.ops.backup.manifest import (
    COUNTED,
    Manifest,
    StoredObject,
    is_backed_up,
    object_path,
    read_manifest,
    table_counts,
    verify,
)
from autoclip.service.ops.backup.transfer import (
    DEFAULT_JOBS,
    SMALL_OBJECT,
    BackupError,
    Progress,
    Report,
    fsync_path,
    megabytes,
    operational,
    parallel,
    silent,
)
from autoclip.settings import Settings, mask_url_password


@dataclass
class RestoreResult:
    folder: Path
    manifest: Manifest
    timings: dict[str, float] = field(default_factory=dict)
    kept_database: Path | None = None  # the SQLite file that was replaced, kept aside
    needs_upgrade: bool = False

    def summary(self) -> str:
        counts = table_counts(self.manifest)
        line = (
            f"restored {self.folder.name}: {self.manifest.database.kind} at revision "
            f"{self.manifest.database.alembic_revision} ({counts}), "
            f"{len(self.manifest.objects)} objects ({megabytes(self.manifest.total_bytes)}) "
            f"in {self.timings.get('total', 0.0):.1f} s; every object and row count checked"
        )
        if self.needs_upgrade:
            line += "; now run `autoclip db upgrade`"
        return line


def _known_revision(revision: str) -> bool:
    """True if this AutoClip's migrations know the revision, False if it is the head;
    BackupError if it is unknown (a backup made by a newer AutoClip)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from autoclip.service.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    wanted = revision.split(",")
    for one in wanted:
        try:
            if script.get_revision(one) is None:
                raise CommandError(one)
        except CommandError:
            raise BackupError(
                f"the backup is at database revision {revision}, which this AutoClip "
                f"({__version__}) does not know: restore it with the version that made it "
                "or a newer one"
            ) from None
    return set(wanted) != set(script.get_heads())


def _sqlite_in_use(path: Path) -> bool:
    """A write-ahead log or its index beside the file: a process has the database open (or
    crashed with it open). The last connection to close folds the log in and deletes both."""
    return any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm"))


def restore(
    settings: Settings,
    folder: Path,
    *,
    yes: bool = False,
    jobs: int = DEFAULT_JOBS,
    report: Report = silent,
    storage: Storage | None = None,
) -> RestoreResult:
    """Verify the backup in `folder`, then put its objects and database in place and check
    them (see the module's docstring)."""
    with operational("restore failed"):
        return _restore(settings, folder, yes, jobs, report, storage)


def _restore(
    settings: Settings,
    folder: Path,
    yes: bool,
    jobs: int,
    report: Report,
    storage: Storage | None,
) -> RestoreResult:
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    folder = folder.absolute()

    # 1. Everything that can refuse, before anything is changed: the quick checks, then
    # every checksum.
    manifest = read_manifest(folder)
    url = settings.effective_database_url()
    kind = database_kind(url)
    if kind != manifest.database.kind:
        raise BackupError(
            f"the backup holds a {manifest.database.kind} database but AUTOCLIP_DATABASE_URL "
            f"is {kind} ({mask_url_password(url)}): restore into the same kind"
        )
    needs_upgrade = _known_revision(manifest.database.alembic_revision)
    pg_restore = find_pg_tool("pg_restore") if kind == "postgresql" else ""
    if kind == "sqlite" and _sqlite_in_use(sqlite_path(url)):
        raise BackupError(
            f"{sqlite_path(url)} is open (its -wal/-shm files exist): stop `autoclip serve` "
            "first. If none runs, one crashed: `autoclip db upgrade` opens and closes the "
            "database, which folds its log in"
        )
    storage = storage or configured_storage(settings)
    _, live_counts = database_meta(url)
    present = [key for key in storage.list_keys("") if is_backed_up(key)]
    occupied = {
        table: n for table, n in live_counts.items() if table in ("users", "contents") and n
    }
    if (occupied or present) and not yes:
        what = [f"the database has {n} {table}" for table, n in occupied.items()]
        if present:
            what.append(f"the storage {storage.describe()} has {len(present)} objects")
        raise BackupError(
            f"refusing to restore over live data ({'; '.join(what)}): pass --yes to replace it"
        )
    step = time.perf_counter()
    verify(folder, jobs=jobs, report=report, manifest=manifest)
    timings["verify"] = time.perf_counter() - step
    if present:
        report(
            f"warning: {len(present)} objects already in the storage; those the backup "
            "holds are overwritten, the others left as they are"
        )

    # 2. The objects before the database. The database is the truth and refers to the
    # objects; restored first, it would point at files that are not there yet if the
    # upload stopped halfway. This way an interrupted restore leaves the old (or empty)
    # database and some extra files nothing refers to, and running it again finishes it
    # (uploads overwrite). The database step itself is all-or-nothing: an atomic rename
    # for SQLite, one transaction for PostgreSQL.
    step = time.perf_counter()
    report(f"uploading {len(manifest.objects)} objects to {storage.describe()}")
    progress = Progress(report, "restore", len(manifest.objects), manifest.total_bytes)

    def upload(item: StoredObject) -> int:
        source = object_path(folder, item.key)
        if (local := storage.local_path(item.key)) is not None:
            _place_copy(source, local)
        elif item.size <= SMALL_OBJECT:
            storage.put_bytes(item.key, source.read_bytes())  # one request, no transfer pool
        else:
            storage.put_file(item.key, source)  # multipart for big files
        return item.size

    parallel(manifest.objects, upload, jobs, progress.advance)
    if not storage.shared:
        os.sync()  # the files on disk before a database that refers to them
    timings["objects"] = time.perf_counter() - step

    # 3. The database.
    step = time.perf_counter()
    dump = folder / manifest.database.file
    kept: Path | None = None
    report(f"restoring the {kind} database {mask_url_password(url)}")
    if kind == "sqlite":
        kept = _restore_sqlite(dump, sqlite_path(url), bool(occupied))
    else:
        dbname, env = libpq_target(url)
        args = [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        args += ["--exit-on-error", "--no-password", f"--dbname={dbname}", str(dump)]
        run_pg_tool(args, env, "pg_restore")
    timings["database"] = time.perf_counter() - step

    # 4. The check: every object there with its size, the rows all there.
    step = time.perf_counter()
    report("checking the restored objects and rows")
    missing: list[str] = []

    def check(item: StoredObject) -> None:
        size = storage.size(item.key)
        if size != item.size:
            missing.append(f"{item.key}: {'missing' if size is None else f'{size} bytes'}")

    parallel(manifest.objects, check, jobs, lambda _: None)
    revision, counts = database_meta(url)
    wrong = [
        f"{table}: {counts.get(table)} rows, the backup has {n}"
        for table, n in manifest.counts.items()
        if table in COUNTED and counts.get(table) != n
    ]
    if revision != manifest.database.alembic_revision:
        wrong.append(f"revision {revision}, the backup has {manifest.database.alembic_revision}")
    if missing or wrong:
        problems = sorted(missing)[:5] + wrong
        raise BackupError(f"the restore did not check out: {'; '.join(problems)}")
    timings["check"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - clock
    return RestoreResult(folder, manifest, timings, kept, needs_upgrade)


def _place_copy(source: Path, target: Path) -> None:
    """Copy into a local storage the way LocalStorage writes: staged, then renamed. A copy,
    never a hard link, so the storage and the backup never share a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex}{STAGING_SUFFIX}"
    try:
        shutil.copyfile(source, staging)
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def _restore_sqlite(dump: Path, target: Path, keep_old: bool) -> Path | None:
    """Put the dump in place atomically (the server must be stopped): copied next to the
    target, flushed, renamed over it. A replaced non-empty database is kept aside as
    `<name>.before-restore-<UTC time>` (a hard link: no copy)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.restore-{uuid.uuid4().hex}")
    kept: Path | None = None
    try:
        shutil.copyfile(dump, staging)
        fsync_path(staging)
        if keep_old and target.is_file():
            kept = target.with_name(f"{target.name}.before-restore-{stamp(datetime.now(UTC))}")
            try:
                os.link(target, kept)
            except OSError:  # no hard links on this file system
                shutil.copy2(target, kept)
        # A leftover journal would be applied to the new file on its next open.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staging, target)
        fsync_path(target.parent)
    finally:
        staging.unlink(missing_ok=True)
    return kept
