"""`autoclip backup --out DIR` and `autoclip restore --from DIR [--yes]`.

Progress goes to stderr (a line per 100 objects), the one-line summary to stdout; a
failure raises BackupError, which `autoclip` prints as one `error:` line with exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autoclip.service.ops import backup as backups
from autoclip.settings import Settings

JOBS_HELP = "Objects copied, checked or uploaded in parallel."


def _progress(line: str) -> None:
    typer.echo(line, err=True)


def backup(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder to write autoclip-backup-<UTC time>/ into (outside the data folder).",
        ),
    ],
    keep: Annotated[
        int | None,
        typer.Option(min=1, help="Then delete all but the newest KEEP backups in --out."),
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, max=64, help=JOBS_HELP)] = backups.DEFAULT_JOBS,
) -> None:
    """Back up the database and the stored files (all but temp/), safe while serving."""
    result = backups.backup(Settings(), out, jobs=jobs, keep=keep, report=_progress)
    for old in result.pruned:
        _progress(f"deleted the old backup {old}")
    typer.echo(result.summary())


def restore(
    from_dir: Annotated[
        Path, typer.Option("--from", help="A backup folder: autoclip-backup-<UTC time>/.")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace a database or storage that is not empty.")
    ] = False,
    verify_only: Annotated[
        bool,
        typer.Option("--verify-only", help="Check the backup's checksums; change nothing."),
    ] = False,
    jobs: Annotated[int, typer.Option(min=1, max=64, help=JOBS_HELP)] = backups.DEFAULT_JOBS,
) -> None:
    """Restore a backup into the configured database and storage, after verifying every
    checksum in it. With SQLite, stop `autoclip serve` first."""
    if verify_only:
        manifest = backups.verify(from_dir, jobs=jobs, report=_progress)
        typer.echo(
            f"backup {from_dir} is intact: {manifest.database.kind} at revision "
            f"{manifest.database.alembic_revision}, {len(manifest.objects)} objects, "
            f"made {manifest.finished_at:%Y-%m-%d %H:%M:%S} UTC by AutoClip "
            f"{manifest.autoclip_version}"
        )
        return
    result = backups.restore(Settings(), from_dir, yes=yes, jobs=jobs, report=_progress)
    if result.kept_database is not None:
        _progress(f"the replaced database is kept as {result.kept_database}")
    typer.echo(result.summary())
