"""Backups of the service's truth: the database and the stored files, and their restore.

A backup is a folder `autoclip-backup-<UTC time>/`:

    manifest.json        what is in it: every object's key, size and SHA-256, the database
                         dump's checksum and Alembic revision, the AutoClip version,
                         timestamps and row counts
    database.sqlite      SQLite: a consistent copy made with the online backup API
    database.pgdump      PostgreSQL: `pg_dump --format=custom`
    objects/<key>        every stored object except the scratch space (`temp/`)

It is written as `autoclip-backup-<UTC time>.partial/` and renamed when complete, so a
folder without the suffix always holds a whole backup.

Consistency with a running service: the database is dumped first (one snapshot: SQLite's
backup API, pg_dump inside an exported snapshot), the objects copied after. A worker
stores a content's files before the transaction that marks it ready commits, so every
object the dump refers to already exists when the copy starts; objects written after the
dump are extra files nothing refers to, which is harmless.

A restore verifies the whole backup (the manifest, the dump's and every object's SHA-256)
before it changes anything, then uploads the objects, then restores the database, then
checks that every object is in the storage with its size and that the row counts match.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 # pg_dump/pg_restore from argument lists, no shell
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from autoclip import __version__
from autoclip.errors import AutoclipError
from autoclip.kit.storage import (
    STAGING_SUFFIX,
    LocalStorage,
    Storage,
    check_key,
    storage_from_url,
)
from autoclip.settings import Settings, mask_url_password

FORMAT = 1
MANIFEST = "manifest.json"
OBJECTS = "objects"
SQLITE_DUMP = "database.sqlite"
POSTGRES_DUMP = "database.pgdump"
BACKUP_PREFIX = "autoclip-backup-"
PARTIAL_SUFFIX = ".partial"
SCRATCH_PREFIX = "temp/"
# Tables whose row counts the manifest records and a restore checks.
COUNTED = ("users", "projects", "contents", "credit_ledger")
# Where Debian and Ubuntu put the PostgreSQL client programs of each version.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
PROGRESS_EVERY = 100  # objects between two progress lines
CHUNK = 1 << 20
DEFAULT_JOBS = 8
SMALL_OBJECT = 8 * 1024 * 1024  # uploaded in one request; bigger ones by parts
PG_TIMEOUT_S = 6 * 3600.0

Kind = Literal["sqlite", "postgresql"]
Report = Callable[[str], None]
T = TypeVar("T")
R = TypeVar("R")


class BackupError(AutoclipError):
    """A backup or restore cannot go on; the message says what is wrong and where."""


def _silent(_: str) -> None:
    return None


# --- the manifest -------------------------------------------------------------------------

_SHA256 = r"^[0-9a-f]{64}$"


class StoredObject(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=_SHA256)

    @field_validator("key")
    @classmethod
    def _well_formed(cls, key: str) -> str:
        return check_key(key)  # a manifest cannot name a path outside objects/


class DatabaseDump(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    file: Literal["database.sqlite", "database.pgdump"]
    size: int = Field(ge=0)
    sha256: str = Field(pattern=_SHA256)
    alembic_revision: str = Field(min_length=1)
    dumped_at: datetime


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database: str  # password masked
    storage: str  # Storage.describe(): never a secret


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal[1]
    autoclip_version: str
    started_at: datetime
    finished_at: datetime
    source: Source
    database: DatabaseDump
    counts: dict[str, int]
    objects: list[StoredObject]

    @field_validator("objects")
    @classmethod
    def _unique(cls, objects: list[StoredObject]) -> list[StoredObject]:
        seen: set[str] = set()
        for item in objects:
            if item.key in seen:
                raise ValueError(f"key {item.key!r} is listed twice")
            seen.add(item.key)
        return objects

    @property
    def total_bytes(self) -> int:
        return sum(item.size for item in self.objects)


def read_manifest(folder: Path) -> Manifest:
    """The folder's manifest, validated; BackupError naming what is wrong otherwise."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"no backup at {folder}: not a folder")
    if not path.is_file():
        found = sorted(p.name for p in folder.glob(f"{BACKUP_PREFIX}*") if p.is_dir())
        complete = [name for name in found if not name.endswith(PARTIAL_SUFFIX)]
        if complete:
            raise BackupError(
                f"no {MANIFEST} in {folder}; it holds backups (newest last): "
                f"{', '.join(complete[-3:])}: pass one of them to --from"
            )
        raise BackupError(f"bad backup {folder}: no {MANIFEST} (an incomplete backup?)")
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise BackupError(f"bad manifest {path}: not readable JSON ({error})") from None
    try:
        return Manifest.model_validate(raw)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or '(top)'}: {item['msg']}"
            for item in error.errors()
        ]
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise BackupError(f"bad manifest {path}: {'; '.join(problems[:3])}{more}") from None


def object_path(folder: Path, key: str) -> Path:
    return folder.joinpath(OBJECTS, *check_key(key).split("/"))


