"""Writing a backup: the database dump (SQLite's online backup API, `pg_dump` in a
snapshot), then the stored objects, then the manifest; old backups pruned."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess  # nosec B404 # pg_dump/pg_restore from argument lists, no shell
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from autoclip import __version__
from autoclip.kit.storage import (
    Storage,
    storage_from_url,
)
from autoclip.service.ops.backup.manifest import (
    BACKUP_PREFIX,
    COUNTED,
    FORMAT,
    MANIFEST,
    PARTIAL_SUFFIX,
    POSTGRES_DUMP,
    SQLITE_DUMP,
    DatabaseDump,
    Kind,
    Manifest,
    Source,
    StoredObject,
    is_backed_up,
    object_path,
    table_counts,
)
from autoclip.service.ops.backup.transfer import (
    DEFAULT_JOBS,
    BackupError,
    Progress,
    Report,
    copy_hashing,
    first_line,
    fsync_path,
    megabytes,
    operational,
    parallel,
    sha256_file,
    silent,
)
from autoclip.settings import Settings, mask_url_password

# Where Debian and Ubuntu put the PostgreSQL client programs of each version.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
PG_TIMEOUT_S = 6 * 3600.0


def configured_storage(settings: Settings) -> Storage:
    return storage_from_url(
        settings.effective_storage_url(), settings.s3_endpoint_url, settings.s3_limits()
    )


def database_kind(url: str) -> Kind:
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise BackupError(f"cannot back up a {name} database: SQLite and PostgreSQL only")


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{mask_url_password(url)} is not an SQLite file")
    return Path(database).absolute()


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """(connection URI for pg_dump/pg_restore, extra environment): the SQLAlchemy URL without
    its driver, and without its password, which travels in PGPASSWORD so it is never on a
    command line (visible to `ps`) nor in a message."""
    parsed = make_url(url)
    password = parsed.password
    # URL.set(password=None) leaves the password as it is: build the URL anew without it.
    bare = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    env = {"PGPASSWORD": str(password)} if password is not None else {}
    return bare.render_as_string(hide_password=False), env


def find_pg_tool(name: str) -> str:
    """pg_dump or pg_restore: from PATH, else the newest Debian/Ubuntu install."""
    found = shutil.which(name)
    if found:
        return found
    directories = sorted(
        glob.glob(POSTGRES_BIN_GLOB),
        key=lambda d: [int(p) if p.isdigit() else 0 for p in Path(d).parent.name.split(".")],
        reverse=True,
    )
    for directory in directories:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(
        f"{name} not found on PATH nor in {POSTGRES_BIN_GLOB}: install the PostgreSQL client "
        f"programs, as new as the server (apt-get install postgresql-client)"
    )


def _count_query(table: str) -> str:
    return f"SELECT count(*) FROM {table}"  # nosec B608 # our own table names (COUNTED)


def run_pg_tool(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(  # nosec B603 # the operator's own tools, no shell
            args,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} did not finish within {PG_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        tail = " | ".join(lines[-3:]) or "no message"
        raise BackupError(f"{what} failed (exit {done.returncode}): {tail}")


def _meta(connection: Connection) -> tuple[str, dict[str, int]]:
    """(Alembic revision, row counts) as the connection's transaction sees them."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        raise BackupError("the database has no AutoClip schema (no alembic_version table)")
    revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    revision = ",".join(sorted(str(r) for r in revisions))
    counts = {
        table: int(connection.execute(text(_count_query(table))).scalar_one())
        for table in COUNTED
        if table in tables
    }
    return revision, counts


def _sqlite_meta(path: Path) -> tuple[str, dict[str, int]]:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return _meta(connection)
    finally:
        engine.dispose()


