"""Caption styles, templates and brand kits on real renders, one per aspect ratio.

Three short draft videos, each in a different look, are made by the real CLI; a frame in
the middle of a caption cue is decoded and checked where the look draws: the spoken word's
colour in the caption area, the logo in its corner, the news band's accent stripe. The
frames are kept beside the outputs (`look-*.png`) for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from fontTools import subset
from PIL import Image, ImageDraw

from autoclip.kit.fonts import sans_font_path

from .conftest import KO_SHORT_TEXT
from .media import (
    Pixels,
    frame_at,
    generate,
    media_duration,
    only_stream,
    probe,
    run_cli,
    srt_cues,
    write_text,
)


def _logo(path: Path) -> Path:
    """A red badge with a white dot: a colour no card and no caption uses."""
    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 399, 199), 50, fill=(230, 20, 20, 255))
    draw.ellipse((40, 50, 140, 150), fill=(255, 255, 255, 255))
    image.save(path)
    return path


def _mid_cue(srt: Path) -> float:
    start, end, _ = srt_cues(srt.read_text("utf-8"))[1]
    return (start + end) / 2


def _share(pixels: Pixels, colour: tuple[int, int, int], tolerance: int = 60) -> float:
    distance = np.abs(pixels.astype(np.int16) - np.array(colour, dtype=np.int16)).max(axis=2)
    return float((distance <= tolerance).mean())


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("looks")
    write_text(folder, "input.txt", KO_SHORT_TEXT)
    _logo(folder / "logo.png")
    shutil.copyfile(sans_font_path(), folder / "brand.otf")
    return folder


@pytest.mark.parametrize(
    ("aspect", "look", "checks"),
    [
        # 9:16: the tech template (one yellow word popping under the card), logo top left
        ("9:16", ["--template", "tech_pop", "--logo", "logo.png", "--logo-position",
                  "top_left"], "pop+logo"),
        # 16:9: the news band in a brand's green accent
        ("16:9", ["--caption-style", "news", "--accent-colour", "#00C853"], "news"),
        # 1:1: karaoke fill in a brand colour, set in an uploaded font
        ("1:1", ["--caption-style", "karaoke", "--highlight-colour", "#00B0FF",
                 "--font", "brand.otf", "--logo", "logo.png"], "karaoke+logo"),
    ],
)  # fmt: skip
def test_look_renders(
    inputs: Path, ffprobe: Path, aspect: str, look: list[str], checks: str
) -> None:
    args = [a if not (inputs / a).is_file() else str(inputs / a) for a in look]
    out = inputs / f"out-{aspect.replace(':', 'x')}"
    text = str(inputs / "input.txt")
    rendered = generate(out, ["--text", text, "--aspect", aspect, "--draft", *args])
    video = rendered.video
    info = probe(ffprobe, video)
    width, height = only_stream(info, "video")["width"], only_stream(info, "video")["height"]
    assert only_stream(info, "audio")["codec_name"] == "aac"
    assert abs(media_duration(ffprobe, video) - rendered.summary["duration_s"]) < 0.2
    at = _mid_cue(rendered.output("captions_srt"))
    frame = frame_at(video, at, inputs / f"look-{aspect.replace(':', 'x')}.png")
    assert frame.shape[:2] == (height, width)
    lower = frame[height // 2 :, :]
    if "pop" in checks:
        # one word: yellow text, and much less white type than a two-line page
        assert _share(lower, (255, 229, 0)) > 0.002
    if "karaoke" in checks:
        assert _share(lower, (0, 176, 255)) > 0.001  # the swept words in the brand colour
    if "news" in checks:
        stripe = frame[int(height * 0.72) : int(height * 0.86), 2:20]
        assert _share(stripe, (0, 200, 83)) > 0.8  # the band's accent block, left edge
    if "logo" in checks:
        corner = frame[: height // 4, :]
        left, right = corner[:, : width // 2], corner[:, width // 2 :]
        logo_left = "top_left" in look
        assert _share(left if logo_left else right, (230, 20, 20)) > 0.01
        assert _share(right if logo_left else left, (230, 20, 20)) < 0.001


def test_a_font_without_hangul_is_refused_naming_the_characters(inputs: Path) -> None:
    latin = inputs / "latin.ttf"
    options = subset.Options()
    options.flavor = None
    font = subset.load_font(str(sans_font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    subsetter.subset(font)
    font.save(str(latin))
    done = run_cli(
        ["generate", "--text", str(inputs / "input.txt"), "--font", str(latin), "--json"],
        inputs / "xdg-refused",
    )
    assert done.returncode == 2, done.stderr
    assert "font:" in done.stderr, done.stderr
    assert "가" in done.stderr, done.stderr  # the missing characters are named