def is_backed_up(key: str) -> bool:
    """Objects of the key layout (videos/, images/, exports/, ...) but not the scratch space
    (temp/), nor files at the top of a local storage root (the SQLite database and its
    journal, secret.key: the data folder is the storage root by default)."""
    return "/" in key and not key.startswith(SCRATCH_PREFIX)


# --- progress and parallel work -------------------------------------------------------------


class Progress:
    """One line per PROGRESS_EVERY items (and one at the end), for terminals and cron logs."""

    def __init__(self, report: Report, label: str, total: int, total_bytes: int | None) -> None:
        self.report = report
        self.label = label
        self.total = total
        self.total_bytes = total_bytes
        self.done = 0
        self.bytes = 0
        self.started = time.perf_counter()
        self._lock = threading.Lock()

    def advance(self, size: int) -> None:
        with self._lock:
            self.done += 1
            self.bytes += size
            if self.done % PROGRESS_EVERY == 0 or self.done == self.total:
                self._line()

    def _line(self) -> None:
        elapsed = time.perf_counter() - self.started
        of_bytes = f" of {_mb(self.total_bytes)}" if self.total_bytes is not None else ""
        self.report(
            f"{self.label}: {self.done}/{self.total} objects, "
            f"{_mb(self.bytes)}{of_bytes}, {elapsed:.1f} s"
        )


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def parallel(
    items: Sequence[T], work: Callable[[T], R], jobs: int, done: Callable[[R], None]
) -> list[R]:
    """`work` on every item with `jobs` threads; the first failure stops the rest and is
    raised. At most a few items per thread are in flight, so a million objects cost no
    million futures."""
    results: list[R] = []
    window = max(1, jobs) * 4
    remaining = iter(items)
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="backup") as pool:
        in_flight: set[Future[R]] = set()
        try:
            while True:
                for item in remaining:
                    in_flight.add(pool.submit(work, item))
                    if len(in_flight) >= window:
                        break
                if not in_flight:
                    return results
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = future.result()  # raises the work's error
                    results.append(result)
                    done(result)
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise


def sha256_file(path: Path) -> tuple[int, str]:
    """(size, hex SHA-256) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _copy_hashing(source: Path, target: Path) -> tuple[int, str]:
    """Copy `source` to `target` and return (size, SHA-256) of what was written: one read."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- the database -------------------------------------------------------------------------


def configured_storage(settings: Settings) -> Storage:
    return storage_from_url(settings.effective_storage_url(), settings.s3_endpoint_url)


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


def _run_pg_tool(args: list[str], env: dict[str, str], what: str) -> None:
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
                _run_pg_tool(args, env, "pg_dump")
    except BackupError:
        raise
    except Exception as error:
        raise BackupError(
            f"cannot read the database {mask_url_password(url)}: {_first_line(error)}"
        ) from error
    finally:
        engine.dispose()
    return meta


@contextmanager
def _operational(what: str) -> Iterator[None]:
    """The failures of daily operation (a full disk, a refused permission, the storage or
    the database unreachable) as one BackupError line; anything else as it is."""
    try:
        yield
    except BackupError:
        raise
    except OSError as error:
        raise BackupError(f"{what}: {error}") from error
    except Exception as error:
        module = type(error).__module__
        if module.startswith(("botocore", "boto3", "s3transfer", "sqlalchemy", "psycopg")):
            raise BackupError(f"{what}: {_first_line(error)}") from error
        raise


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _database_meta(url: str) -> tuple[str | None, dict[str, int]]:
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
            f"cannot read the database {mask_url_password(url)}: {_first_line(error)}"
        ) from error
    finally:
        engine.dispose()


# --- backup ---------------------------------------------------------------------------------


@dataclass
class BackupResult:
    folder: Path
    manifest: Manifest
    timings: dict[str, float] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)  # deleted between listing and copy
    pruned: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        counts = _tables(self.manifest)
        return (
            f"backup {self.folder}: {self.manifest.database.kind} at revision "
            f"{self.manifest.database.alembic_revision} ({counts}), "
            f"{len(self.manifest.objects)} objects ({_mb(self.manifest.total_bytes)}) "
            f"in {self.timings.get('total', 0.0):.1f} s"
        )


def _tables(manifest: Manifest) -> str:
    return ", ".join(f"{manifest.counts[t]} {t}" for t in COUNTED if t in manifest.counts)


def _stamp(when: datetime) -> str:
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
    report: Report = _silent,
    storage: Storage | None = None,
) -> BackupResult:
    """Write `out/autoclip-backup-<UTC time>/`; with `keep`, then delete all but the newest
    `keep` backups in `out`."""
    with _operational("backup failed"):
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
    if isinstance(storage, LocalStorage) and _inside(out, storage.root):
        raise BackupError(
            f"--out {out} is inside the storage folder {storage.root}: the next backup would "
            "copy this one; choose a folder outside it (another disk, ideally)"
        )
    if keep is not None and keep < 1:
        raise BackupError("--keep must be at least 1")
    name = BACKUP_PREFIX + _stamp(started)
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
    _fsync(dump)
    dump_size, dump_sha = sha256_file(dump)
    timings["database"] = time.perf_counter() - clock
    report(f"database: {_mb(dump_size)} at revision {revision} in {timings['database']:.1f} s")

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
            if isinstance(storage, LocalStorage):
                try:
                    size, sha = _copy_hashing(storage.path(key), target)
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
    _fsync(path)
    return BackupResult(folder=folder, manifest=manifest, timings=timings, vanished=vanished)


# --- verify ---------------------------------------------------------------------------------


def verify(
    folder: Path,
    *,
    jobs: int = DEFAULT_JOBS,
    report: Report = _silent,
    manifest: Manifest | None = None,
) -> Manifest:
    """Read the manifest (unless given) and check the dump and every object against it
    (size, SHA-256). Raises BackupError listing what is wrong; touches nothing outside
    `folder`."""
    with _operational("verify failed"):
        return _verify(folder, jobs, report, manifest or read_manifest(folder))


def _verify(folder: Path, jobs: int, report: Report, manifest: Manifest) -> Manifest:
    if manifest.database.kind == "sqlite" and manifest.database.file != SQLITE_DUMP:
        raise BackupError(f"bad manifest: an SQLite backup's dump is {SQLITE_DUMP}")
    if manifest.database.kind == "postgresql" and manifest.database.file != POSTGRES_DUMP:
        raise BackupError(f"bad manifest: a PostgreSQL backup's dump is {POSTGRES_DUMP}")
    problems: list[str] = []
    dump = folder / manifest.database.file
    if not dump.is_file():
        problems.append(f"{manifest.database.file}: missing")
    else:
        size, sha = sha256_file(dump)
        if size != manifest.database.size:
            problems.append(
                f"{dump.name}: {size} bytes, the manifest says {manifest.database.size}"
            )
        elif sha != manifest.database.sha256:
            problems.append(f"{dump.name}: checksum mismatch")
    report(f"verifying {len(manifest.objects)} objects ({_mb(manifest.total_bytes)}) in {folder}")
    progress = Progress(report, "verify", len(manifest.objects), manifest.total_bytes)

    def check(item: StoredObject) -> tuple[StoredObject, str | None]:
        path = object_path(folder, item.key)
        if not path.is_file():
            return item, "missing"
        size, sha = sha256_file(path)
        if size != item.size:
            return item, f"{size} bytes, the manifest says {item.size}"
        if sha != item.sha256:
            return item, "checksum mismatch"
        return item, None

    checked = parallel(manifest.objects, check, jobs, lambda got: progress.advance(got[0].size))
    bad = sorted((item.key, why) for item, why in checked if why is not None)
    problems += [f"{key}: {why}" for key, why in bad]
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise BackupError(f"backup {folder} is damaged, nothing restored: {shown}{more}")
    return manifest


# --- restore --------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    folder: Path
    manifest: Manifest
    timings: dict[str, float] = field(default_factory=dict)
    kept_database: Path | None = None  # the SQLite file that was replaced, kept aside
    needs_upgrade: bool = False

    def summary(self) -> str:
        counts = _tables(self.manifest)
        line = (
            f"restored {self.folder.name}: {self.manifest.database.kind} at revision "
            f"{self.manifest.database.alembic_revision} ({counts}), "
            f"{len(self.manifest.objects)} objects ({_mb(self.manifest.total_bytes)}) "
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
    report: Report = _silent,
    storage: Storage | None = None,
) -> RestoreResult:
    """Verify the backup in `folder`, then put its objects and database in place and check
    them (see the module's docstring)."""
    with _operational("restore failed"):
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
    _, live_counts = _database_meta(url)
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
        if isinstance(storage, LocalStorage):
            _place_copy(source, storage.path(item.key))
        elif item.size <= SMALL_OBJECT:
            storage.put_bytes(item.key, source.read_bytes())  # one request, no transfer pool
        else:
            storage.put_file(item.key, source)  # multipart for big files
        return item.size

    parallel(manifest.objects, upload, jobs, progress.advance)
    if isinstance(storage, LocalStorage):
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
        _run_pg_tool(args, env, "pg_restore")
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
    revision, counts = _database_meta(url)
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
        _fsync(staging)
        if keep_old and target.is_file():
            kept = target.with_name(f"{target.name}.before-restore-{_stamp(datetime.now(UTC))}")
            try:
                os.link(target, kept)
            except OSError:  # no hard links on this file system
                shutil.copy2(target, kept)
        # A leftover journal would be applied to the new file on its next open.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staging, target)
        _fsync(target.parent)
    finally:
        staging.unlink(missing_ok=True)
    return kept
