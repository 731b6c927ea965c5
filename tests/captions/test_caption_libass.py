"""Captions drawn by the real libass inside ffmpeg: literal text, right place, highlight seen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from autoclip.captions.ass import escape_filter_path, render_ass
from autoclip.captions.layout import CaptionPage, TimedWord, layout_pages
from autoclip.captions.style import CaptionStyle, caption_style
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.kit.fonts import sans_font_path
from autoclip.options import Aspect
from autoclip.providers.narration.base import WordTiming

pytestmark = pytest.mark.e2e

SIZE = Aspect.VERTICAL.size
Pixels = npt.NDArray[np.uint8]


def draw(ass: str, out_dir: Path, *, at: float = 0.0, background: str = "black") -> Pixels:
    """The frame at `at` seconds of `ass` drawn over a plain background, as RGB pixels."""
    # a folder name with every character ffmpeg's filter syntax treats specially
    folder = out_dir / "it's a: test, [dir]; x"
    folder.mkdir()
    ass_path, png = folder / "captions.ass", out_dir / "frame.png"
    ass_path.write_text(ass, encoding="utf-8")
    width, height = SIZE
    font_dir = escape_filter_path(sans_font_path().parent)
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"color=c={background}:s={width}x{height}:d=2",
            "-vf", f"ass=filename={escape_filter_path(ass_path)}:fontsdir={font_dir}",
            "-ss", f"{at:.2f}", "-frames:v", "1", str(png),
        ],
        timeout=60,
        what="libass test render",
    )  # fmt: skip
    with Image.open(png) as image:
        return np.asarray(image.convert("RGB"))


def bbox(mask: npt.NDArray[np.bool_]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the True pixels, right and bottom exclusive."""
    rows, cols = np.nonzero(mask)
    assert rows.size, "nothing was drawn"
    return int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1


def bright(pixels: Pixels) -> npt.NDArray[np.bool_]:
    return np.asarray(pixels.max(axis=2) > 160)


def yellow(pixels: Pixels) -> npt.NDArray[np.bool_]:
    red, green, blue = (pixels[..., channel].astype(int) for channel in range(3))
    return np.asarray((red > 200) & (green > 150) & (blue < 90))


def one_page(text: str) -> CaptionPage:
    return CaptionPage([[TimedWord(text, 0.0, 1.0)]], 0.0, 2.0)


def assert_in_caption_zone(box: tuple[int, int, int, int], style: CaptionStyle) -> None:
    _, top, _, bottom = box
    baseline_zone = style.frame_height - style.margin_bottom
    assert baseline_zone - style.font_px <= bottom <= baseline_zone + 2
    assert top > style.frame_height / 2


def test_override_tags_in_user_text_are_drawn_literally(tmp_path: Path) -> None:
    style = caption_style(SIZE)
    pixels = draw(render_ass([one_page("{\\an8}hello\\Nworld")], style), tmp_path)
    box = bbox(bright(pixels))
    # {\an8} would have moved it to the top; \N would have made two lines
    assert_in_caption_zone(box, style)
    assert box[3] - box[1] < 1.2 * style.font_px


def test_the_pixel_check_would_catch_an_injected_override(tmp_path: Path) -> None:
    # Control for the test above: the same text written raw into the script does move.
    style = caption_style(SIZE)
    ass = render_ass([one_page("PLACEHOLDER")], style)
    ass = ass.replace("PLACEHOLDER", "{\\an8}hello\\Nworld")
    box = bbox(bright(draw(ass, tmp_path)))
    # \an8 anchors at the top (MarginV then counts from the top edge); \N breaks the line
    assert box[3] < style.frame_height / 2
    assert box[3] - box[1] > 1.5 * style.font_px


def test_korean_karaoke_page_is_drawn_inside_the_safe_area(tmp_path: Path) -> None:
    style = caption_style(SIZE)
    words = [
        "오늘은",
        "건강한",
        "수면",
        "습관에",
        "대해",
        "이야기해",
        "보겠습니다",
        "가장",
        "중요한",
        "것은",
    ]
    timings = [WordTiming(text=w, start=i * 0.2, end=i * 0.2 + 0.15) for i, w in enumerate(words)]
    pages = layout_pages(timings, SIZE, end_time=3.0)
    assert len(pages[0].lines) == 2
    # mid-grey background so the black outline and shadow count towards the extent
    pixels = draw(render_ass(pages, style), tmp_path, at=0.25, background="0x808080")
    ink = np.abs(pixels.astype(int) - 128).max(axis=2) > 40
    box = bbox(ink)
    left, _, right, bottom = box
    assert left >= style.margin_left
    assert right <= style.frame_width - style.margin_right
    assert_in_caption_zone(box, style)
    # the second word is the highlighted one at 0.25 s: gold, left of the centre line
    gold = yellow(pixels)
    assert gold.sum() > 500
    gold_left, gold_top, gold_right, _ = bbox(gold)
    assert left < gold_left
    assert gold_right < right
    assert gold_top < bottom - style.font_px  # on the first of the two lines
