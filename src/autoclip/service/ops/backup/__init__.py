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

from autoclip.service.ops.backup.dump import (
    BackupResult,
    backup,
    configured_storage,
    database_kind,
    find_pg_tool,
    libpq_target,
    list_backups,
    sqlite_path,
)
from autoclip.service.ops.backup.manifest import Manifest, object_path, read_manifest, verify
from autoclip.service.ops.backup.restore import RestoreResult, restore
from autoclip.service.ops.backup.transfer import DEFAULT_JOBS, BackupError

__all__ = [
    "DEFAULT_JOBS",
    "BackupError",
    "BackupResult",
    "Manifest",
    "RestoreResult",
    "backup",
    "configured_storage",
    "database_kind",
    "find_pg_tool",
    "libpq_target",
    "list_backups",
    "object_path",
    "read_manifest",
    "restore",
    "sqlite_path",
    "verify",
]
