"""Stage outputs stored by a hash of their inputs, so finished work is never redone.

An entry is a directory that appears atomically (built under a temporary name, then
renamed), so a crash mid-stage leaves no half entry: the stage simply runs again. Entries
live under the storage root's `temp/stages/`, the scratch area the periodic cleanup owns.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path


def input_hash(*parts: object) -> str:
    """A stable hash of JSON-able parts (paths and enums are written as strings)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def file_fingerprint(path: Path) -> str:
    """Content hash of a user-supplied file (music, assets), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class StageCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def entry(self, stage: str, key: str) -> Path:
        return self.root / stage / key[:2] / key

    def lookup(self, stage: str, key: str) -> Path | None:
        path = self.entry(stage, key)
        return path if path.is_dir() else None

    def get_or_make(self, stage: str, key: str, make: Callable[[Path], None]) -> tuple[Path, bool]:
        """The entry's directory and whether it was already there.

        `make` fills an empty directory; if it raises, nothing is kept.
        """
        found = self.lookup(stage, key)
        if found is not None:
            return found, True
        final = self.entry(stage, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        building = final.parent / f".{key}.{uuid.uuid4().hex}.partial"
        building.mkdir()
        try:
            make(building)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            self._prune_empty(final.parent)
            raise
        try:
            os.rename(building, final)
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
            # Another process finished the same entry first: theirs is as good as ours.
            if not final.is_dir():
                raise
        return final, False

    def _prune_empty(self, folder: Path) -> None:
        """Remove folders a failed stage left empty, up to (not including) the cache root."""
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent
