"""Background music is mixed under the voice; the user's own images and clips are used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autoclip.kit.ffmpeg import run_ffmpeg

from .media import (
    Rendered,
    band_level,
    generate,
    integrated_loudness,
    media_duration,
    only_stream,
    probe,
    read_rgb,
    write_text,
)

pytestmark = pytest.mark.e2e

MUSIC_HZ = 60.0  # below the voice: the narration alone has almost nothing there
TEXT = (
    "Sleep is when the body repairs itself.\n"
    "During deep sleep, the brain clears away waste.\n"
    "Coffee late in the day keeps you awake.\n"
)
SLEEP_COLOUR = (200, 40, 160)


def _lavfi(source: str, out: Path, *codec: str) -> Path:
    run_ffmpeg(["-f", "lavfi", "-i", source, *codec, str(out)], timeout=60, what="test media")
    return out


@pytest.fixture(scope="module")
def with_music(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("music")
    # 5 s of music under a ~13 s narration: the engine has to loop it
    music = _lavfi(f"sine=frequency={MUSIC_HZ:g}:sample_rate=44100:duration=5", folder / "bed.mp3")
    text = write_text(folder, "input.txt", TEXT)
    return generate(
        folder / "out", ["--text", str(text), "--language", "en", "--music", str(music)]
    )


@pytest.fixture(scope="module")
def assets_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("assets") / "mine"
    folder.mkdir()
    Image.new("RGB", (640, 480), SLEEP_COLOUR).save(folder / "sleep.png")
    _lavfi(
        "testsrc=size=320x240:rate=25:duration=2",
        folder / "coffee.mp4",
        "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
    )  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def with_assets(tmp_path_factory: pytest.TempPathFactory, assets_folder: Path) -> Rendered:
    folder = tmp_path_factory.mktemp("assets_run")
    text = write_text(folder, "input.txt", TEXT)
    args = ["--text", str(text), "--language", "en", "--assets", str(assets_folder)]
    return generate(folder / "out", args)


def test_music_video_has_audio_at_minus_14_lufs(with_music: Rendered, ffprobe: Path) -> None:
    info = probe(ffprobe, with_music.video)
    assert only_stream(info, "audio")["codec_name"] == "aac"
    duration = float(info["format"]["duration"])
    assert duration == pytest.approx(float(with_music.summary["duration_s"]), abs=0.1)
    assert duration > 10.0, "the narration should outlast the 5 s music so that it loops"
    assert integrated_loudness(with_music.video) == pytest.approx(-14.0, abs=1.0)


def test_music_is_heard_under_the_voice(with_music: Rendered, tmp_path: Path) -> None:
    # audio.mp3 is the narration alone: the music's tone must be far louder in the video
    video_level = band_level(with_music.video, MUSIC_HZ)
    voice_level = band_level(with_music.output("audio"), MUSIC_HZ)
    assert video_level > voice_level + 10, (video_level, voice_level)
    # and it is still there in the last seconds, after the 5 s file ran out (it loops)
    tail = tmp_path / "tail.wav"
    start = float(with_music.summary["duration_s"]) - 5.0
    run_ffmpeg(
        ["-ss", f"{start:.2f}", "-t", "2.5", "-i", str(with_music.video), "-vn", str(tail)],
        timeout=60,
    )
    assert band_level(tail, MUSIC_HZ) > voice_level + 10


def test_assets_render_works(with_assets: Rendered, ffprobe: Path) -> None:
    info = probe(ffprobe, with_assets.video)
    video = only_stream(info, "video")
    assert (video["width"], video["height"]) == (1080, 1920)
    assert media_duration(ffprobe, with_assets.video) == pytest.approx(
        float(with_assets.summary["duration_s"]), abs=0.1
    )


def test_scene_images_show_the_named_image(with_assets: Rendered) -> None:
    means = []
    for path in with_assets.images:
        pixels = read_rgb(path).astype(float)
        means.append((pixels.reshape(-1, 3).mean(axis=0), pixels.reshape(-1, 3).std(axis=0)))
    solid = [
        n
        for n, (mean, std) in enumerate(means, 1)
        if np.abs(mean - SLEEP_COLOUR).max() < 3 and std.max() < 3
    ]
    assert solid, "no scene image is the sleep.png asset"
    assert len(solid) < len(means), "every scene got the same image"


def test_scene_images_show_the_clip(
    with_assets: Rendered, assets_folder: Path, tmp_path: Path
) -> None:
    # the clip's own frame, covered onto the scene size the way a scene still is made
    expected = tmp_path / "clip_frame.png"
    run_ffmpeg(
        [
            "-ss", f"{2 / 3:.3f}", "-i", str(assets_folder / "coffee.mp4"), "-frames:v", "1",
            "-vf", "scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920",
            str(expected),
        ],
        timeout=60,
    )  # fmt: skip
    reference = read_rgb(expected).astype(int)
    differences = [
        float(np.abs(read_rgb(path).astype(int) - reference).mean()) for path in with_assets.images
    ]
    assert min(differences) < 12, f"no scene image is a frame of coffee.mp4: {differences}"
