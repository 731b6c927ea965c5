"""Owner-only folders and files: made private, and existing ones left as they are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autoclip.kit.private import create_private_file, make_private_dir
from autoclip.kit.storage import LocalStorage
from filemodes import mode

pytestmark = pytest.mark.usefixtures("usual_umask")


def test_every_missing_level_is_private(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    target = tmp_path / "a" / "b" / "c"
    assert make_private_dir(target) == target
    for folder in (target, target.parent, target.parent.parent):
        assert mode(folder) == 0o700, folder
    assert mode(tmp_path) == 0o755  # it was there: not ours to change
    make_private_dir(target)  # again: nothing to do, no error
    assert mode(target) == 0o700


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    os.chmod(mine, 0o755)
    make_private_dir(mine)
    assert mode(mine) == 0o755


def test_private_file(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    assert create_private_file(path)
    assert mode(path) == 0o600
    assert path.read_bytes() == b""
    os.chmod(path, 0o640)
    path.write_bytes(b"kept")
    assert not create_private_file(path)  # there already: untouched
    assert mode(path) == 0o640
    assert path.read_bytes() == b"kept"


def test_local_storage_folders_are_private(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    storage.ping()
    assert mode(tmp_path / "media") == 0o700
    storage.put_bytes("images/c1/scene_1.png", b"png")
    source = tmp_path / "video.mp4"
    source.write_bytes(b"mp4")
    storage.put_file("videos/c1/original.mp4", source)
    for folder in ("images", "images/c1", "videos", "videos/c1"):
        assert mode(tmp_path / "media" / folder) == 0o700, folder


def test_an_existing_storage_root_keeps_its_mode(tmp_path: Path) -> None:
    root = tmp_path / "served"
    root.mkdir()
    os.chmod(root, 0o755)
    storage = LocalStorage(root)
    storage.ping()
    storage.put_bytes("videos/c1/original.mp4", b"mp4")
    assert mode(root) == 0o755
    assert mode(root / "videos") == 0o700  # made here: private
