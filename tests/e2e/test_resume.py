"""Re-running a generation reuses the stage cache; editing one scene redoes only that scene."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .media import Rendered, frame_at, generate, read_rgb, srt_cues, stage_entries, write_text

pytestmark = pytest.mark.e2e

TEXT = (
    "Coffee keeps you awake for hours.\n"
    "Caffeine blocks the signal that makes you sleepy.\n"
    "Stop drinking coffee after two in the afternoon.\n"
)
NEW_NARRATION = "Tea has caffeine too, so switch to water in the evening."
NEW_ON_SCREEN = "Water after dinner"
STAGES = ("narration", "track", "visuals", "captions", "render", "thumbnail", "script")
PICTURE_RGB = (200, 30, 40)  # a solid colour no card of the tech palette is close to


@dataclass(frozen=True)
class Runs:
    root: Path
    first: Rendered
    second: Rendered
    counts: dict[str, dict[str, int]]  # run name -> stage -> new cache entries
    narration_edit: Rendered
    text_edit: Rendered
    picture_edit: Rendered
    original_video: bytes
    first_track: str  # the first run's narration track: the picture edit keeps it


def _entries(root: Path) -> dict[str, set[str]]:
    return {stage: stage_entries(root, stage) for stage in STAGES}


def _new(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, int]:
    return {stage: len(after[stage] - before[stage]) for stage in STAGES}


def _edit(script_path: Path, out: Path, **changes: str) -> Path:
    data = json.loads(script_path.read_text("utf-8"))
    assert len(data["scenes"]) >= 2
    data["scenes"][0].update(changes)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    folder = tmp_path_factory.mktemp("resume")
    root = folder / "out"
    args = ["--text", str(write_text(folder, "input.txt", TEXT)), "--language", "en"]
    counts: dict[str, dict[str, int]] = {}

    first = generate(root, args)
    original_video = first.video.read_bytes()
    (first_track,) = stage_entries(root, "track")
    before = _entries(root)
    second = generate(root, args)
    counts["second"] = _new(before, _entries(root))

    before = _entries(root)
    edited = _edit(first.output("script"), folder / "edited.json", narration=NEW_NARRATION)
    narration_edit = generate(root, ["--script", str(edited), "--language", "en"])
    counts["narration_edit"] = _new(before, _entries(root))

    before = _entries(root)
    retitled = _edit(first.output("script"), folder / "retitled.json", on_screen_text=NEW_ON_SCREEN)
    text_edit = generate(root, ["--script", str(retitled), "--language", "en"])
    counts["text_edit"] = _new(before, _entries(root))

    # The first body scene shows a picture of the user's own: a file beside the script.
    Image.new("RGB", (640, 480), PICTURE_RGB).save(folder / "red.png")
    before = _entries(root)
    pictured = _edit(first.output("script"), folder / "pictured.json", picture_id="red.png")
    picture_edit = generate(root, ["--script", str(pictured), "--language", "en"])
    counts["picture_edit"] = _new(before, _entries(root))
    return Runs(
        root, first, second, counts, narration_edit, text_edit, picture_edit, original_video,
        first_track,
    )  # fmt: skip


def test_second_run_reuses_every_stage(runs: Runs) -> None:
    assert runs.second.content_id == runs.first.content_id
    reused = runs.second.summary["reused"]
    computed = {stage: value for stage, value in reused.items() if stage != "publish"}
    assert computed, reused
    assert all(computed.values()), reused
    assert all(count == 0 for count in runs.counts["second"].values()), runs.counts["second"]


def test_second_run_gives_the_very_same_video(runs: Runs) -> None:
    # How much faster the reuse is belongs to a benchmark, not a test: that every stage was
    # reused (above) and the result is byte for byte the first one is what must hold.
    assert runs.second.video.read_bytes() == runs.original_video


def test_editing_one_narration_redoes_that_scene_only(runs: Runs) -> None:
    new = runs.counts["narration_edit"]
    assert new["narration"] == 1, new
    assert new["visuals"] == 0, new  # the on-screen text did not change
    assert new["track"] == 1
    assert new["captions"] == 1
    assert new["render"] == 1
    reused = runs.narration_edit.summary["reused"]
    assert reused["narration"] is False
    assert reused["visuals"] is True
    assert reused["captions"] is False
    assert reused["render"] is False


def test_editing_one_on_screen_text_redoes_that_visual_only(runs: Runs) -> None:
    new = runs.counts["text_edit"]
    assert new["narration"] == 0, new
    assert new["visuals"] == 1, new
    assert new["render"] == 1, new
    reused = runs.text_edit.summary["reused"]
    assert reused["narration"] is True
    assert reused["visuals"] is False
    assert reused["render"] is False


def test_edited_outputs_are_updated(runs: Runs) -> None:
    edited = runs.narration_edit
    assert edited.script.scenes[0].narration == NEW_NARRATION
    assert edited.video.is_file()
    assert edited.video.read_bytes() != runs.original_video
    captions = " ".join(text for _, _, text in srt_cues(edited.output("captions_srt").read_text()))
    assert "switch" in captions
    assert "switch" not in runs.first.output("captions_srt").read_text()
    assert float(edited.summary["duration_s"]) != float(runs.first.summary["duration_s"])
    assert runs.text_edit.script.scenes[0].on_screen_text == NEW_ON_SCREEN
    # scene_2.png is the first body scene: only it changes when its on-screen text does
    first_images = [p.read_bytes() for p in runs.first.images]
    text_images = [p.read_bytes() for p in runs.text_edit.images]
    changed = [
        n for n, (a, b) in enumerate(zip(first_images, text_images, strict=True), 1) if a != b
    ]
    assert changed == [2]


def test_a_scenes_own_picture_redoes_that_visual_only(runs: Runs) -> None:
    new = runs.counts["picture_edit"]
    assert new["narration"] == 0, new
    assert new["track"] == 0, new
    assert new["captions"] == 0, new
    assert new["visuals"] == 1, new
    assert new["render"] == 1, new
    reused = runs.picture_edit.summary["reused"]
    assert reused["narration"] is True
    assert reused["visuals"] is False


def test_a_scenes_own_picture_is_what_the_scene_shows(runs: Runs, tmp_path: Path) -> None:
    edited = runs.picture_edit
    assert edited.script.scenes[0].picture_id == "red.png"
    first_images = [p.read_bytes() for p in runs.first.images]
    changed = [
        n for n, (a, b) in enumerate(zip(first_images, [p.read_bytes() for p in edited.images],
                                         strict=True), 1) if a != b
    ]  # fmt: skip
    assert changed == [2]
    still = read_rgb(edited.images[1]).reshape(-1, 3).mean(axis=0)
    assert np.abs(still - PICTURE_RGB).max() < 3, still
    # In the video: the middle of the first body scene (its place on the narration track).
    entry = next((runs.root / "temp" / "stages" / "track").glob(f"*/{runs.first_track}"))
    offsets = json.loads((entry / "track.json").read_text())["offsets"]
    middle = (offsets[1] + offsets[2]) / 2
    frame = frame_at(edited.video, middle, tmp_path / "frame.png").reshape(-1, 3).mean(axis=0)
    # Captions cover a part of the frame: the picture's colour still rules the mean.
    assert np.abs(frame - PICTURE_RGB).max() < 40, frame
