"""Captions are really drawn into the Korean video: white text, a gold word, Hangul glyphs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autoclip.captions.ass import escape_filter_path
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.kit.fonts import CAPTION_FONT_FAMILY, sans_font_path

from .media import (
    Mask,
    Pixels,
    Rendered,
    frame_at,
    highlight_yellow,
    near_white,
    read_rgb,
    srt_cues,
)

pytestmark = pytest.mark.e2e

BAND = (0.55, 0.80)  # where the captions sit, as fractions of the frame height


def band(pixels: Pixels) -> Pixels:
    height = pixels.shape[0]
    return pixels[int(height * BAND[0]) : int(height * BAND[1])]


def caption_moment(rendered: Rendered) -> tuple[float, str]:
    """The middle of the second caption cue (the first may be the short hook)."""
    cues = srt_cues(rendered.output("captions_srt").read_text("utf-8"))
    assert len(cues) >= 2
    start, end, text = cues[1]
    return round((start + end) / 2, 3), text


def draw_ass_alone(ass: Path, fonts: Path, size: tuple[int, int], at: float, png: Path) -> Pixels:
    """The captions of `ass` at `at` seconds drawn by libass over black."""
    width, height = size
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"color=c=black:s={width}x{height}:r=30:d={at + 1:.3f}",
            "-vf", f"ass=filename={escape_filter_path(ass)}:fontsdir={escape_filter_path(fonts)}",
            "-ss", f"{at:.3f}", "-frames:v", "1", "-update", "1", str(png),
        ],
        timeout=120,
        what="libass reference render",
    )  # fmt: skip
    return read_rgb(png)


def text_mask(pixels: Pixels) -> Mask:
    return np.asarray(near_white(pixels) | highlight_yellow(pixels))


def overlap(a: Mask, b: Mask) -> float:
    """Intersection over union of two masks."""
    union = int((a | b).sum())
    return int((a & b).sum()) / union if union else 0.0


@pytest.fixture(scope="module")
def caption_frame(ko_vertical: Rendered, tmp_path_factory: pytest.TempPathFactory) -> Pixels:
    at, _ = caption_moment(ko_vertical)
    png = tmp_path_factory.mktemp("frames") / "caption_frame.png"
    return frame_at(ko_vertical.video, at, png)


def test_caption_band_has_white_text_and_a_gold_word(
    caption_frame: Pixels, ko_vertical: Rendered
) -> None:
    assert caption_frame.shape[:2] == (1920, 1080)
    caption = band(caption_frame)
    white, gold = int(near_white(caption).sum()), int(highlight_yellow(caption).sum())
    assert white > 3000, f"only {white} near-white pixels in the caption band"
    assert gold > 500, f"only {gold} highlight-yellow pixels in the caption band"
    # control: the scene picture under the captions has neither
    with_text = sum(int(near_white(band(read_rgb(p))).sum()) for p in ko_vertical.images)
    gold_in_scenes = sum(int(highlight_yellow(band(read_rgb(p))).sum()) for p in ko_vertical.images)
    assert with_text / len(ko_vertical.images) < white / 4
    assert gold_in_scenes / len(ko_vertical.images) < gold / 10


def test_gold_word_has_a_dark_outline(caption_frame: Pixels) -> None:
    caption = band(caption_frame)
    gold = highlight_yellow(caption)
    rows, cols = np.nonzero(gold)
    assert rows.size
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    box = caption[max(top - 8, 0) : bottom + 8, max(left - 8, 0) : right + 8]
    dark = box.max(axis=2) < 50
    assert dark.sum() > 0.2 * gold.sum(), "no dark outline around the highlighted word"


def test_korean_is_drawn_as_glyphs_not_boxes(
    caption_frame: Pixels, ko_vertical: Rendered, tmp_path: Path
) -> None:
    at, text = caption_moment(ko_vertical)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in text), f"cue {text!r} has no Hangul"
    size = (caption_frame.shape[1], caption_frame.shape[0])
    ass = ko_vertical.output("captions_ass")
    # the same captions drawn with Noto Sans KR, as the engine does...
    right = draw_ass_alone(ass, sans_font_path().parent, size, at, tmp_path / "noto.png")
    # ...and with a font name nothing provides and no font folder: libass falls back to a
    # system font without Hangul, so every syllable becomes a box (or nothing).
    no_hangul = tmp_path / "no_hangul.ass"
    no_hangul.write_text(
        ass.read_text("utf-8").replace(CAPTION_FONT_FAMILY, "No Such Font Family"), "utf-8"
    )
    empty = tmp_path / "empty_fonts"
    empty.mkdir()
    wrong = draw_ass_alone(no_hangul, empty, size, at, tmp_path / "boxes.png")

    video_mask = text_mask(band(caption_frame))
    right_mask, wrong_mask = text_mask(band(right)), text_mask(band(wrong))
    # the control: the two references really differ, or the comparison proves nothing
    assert overlap(right_mask, wrong_mask) < 0.5
    match_right, match_wrong = overlap(video_mask, right_mask), overlap(video_mask, wrong_mask)
    assert match_right > 0.6, f"video captions match the Noto rendering only {match_right:.2f}"
    assert match_right > 2 * match_wrong, (match_right, match_wrong)
