"""Stage outputs stored by a hash of their inputs, so finished work is never redone.

An entry is a directory that appears atomically (built under a temporary name, then
renamed), so a crash mid-stage leaves no half entry: the stage simply runs again. Entries
live under the storage root's `temp/stages/`, the scratch area the periodic cleanup owns.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from autoclip.kit.private import make_private_dir
from autoclip.kit.storage import Storage

COMPLETE = ".complete"  # written last: an entry without it is not to be trusted


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
    """Entries on the local disk, optionally mirrored to shared storage.

    With a `shared` storage (S3 in distributed mode), a finished entry is also uploaded
    under `temp/stages/{stage}/{key}/`, its `.complete` marker last; a worker on another
    machine that retakes a content downloads the entries instead of redoing the stages.
    """

    def __init__(
        self,
        root: Path,
        shared: Storage | None = None,
        shared_stages: frozenset[str] = frozenset(),
    ) -> None:
        self.root = root
        self.shared = shared
        self.shared_stages = shared_stages

    def entry(self, stage: str, key: str) -> Path:
        return self.root / stage / key[:2] / key

    def lookup(self, stage: str, key: str) -> Path | None:
        path = self.entry(stage, key)
        if path.is_dir():
            return path
        return self._fetch_shared(stage, key) if self._is_shared(stage) else None

    def _is_shared(self, stage: str) -> bool:
        return self.shared is not None and stage in self.shared_stages

    def _shared_prefix(self, stage: str, key: str) -> str:
        return f"temp/stages/{stage}/{key}/"

    def _fetch_shared(self, stage: str, key: str) -> Path | None:
        assert self.shared is not None
        prefix = self._shared_prefix(stage, key)
        names = self.shared.list_keys(prefix)
        if prefix + COMPLETE not in names:
            return None  # absent, or its uploader died half-way
        final = self.entry(stage, key)
        make_private_dir(final.parent)  # scratch of every user's contents: owner-only
        building = final.parent / f".{key}.{uuid.uuid4().hex}.partial"
        building.mkdir()
        try:
            for name in names:
                if name != prefix + COMPLETE:
                    target = building / name[len(prefix) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    self.shared.download(name, target)
            os.rename(building, final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            if final.is_dir():
                return final
            raise
        return final

    def _upload_shared(self, stage: str, key: str, entry: Path) -> None:
        assert self.shared is not None
        prefix = self._shared_prefix(stage, key)
        for path in sorted(p for p in entry.rglob("*") if p.is_file()):
            self.shared.put_file(prefix + path.relative_to(entry).as_posix(), path)
        self.shared.put_bytes(prefix + COMPLETE, b"")

    def get_or_make(self, stage: str, key: str, make: Callable[[Path], None]) -> tuple[Path, bool]:
        """The entry's directory and whether it was already there.

        `make` fills an empty directory; if it raises, nothing is kept.
        """
        found = self.lookup(stage, key)
        if found is not None:
            # Reuse counts as use: the periodic scratch cleanup removes only entries
            # nobody has touched for a day, never one a job is relying on now.
            with contextlib.suppress(OSError):
                os.utime(found)
            return found, True
        final = self.entry(stage, key)
        make_private_dir(final.parent)  # scratch of every user's contents: owner-only
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
        if self._is_shared(stage):
            self._upload_shared(stage, key, final)
        return final, False

    def _prune_empty(self, folder: Path) -> None:
        """Remove folders a failed stage left empty, up to (not including) the cache root."""
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent
