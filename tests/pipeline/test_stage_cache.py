"""StageCache: entries appear whole or not at all, and racing builders agree."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autoclip.pipeline.cache import StageCache, file_fingerprint, input_hash

KEY = input_hash("narration", "hello", 1.0)


def leftovers(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if ".partial" in path.name]


def test_first_call_makes_then_the_entry_is_reused(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "stages")
    calls: list[Path] = []

    def make(folder: Path) -> None:
        calls.append(folder)
        assert folder.is_dir()
        assert not any(folder.iterdir())
        (folder / "out.txt").write_text("made", encoding="utf-8")

    entry, found = cache.get_or_make("narration", KEY, make)
    assert (entry, found) == (cache.entry("narration", KEY), False)
    assert entry == tmp_path / "stages" / "narration" / KEY[:2] / KEY
    assert (entry / "out.txt").read_text(encoding="utf-8") == "made"
    assert calls[0] != entry  # built elsewhere, then renamed into place

    again, found = cache.get_or_make("narration", KEY, make)
    assert (again, found) == (entry, True)
    assert len(calls) == 1
    assert cache.lookup("narration", KEY) == entry
    assert cache.lookup("narration", input_hash("other")) is None
    assert leftovers(tmp_path) == []


def test_a_failing_make_leaves_nothing(tmp_path: Path) -> None:
    root = tmp_path / "stages"
    cache = StageCache(root)
    seen: list[Path] = []

    def make(folder: Path) -> None:
        seen.append(folder)
        (folder / "half.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("stage broke")

    with pytest.raises(RuntimeError, match="stage broke"):
        cache.get_or_make("render", KEY, make)
    assert not seen[0].exists()
    assert cache.lookup("render", KEY) is None
    # the empty key-prefix and stage folders are pruned too; the root itself stays
    assert root.is_dir()
    assert list(root.iterdir()) == []


def test_a_failure_keeps_folders_other_entries_use(tmp_path: Path) -> None:
    root = tmp_path / "stages"
    cache = StageCache(root)
    other = input_hash("other entry")

    def fine(folder: Path) -> None:
        (folder / "ok").write_bytes(b"1")

    kept, _ = cache.get_or_make("render", other, fine)

    def boom(folder: Path) -> None:
        raise KeyboardInterrupt  # BaseException: cleaned up just the same

    with pytest.raises(KeyboardInterrupt):
        cache.get_or_make("render", KEY, boom)
    assert (kept / "ok").read_bytes() == b"1"
    assert (root / "render").is_dir()
    assert leftovers(root) == []
    assert {p.name for p in (root / "render").iterdir()} == {other[:2]}


def test_racing_threads_both_get_a_complete_entry(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "stages")
    both_building = threading.Barrier(2, timeout=30)
    results: dict[str, tuple[Path, bool]] = {}
    errors: list[BaseException] = []

    def make(folder: Path) -> None:
        name = threading.current_thread().name
        (folder / "part1").write_text(name, encoding="utf-8")
        both_building.wait()  # neither has finished: both must really build
        (folder / "part2").write_text(name, encoding="utf-8")

    def worker() -> None:
        try:
            results[threading.current_thread().name] = cache.get_or_make("tts", KEY, make)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, name=f"builder{n}") for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert set(results) == {"builder0", "builder1"}
    entry = cache.entry("tts", KEY)
    assert list(results.values()) == [(entry, False), (entry, False)]
    # one builder's complete output survived, not a mix of both
    part1 = (entry / "part1").read_text(encoding="utf-8")
    part2 = (entry / "part2").read_text(encoding="utf-8")
    assert part1 == part2
    assert part1 in results
    assert sorted(p.name for p in entry.iterdir()) == ["part1", "part2"]
    assert list(entry.parent.iterdir()) == [entry]
    assert leftovers(tmp_path) == []


def test_input_hash_is_stable_and_order_sensitive(tmp_path: Path) -> None:
    assert input_hash("a", [1, 2], {"x": 1, "y": 2}) == input_hash("a", [1, 2], {"y": 2, "x": 1})
    assert input_hash([1, 2]) != input_hash([2, 1])
    assert input_hash("a", "b") != input_hash("b", "a")
    assert input_hash("ab") != input_hash("a", "b")
    assert input_hash(1) != input_hash("1")
    assert input_hash(tmp_path / "x") == input_hash(str(tmp_path / "x"))
    assert len(KEY) == 64
    assert int(KEY, 16) >= 0
    # the same in a fresh interpreter (no per-process hash seed in play)
    code = "from autoclip.pipeline.cache import input_hash; print(input_hash('a', [1, 2], 'ü'))"
    fresh = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert fresh.stdout.strip() == input_hash("a", [1, 2], "ü")


def test_file_fingerprint_follows_content(tmp_path: Path) -> None:
    first, second = tmp_path / "a.bin", tmp_path / "b.bin"
    first.write_bytes(b"x" * (3 << 20))
    second.write_bytes(b"x" * (3 << 20))
    assert file_fingerprint(first) == file_fingerprint(second)
    second.write_bytes(b"x" * (3 << 20) + b"y")
    assert file_fingerprint(first) != file_fingerprint(second)