def _dump_sqlite(url: str, target: Path) -> tuple[str, dict[str, int]]:
    """SQLite's online backup API: a consistent copy while the server keeps running (under
    WAL the copy is one read transaction; writers are not blocked)."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"no SQLite database at {source_path}")
    # mode=rw: never creates a file; read-write so that, closing last, it folds in and
    # removes the -wal it opened (a read-only connection would leave one behind).
    source = sqlite3.connect(f"file:{source_path}?mode=rw", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages=-1: everything in one step, one snapshot
            # A self-contained file: no -wal beside it when it is read or restored.
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()
            if verdict is None or verdict[0] != "ok":
                raise BackupError(f"the SQLite copy fails its integrity check: {verdict}")
        finally:
            copy.close()
    finally:
        source.close()
    return _sqlite_meta(target)


def _dump_postgres(url: str, target: Path) -> tuple[str, dict[str, int]]:
    """pg_dump --format=custom inside a snapshot this process exported, so the revision and
    counts in the manifest are those of the dump itself."""
    pg_dump = find_pg_tool("pg_dump")
    dbname, env = libpq_target(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = str(connection.execute(text("SELECT pg_export_snapshot()")).scalar())
                meta = _meta(connection)
                args = [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}"]
                args += [f"--file={target}", f"--dbname={dbname}"]
                run_pg_tool(args, env, "pg_dump")
    except BackupError:
        raise
    except Exception as error:
        raise BackupError(
            f"cannot read the database {mask_url_password(url)}: {first_line(error)}"
        ) from error
    finally:
        engine.dispose()
    return meta


def database_meta(url: str) -> tuple[str | None, dict[str, int]]:
    """The live database's revision (None without a schema) and row counts, read-only;
    a missing SQLite file is an empty database."""
    if database_kind(url) == "sqlite" and not sqlite_path(url).is_file():
        return None, {}
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            try:
                return _meta(connection)
            except BackupError:
                return None, {}
    except Exception as error:
        raise BackupError(
            f"cannot read the database {mask_url_password(url)}: {first_line(error)}"
        ) from error
    finally:
        engine.dispose()


@dataclass
class BackupResult:
    folder: Path
    manifest: Manifest
    timings: dict[str, float] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)  # deleted between listing and copy
    pruned: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        counts = table_counts(self.manifest)
        return (
            f"backup {self.folder}: {self.manifest.database.kind} at revision "
            f"{self.manifest.database.alembic_revision} ({counts}), "
            f"{len(self.manifest.objects)} objects ({megabytes(self.manifest.total_bytes)}) "
            f"in {self.timings.get('total', 0.0):.1f} s"
        )


def stamp(when: datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ")


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def list_backups(out: Path) -> list[Path]:
    """Complete backups in `out`, oldest first (their names sort by time)."""
    if not out.is_dir():
        return []
    found = [
        p
        for p in out.iterdir()
        if p.is_dir() and p.name.startswith(BACKUP_PREFIX) and not p.name.endswith(PARTIAL_SUFFIX)
    ]
    return sorted(found, key=lambda p: p.name)


def backup(
    settings: Settings,
    out: Path,
    *,
    jobs: int = DEFAULT_JOBS,
    keep: int | None = None,
    report: Report = silent,
    storage: Storage | None = None,
) -> BackupResult:
    """Write `out/autoclip-backup-<UTC time>/`; with `keep`, then delete all but the newest
    `keep` backups in `out`."""
    with operational("backup failed"):
        return _backup(settings, out, jobs, keep, report, storage)


def _backup(
    settings: Settings,
    out: Path,
    jobs: int,
    keep: int | None,
    report: Report,
    storage: Storage | None,
) -> BackupResult:
    started = datetime.now(UTC)
    clock = time.perf_counter()
    url = settings.effective_database_url()
    kind = database_kind(url)
    if kind == "postgresql":
        find_pg_tool("pg_dump")  # before any work
    storage = storage or configured_storage(settings)
    out = out.absolute()
    root = storage.local_root
    if root is not None and _inside(out, root):
        raise BackupError(
            f"--out {out} is inside the storage folder {root}: the next backup would "
            "copy this one; choose a folder outside it (another disk, ideally)"
        )
    if keep is not None and keep < 1:
        raise BackupError("--keep must be at least 1")
    name = BACKUP_PREFIX + stamp(started)
    final = out / name
    partial = out / (name + PARTIAL_SUFFIX)
    if final.exists() or partial.exists():
        raise BackupError(f"{final} already exists: one backup a second at most")
    out.mkdir(parents=True, exist_ok=True)
    partial.mkdir(mode=0o700)  # it holds every user's data: owner only
    try:
        result = _write_backup(settings, storage, url, kind, partial, started, jobs, report)
        os.sync()  # the data on disk before the name says the backup is complete
        partial.rename(final)
        result.folder = final
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if keep is not None:
        for old in list_backups(out)[:-keep]:
            shutil.rmtree(old)
            result.pruned.append(old)
    result.timings["total"] = time.perf_counter() - clock
    return result


def _write_backup(
    settings: Settings,
    storage: Storage,
    url: str,
    kind: Kind,
    folder: Path,
    started: datetime,
    jobs: int,
    report: Report,
) -> BackupResult:
    timings: dict[str, float] = {}
    # 1. The database first, then the objects: see the module's docstring.
    clock = time.perf_counter()
    report(f"dumping the {kind} database {mask_url_password(url)}")
    dump = folder / (SQLITE_DUMP if kind == "sqlite" else POSTGRES_DUMP)
    dumped_at = datetime.now(UTC)
    if kind == "sqlite":
        revision, counts = _dump_sqlite(url, dump)
    else:
        revision, counts = _dump_postgres(url, dump)
    fsync_path(dump)
    dump_size, dump_sha = sha256_file(dump)
    timings["database"] = time.perf_counter() - clock
    report(
        f"database: {megabytes(dump_size)} at revision {revision} in {timings['database']:.1f} s"
    )

    # 2. The objects.
    clock = time.perf_counter()
    keys = [key for key in storage.list_keys("") if is_backed_up(key)]
    report(f"copying {len(keys)} objects from {storage.describe()}")
    progress = Progress(report, "backup", len(keys), None)
    vanished: list[str] = []

    def copy(key: str) -> StoredObject | None:
        target = object_path(folder, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if (local := storage.local_path(key)) is not None:
                try:
                    size, sha = copy_hashing(local, target)
                except FileNotFoundError:
                    raise KeyError(key) from None
            else:
                storage.download(key, target)
                size, sha = sha256_file(target)
        except KeyError:
            vanished.append(key)  # deleted since the listing (temp files, a replaced export)
            return None
        return StoredObject(key=key, size=size, sha256=sha)

    copied = parallel(keys, copy, jobs, lambda got: progress.advance(got.size if got else 0))
    objects = sorted((item for item in copied if item is not None), key=lambda item: item.key)
    timings["objects"] = time.perf_counter() - clock
    for key in vanished:
        report(f"warning: {key} was deleted during the backup; not included")

    counts |= {"objects": len(objects), "object_bytes": sum(o.size for o in objects)}
    manifest = Manifest(
        format=FORMAT,
        autoclip_version=__version__,
        started_at=started,
        finished_at=datetime.now(UTC),
        source=Source(database=mask_url_password(url), storage=storage.describe()),
        database=DatabaseDump(
            kind=kind,
            file=SQLITE_DUMP if kind == "sqlite" else POSTGRES_DUMP,
            size=dump_size,
            sha256=dump_sha,
            alembic_revision=revision,
            dumped_at=dumped_at,
        ),
        counts=counts,
        objects=objects,
    )
    path = folder / MANIFEST
    path.write_text(manifest.model_dump_json(indent=1) + "\n", encoding="utf-8")
    fsync_path(path)
    return BackupResult(folder=folder, manifest=manifest, timings=timings, vanished=vanished)
