"""Object storage with the operations manual's key layout.

    videos/{content_id}/original.mp4 | thumbnail.jpg | audio.mp3 | captions.srt | ...
    images/{content_id}/scene_{n}.png
    exports/{user_id}/...
    temp/...                      (scratch; cleaned periodically)

`LocalStorage` keeps objects as files under a root folder. An object is written under a
temporary name and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Protocol


def video_key(content_id: str, name: str) -> str:
    return f"videos/{content_id}/{name}"


def image_key(content_id: str, number: int) -> str:
    return f"images/{content_id}/scene_{number}.png"


class Storage(Protocol):
    def put_file(self, key: str, source: Path) -> str:
        """Store a copy of `source` under `key`; return where it can be read."""
        ...

    def exists(self, key: str) -> bool: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        # Absolute, because renders run ffmpeg inside a scratch folder (its own cwd).
        self.root = root.absolute()

    def path(self, key: str) -> Path:
        parts = PurePosixPath(key).parts
        if not parts or key.startswith("/") or ".." in parts:
            raise ValueError(f"bad storage key {key!r}")
        return self.root.joinpath(*parts)

    def put_file(self, key: str, source: Path) -> str:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
        try:
            try:
                os.link(source, staging)  # same disk as the stage cache: no copy needed
            except OSError:
                shutil.copyfile(source, staging)
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)
        return str(target)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    @property
    def temp_root(self) -> Path:
        return self.root / "temp"
