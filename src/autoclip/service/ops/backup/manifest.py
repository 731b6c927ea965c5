"""What a backup holds and how it is checked: the manifest's format, and `verify`, which
checks the dump and every object against it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from autoclip.kit.storage import (
    check_key,
)
from autoclip.service.ops.backup.transfer import (
    DEFAULT_JOBS,
    BackupError,
    Progress,
    Report,
    megabytes,
    operational,
    parallel,
    sha256_file,
    silent,
)

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


Kind = Literal["sqlite", "postgresql"]


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


def verify(
    folder: Path,
    *,
    jobs: int = DEFAULT_JOBS,
    report: Report = silent,
    manifest: Manifest | None = None,
) -> Manifest:
    """Read the manifest (unless given) and check the dump and every object against it
    (size, SHA-256). Raises BackupError listing what is wrong; touches nothing outside
    `folder`."""
    with operational("verify failed"):
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
    report(
        f"verifying {len(manifest.objects)} objects ({megabytes(manifest.total_bytes)}) in {folder}"
    )
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


def table_counts(manifest: Manifest) -> str:
    return ", ".join(f"{manifest.counts[t]} {t}" for t in COUNTED if t in manifest.counts)
