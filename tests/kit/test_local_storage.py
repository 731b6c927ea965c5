"""LocalStorage: keys stay inside the root, and objects replace atomically, even when the
source is on another filesystem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autoclip.kit.storage import LocalStorage, image_key, video_key


def partials(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if ".partial" in path.name]


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "/videos/x.mp4", "..", "../x", "videos/../../x", "a/../b", "."]
)
def test_keys_leaving_the_root_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "store")
    with pytest.raises(ValueError, match="bad storage key"):
        storage.path(key)
    source = tmp_path / "src.txt"
    source.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="bad storage key"):
        storage.put_file(key, source)
    assert not (tmp_path / "store").exists()


def test_keys_map_to_files_under_the_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert storage.path(video_key("c1", "original.mp4")) == tmp_path / "videos/c1/original.mp4"
    assert storage.path(image_key("c1", 3)) == tmp_path / "images/c1/scene_3.png"
    assert storage.temp_root == tmp_path / "temp"


def test_put_file_stores_and_replaces_atomically(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    key = video_key("abc", "captions.srt")
    first, second = tmp_path / "first.srt", tmp_path / "second.srt"
    first.write_text("old", encoding="utf-8")
    second.write_text("new", encoding="utf-8")

    where = storage.put_file(key, first)
    assert Path(where) == storage.path(key)
    assert storage.exists(key)
    assert not storage.exists(video_key("abc", "other.srt"))

    with Path(where).open(encoding="utf-8") as reader:
        storage.put_file(key, second)
        # a reader holding the old object still sees it whole: it was replaced, not rewritten
        assert reader.read() == "old"
    assert Path(where).read_text(encoding="utf-8") == "new"
    assert first.read_text(encoding="utf-8") == "old"  # sources are untouched
    assert sorted(p.name for p in Path(where).parent.iterdir()) == ["captions.srt"]
    assert partials(tmp_path) == []


def test_a_failed_put_leaves_no_partial(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    with pytest.raises(FileNotFoundError):
        storage.put_file("videos/x/original.mp4", tmp_path / "missing.mp4")
    assert not storage.exists("videos/x/original.mp4")
    assert partials(tmp_path) == []


def test_put_file_copies_across_filesystems(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("no writable /dev/shm")
    if shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("/dev/shm is on the same filesystem as tmp_path")
    source = shm / f"autoclip-test-{os.getpid()}-{tmp_path.name}.bin"
    payload = os.urandom(1 << 20)
    source.write_bytes(payload)
    try:
        storage = LocalStorage(tmp_path / "store")
        key = image_key("xfs", 1)
        (tmp_path / "store/images/xfs").mkdir(parents=True)
        storage.path(key).write_bytes(b"previous")
        where = Path(storage.put_file(key, source))
        assert where.read_bytes() == payload
        assert where.stat().st_ino != source.stat().st_ino
        assert partials(tmp_path) == []
    finally:
        source.unlink(missing_ok=True)
