"""A brand kit's intro and outro on real renders, by the real CLI, in two aspect ratios.

The same short is made three times into one storage root: plain (16:9), then with a
vertical intro clip and an outro card (16:9, with a music bed), then with an intro card
and a wide outro clip (1:1). The later two reuse the plain run's narration, visuals and
captions stages, so their bodies are the plain one frame for frame, and what differs is
the intro and the outro: the lengths add up within a frame, the captions move by the
intro, a clip is fitted into the frame (bars, not a stretch), its sound is kept, the music
bed runs under the whole video, and the thumbnail is the body's. The frames looked at are
kept beside the outputs (`bookend-*.png`).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from autoclip.kit.ffmpeg import ffmpeg_binary, run_ffmpeg

from .conftest import KO_SHORT_TEXT
from .media import (
    Pixels,
    Rendered,
    band_level,
    frame_at,
    generate,
    only_stream,
    probe,
    read_rgb,
    srt_cues,
)

FPS = 30
ACCENT = (30, 136, 229)  # #1E88E5
LOGO_RED = (230, 20, 20)
CLIP_TONE, MUSIC_TONE = 880.0, 220.0


def _clip(path: Path, size: str, seconds: float, tone: float | None) -> Path:
    sound = ["-f", "lavfi", "-i", f"sine=f={tone}:d={seconds}", "-shortest"] if tone else []
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc2=size={size}:rate=25:duration={seconds}", *sound,
         "-pix_fmt", "yuv420p", str(path)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path


def _logo(path: Path) -> Path:
    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).rounded_rectangle((0, 0, 399, 199), 50, fill=(*LOGO_RED, 255))
    image.save(path)
    return path


def _share(pixels: Pixels, colour: tuple[int, int, int], tolerance: int = 40) -> float:
    distance = np.abs(pixels.astype(np.int16) - np.array(colour, dtype=np.int16)).max(axis=2)
    return float((distance <= tolerance).mean())


def _seconds(ffprobe: Path, path: Path) -> float:
    return float(probe(ffprobe, path)["format"]["duration"])


def _frames(ffprobe: Path, video: Path) -> int:
    return int(only_stream(probe(ffprobe, video), "video")["nb_frames"])


def _cut(video: Path, start: float, length: float, out: Path) -> Path:
    run_ffmpeg(
        ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", "-i", str(video), "-vn", str(out)],
        timeout=120,
        what="audio cut",
    )
    return out


@dataclass(frozen=True)
class Made:
    plain: Rendered
    wide: Rendered  # 16:9: vertical intro clip, outro card, music
    square: Rendered  # 1:1: intro card, wide outro clip
    folder: Path


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    folder = tmp_path_factory.mktemp("bookends")
    (folder / "input.txt").write_text(KO_SHORT_TEXT, "utf-8")
    _clip(folder / "tall.mp4", "360x640", 1.5, CLIP_TONE)
    _clip(folder / "wide.mp4", "640x360", 2.0, None)
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
         f"sine=f={MUSIC_TONE}:d=60", str(folder / "bed.wav")],
        check=True,
        timeout=60,
    )  # fmt: skip
    _logo(folder / "logo.png")
    out = folder / "out"
    text = ["--text", str(folder / "input.txt"), "--draft"]
    plain = generate(out, [*text, "--aspect", "16:9"])
    wide = generate(out, [*text, "--aspect", "16:9", "--intro", str(folder / "tall.mp4"),
                          "--outro-card", "오토클립 채널", "--accent-colour", "#1E88E5",
                          "--logo", str(folder / "logo.png"),
                          "--music", str(folder / "bed.wav")])  # fmt: skip
    square = generate(out, [*text, "--aspect", "1:1", "--intro-card", "오토클립",
                            "--intro-seconds", "1",
                            "--outro", str(folder / "wide.mp4")])  # fmt: skip
    return Made(plain, wide, square, folder)


def test_lengths_streams_and_captions_add_up(made: Made, ffprobe: Path) -> None:
    body = _frames(ffprobe, made.plain.video)
    tall = round(_seconds(ffprobe, made.folder / "tall.mp4") * FPS)
    wide = round(_seconds(ffprobe, made.folder / "wide.mp4") * FPS)
    plain_cue = srt_cues(made.plain.output("captions_srt").read_text("utf-8"))[0][0]
    for rendered, size, intro, outro in (
        (made.wide, (1280, 720), tall, 2 * FPS),
        (made.square, (720, 720), 1 * FPS, wide),
    ):
        info = probe(ffprobe, rendered.video)
        video, audio = only_stream(info, "video"), only_stream(info, "audio")
        assert (video["width"], video["height"]) == size
        assert video["codec_name"] == "h264"
        assert audio["codec_name"] == "aac"
        frames = int(video["nb_frames"])
        assert frames == intro + body + outro
        seconds = float(info["format"]["duration"])
        assert abs(seconds - frames / FPS) <= 1 / FPS
        assert abs(float(audio["duration"]) - frames / FPS) <= 1 / FPS
        assert abs(rendered.summary["duration_s"] - frames / FPS) <= 1 / FPS
        # the captions moved by exactly the intro
        cues = srt_cues(rendered.output("captions_srt").read_text("utf-8"))
        assert abs(cues[0][0] - (plain_cue + intro / FPS)) < 0.002
        assert cues[-1][1] <= (intro + body) / FPS + 0.001  # none over the outro
    # the thumbnail is drawn from the body's scenes, never from the intro (whose frames
    # are the clip between black bars)
    thumbnail = read_rgb(made.wide.output("thumbnail"))
    assert thumbnail.shape[:2] == (720, 1280)
    assert thumbnail[:, :400].mean() > 12
    assert thumbnail[:, -400:].mean() > 12


def test_frames_of_intro_body_and_outro(made: Made, ffprobe: Path) -> None:
    folder = made.folder
    # 16:9: the vertical clip fitted between black bars, never stretched
    intro = frame_at(made.wide.video, 0.75, folder / "bookend-16x9-intro.png")
    assert intro.shape[:2] == (720, 1280)
    bars = np.concatenate([intro[:, :400], intro[:, -400:]], axis=1)
    assert bars.mean() < 12
    picture = intro[:, 500:780]
    assert picture.mean() > 40
    # no watermark over the brand's own intro (it would sit in the right-hand bar)
    assert _share(intro[: 720 // 4, 880:], LOGO_RED) < 0.001
    cue = srt_cues(made.wide.output("captions_srt").read_text("utf-8"))[1]
    body = frame_at(made.wide.video, (cue[0] + cue[1]) / 2, folder / "bookend-16x9-body.png")
    assert _share(body[: 720 // 4, 640:], LOGO_RED) > 0.01  # the watermark is back
    assert body[:, :400].mean() > 12  # a full-frame scene, no bars
    end = _seconds(ffprobe, made.wide.video)
    outro = frame_at(made.wide.video, end - 0.5, folder / "bookend-16x9-outro.png")
    assert _share(outro, ACCENT) > 0.6  # the card on the brand's accent
    assert _share(outro, LOGO_RED) > 0.02  # with the logo
    assert (outro.min(axis=2) < 40).mean() > 0.002  # and its text in black on the blue

    # 1:1: the card (no accent: near-black ground, white text), the 16:9 clip letterboxed
    card = frame_at(made.square.video, 0.5, folder / "bookend-1x1-intro.png")
    assert card.shape[:2] == (720, 720)
    assert _share(card, (17, 17, 17), 12) > 0.8
    assert (card.min(axis=2) > 215).mean() > 0.005
    end = _seconds(ffprobe, made.square.video)
    outro = frame_at(made.square.video, end - 1.0, folder / "bookend-1x1-outro.png")
    assert outro[:150].mean() < 12  # bars above and below the 720x405 picture
    assert outro[-150:].mean() < 12
    assert outro[200:520].mean() > 40


def test_sound_of_intro_clip_and_music_under_the_whole_video(made: Made, ffprobe: Path) -> None:
    folder = made.folder
    video = made.wide.video
    end = _seconds(ffprobe, video)
    intro = _cut(video, 0.1, 1.2, folder / "intro.wav")
    outro = _cut(video, end - 1.5, 1.2, folder / "outro.wav")
    assert band_level(intro, CLIP_TONE) > -45  # the clip's own sound is kept
    assert band_level(outro, MUSIC_TONE) > -50  # the bed plays on under the outro card
    assert band_level(outro, CLIP_TONE) < band_level(intro, CLIP_TONE) - 20
    # without music, an intro card is silent and the voice starts after it
    square = made.square.video
    card = _cut(square, 0.0, 0.9, folder / "card.wav")
    voiced = _cut(square, 1.2, 2.0, folder / "voiced.wav")
    assert _mean_volume(card) < -60
    assert _mean_volume(voiced) > -35


def _mean_volume(path: Path) -> float:
    stderr = run_ffmpeg(["-i", str(path), "-af", "volumedetect", "-f", "null", "-"],
                        timeout=60, what="volume")  # fmt: skip
    for line in stderr.splitlines():
        if "mean_volume:" in line:
            value = line.split("mean_volume:")[1].split()[0]
            return float("-inf") if value == "-inf" else float(value)
    raise AssertionError(f"no mean volume in: {stderr[-400:]}")
