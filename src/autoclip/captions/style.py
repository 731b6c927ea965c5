"""Caption geometry: font size, outline and safe margins for a frame, and text measurement.

One `CaptionStyle` is computed per frame size and shared by the line breaker (which measures
with it) and the ASS writer (which draws with it), so both always agree on the numbers.

Sizes are in frame pixels: the ASS script uses PlayResX/PlayResY equal to the frame size,
so an ASS pixel is a video pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont

from autoclip.kit.fonts import sans_font_path

# Words per page and seconds per page: two lines can be read at a glance, and a page that
# stays longer than ~3 s lags behind the voice.
MAX_LINES = 2
MAX_PAGE_SECONDS = 3.0

# libass has only Noto Sans KR Regular, so `Bold` is synthesised by emboldening each glyph
# outline (about 1/64 em wider), and harfbuzz shaping in libass differs slightly from
# Pillow's. A small proportional allowance keeps predicted widths on the safe side.
_RENDER_WIDTH_FACTOR = 1.02


@dataclass(frozen=True)
class CaptionStyle:
    """Everything about how captions look on one frame size."""

    frame_width: int
    frame_height: int
    font_px: int  # the em size the viewer sees, in pixels (what Pillow measures with)
    font_size: int  # the ASS `Fontsize`, which libass maps to the font's line height, not em
    outline: int  # border thickness in pixels, drawn outside the glyphs
    shadow: int  # drop-shadow offset in pixels (0: none)
    margin_left: int
    margin_right: int
    margin_bottom: int  # from the frame's bottom edge to the bottom of the text block
    max_lines: int = MAX_LINES
    max_page_seconds: float = MAX_PAGE_SECONDS
    font_path: Path | None = None  # None: the bundled Noto Sans KR

    @property
    def safe_width(self) -> int:
        """Width available to a line, outline included."""
        return self.frame_width - self.margin_left - self.margin_right

    def text_width(self, text: str) -> float:
        """Predicted on-screen width of `text` on one line, outline and synthetic bold included."""
        length = _text_length(self.font_path or sans_font_path(), self.font_px, text)
        return length * _RENDER_WIDTH_FACTOR + 2 * self.outline

    def fits(self, text: str) -> bool:
        return self.text_width(text) <= self.safe_width


def caption_style(frame_size: tuple[int, int]) -> CaptionStyle:
    """The caption style for a frame of `frame_size` (width, height) pixels.

    Vertical (9:16) frames are watched inside Shorts/TikTok/Reels, whose UI covers the bottom
    ~20% (description, music) and a column of action buttons along the right ~12%. Captions
    are therefore centred with 12% side margins (so the right one clears the buttons and the
    block stays centred) and lifted so the text block ends 27% above the bottom edge.
    Landscape and square frames have no overlay UI, so ordinary subtitle margins are used.
    """
    width, height = frame_size
    if width <= 0 or height <= 0:
        raise ValueError(f"frame size must be positive, got {frame_size}")
    aspect = width / height
    if aspect < 0.8:  # vertical
        font_px = 0.062 * width
        side, bottom = 0.12 * width, 0.27 * height
    elif aspect > 1.25:  # landscape
        font_px = 0.055 * height
        side, bottom = 0.08 * width, 0.09 * height
    else:  # square-ish
        font_px = 0.058 * width
        side, bottom = 0.08 * width, 0.10 * height
    px = max(8, round(font_px))
    return CaptionStyle(
        frame_width=width,
        frame_height=height,
        font_px=px,
        font_size=ass_font_size(px),
        outline=max(1, round(px * 0.09)),
        # No drop shadow: the thick outline already separates text from any background,
        # and libass blending a shadow layer on every frame cost 5 s of CPU per minute
        # of 1080x1920 video (half of all caption work).
        shadow=0,
        # rounded up: a margin is a minimum, e.g. the right one must clear the buttons
        margin_left=math.ceil(side),
        margin_right=math.ceil(side),
        margin_bottom=round(bottom),
    )


def ass_font_size(font_px: int, font_path: Path | None = None) -> int:
    """The ASS `Fontsize` that gives an em of `font_px` pixels in libass.

    libass (like VSFilter) scales a font so that `Fontsize` equals the GDI line height,
    usWinAscent + usWinDescent; for Noto Sans KR that is 1.448 em, so Fontsize 97 draws a
    67 px em. Without this conversion captions would come out about a third smaller than
    measured and lines would be broken far too early.
    """
    line_height_em = _win_line_height_em(font_path or sans_font_path())
    return round(font_px * line_height_em)


@cache
def _win_line_height_em(font_path: Path) -> float:
    with TTFont(font_path, lazy=True) as font:
        units_per_em = float(font["head"].unitsPerEm)
        if "OS/2" in font:
            os2 = font["OS/2"]
            height = float(os2.usWinAscent + os2.usWinDescent)
        else:
            hhea = font["hhea"]
            height = float(hhea.ascent - hhea.descent)
    return height / units_per_em if height > 0 else 1.0


@cache
def _pillow_font(font_path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path), size)


# Line breaking measures each growing line again for every word added; caching the lengths
# keeps a ten-minute script's layout well under a second.
@lru_cache(maxsize=8192)
def _text_length(font_path: Path, size: int, text: str) -> float:
    return float(_pillow_font(font_path, size).getlength(text))
