"""Folders and files only their owner can open.

The data folder holds every user's password hash, the signing key and their videos; on a
machine shared with other accounts, the umask's usual 022 would let them all read it.

The rule: what AutoClip creates is private (folders 0700, files 0600); a folder that
already exists keeps its mode. An operator who points AUTOCLIP_DATA_DIR or a file://
storage at a folder of their own chose its mode (a group that backs it up, a web server
that serves it), and silently narrowing it could break that; tightening an old install is
an explicit step in the operations guide. Files created inside such a folder are private
all the same, so the database and the key are never readable by others.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dir(path: Path) -> Path:
    """Create `path` and its missing parents owner-only; existing folders keep their mode.

    Each missing level is private, not only the last: a parent created here (the `jobs/`
    of `temp/jobs/{id}`) would otherwise list the names below it to everyone.
    """
    missing: list[Path] = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        # Another process may create it meanwhile; theirs is private too (this same code).
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR)
            # mkdir's mode passes through the umask: an unusual one (0o277) must not
            # leave the folder unusable, and 0o700 never grants more than asked.
            os.chmod(folder, PRIVATE_DIR)
    return path


def create_private_file(path: Path) -> bool:
    """Create `path` empty and owner-only if it does not exist; say whether it was created.

    Made before anything else opens it, so the file never exists with a wider mode (SQLite
    creates a new database 0644, and its -wal and -shm files take the database's mode).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    os.close(fd)
    return True
