"""A stage cache mirrored to S3: another machine's worker reuses finished entries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from autoclip.kit.storage import S3Storage
from autoclip.pipeline.cache import COMPLETE, StageCache, input_hash
from s3server import create_bucket, s3_client, s3_endpoint

__all__ = ["s3_endpoint"]
KEY = input_hash("narration", "shared", 1)


def _machines(endpoint: str, tmp_path: Path) -> tuple[StageCache, StageCache, S3Storage]:
    shared = S3Storage(create_bucket(endpoint), client=s3_client(endpoint))
    stages = frozenset({"narration"})
    first = StageCache(tmp_path / "machine-a", shared, stages)
    second = StageCache(tmp_path / "machine-b", shared, stages)
    return first, second, shared


def _make(calls: list[str]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        calls.append(folder.name)
        (folder / "scene.wav").write_bytes(b"RIFF audio")
        (folder / "sub").mkdir()
        (folder / "sub" / "narration.json").write_text('{"words": []}')

    return make


def test_an_entry_made_on_one_machine_is_fetched_on_another(
    s3_endpoint: str, tmp_path: Path
) -> None:
    first, second, shared = _machines(s3_endpoint, tmp_path)
    calls: list[str] = []
    _, reused = first.get_or_make("narration", KEY, _make(calls))
    assert not reused
    assert f"temp/stages/narration/{KEY}/{COMPLETE}" in shared.list_keys("temp/stages/")

    fetched, reused = second.get_or_make("narration", KEY, _make(calls))
    assert reused
    assert len(calls) == 1, "the second machine must not redo the stage"
    assert fetched.is_relative_to(tmp_path / "machine-b")
    assert (fetched / "scene.wav").read_bytes() == b"RIFF audio"
    assert (fetched / "sub" / "narration.json").read_text() == '{"words": []}'


def test_an_upload_cut_short_is_not_trusted(s3_endpoint: str, tmp_path: Path) -> None:
    _, second, shared = _machines(s3_endpoint, tmp_path)
    # What a worker killed mid-upload leaves: files, but no completion marker.
    shared.put_bytes(f"temp/stages/narration/{KEY}/scene.wav", b"half")
    calls: list[str] = []
    entry, reused = second.get_or_make("narration", KEY, _make(calls))
    assert not reused
    assert len(calls) == 1
    assert (entry / "scene.wav").read_bytes() == b"RIFF audio"


def test_stages_not_listed_stay_local(s3_endpoint: str, tmp_path: Path) -> None:
    first, _, shared = _machines(s3_endpoint, tmp_path)
    first.get_or_make("render", KEY, _make([]))
    assert shared.list_keys("temp/stages/") == []
