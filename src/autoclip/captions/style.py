"""Caption geometry: font size, outline and safe margins for a frame, and text measurement.

One `CaptionStyle` is computed per frame size and caption look (`captions/presets.py`) and
shared by the line breaker (which measures with it) and the ASS writer (which draws with
it), so both always agree on the numbers.

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

from autoclip.captions.presets import PRESETS, CaptionLook, CaptionPosition, CaptionStyleName
from autoclip.kit.emoji import EMOJI_EM, has_emoji, split_emoji
from autoclip.kit.fonts import CAPTION_FONT_FAMILY, sans_font_path

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
    # From the frame edge the captions are aligned to (the bottom, or the top for `top`)
    # to the text block; unused for captions in the middle.
    margin_bottom: int
    max_lines: int = MAX_LINES
    max_page_seconds: float = MAX_PAGE_SECONDS
    font_path: Path | None = None  # None: the bundled Noto Sans KR
    font_family: str = CAPTION_FONT_FAMILY  # the family name libass looks the font up by
    alignment: int = 2  # ASS numpad alignment: 2 bottom centre, 1 bottom left, 8 top
    look: CaptionLook = PRESETS[CaptionStyleName.CLASSIC]

    @property
    def safe_width(self) -> int:
        """Width available to a line, outline included."""
        return self.frame_width - self.margin_left - self.margin_right

    @property
    def emoji_px(self) -> int:
        """An emoji's width and height (`kit/emoji.py` draws it in a box this size)."""
        return max(1, round(self.font_px * EMOJI_EM))

    def text_width(self, text: str) -> float:
        """Predicted on-screen width of `text` on one line, outline and synthetic bold included."""
        emoji = 0
        if has_emoji(text):
            runs = list(split_emoji(text))
            emoji = sum(is_emoji for _, is_emoji in runs)
            text = "".join(run for run, is_emoji in runs if not is_emoji)
        length = _text_length(self.font_path or sans_font_path(), self.font_px, text)
        return length * _RENDER_WIDTH_FACTOR + emoji * self.emoji_px + 2 * self.outline

    def fits(self, text: str) -> bool:
        return self.text_width(text) <= self.safe_width


def caption_style(
    frame_size: tuple[int, int],
    look: CaptionLook | None = None,
    *,
    font_path: Path | None = None,
    font_family: str = CAPTION_FONT_FAMILY,
    max_page_seconds: float = MAX_PAGE_SECONDS,
) -> CaptionStyle:
    """The caption style for a frame of `frame_size` (width, height) pixels, in `look`
    (the classic one when None), set in `font_path` (the bundled font when None).

    Vertical (9:16) frames are watched inside Shorts/TikTok/Reels, whose UI covers the bottom
    ~20% (description, music) and a column of action buttons along the right ~12%. Captions
    are therefore centred with 12% side margins (so the right one clears the buttons and the
    block stays centred) and lifted so the text block ends 27% above the bottom edge.
    Landscape and square frames have no overlay UI, so ordinary subtitle margins are used.

    A look scales the font, and moves the block: the lower third sits a little lower than
    the bottom position on 9:16 (a band, read at a glance), the middle ends a third of the
    frame above its bottom (under a card's text), the top clears the platform's header
    (about 12% of a 9:16 frame).
    """
    look = look or PRESETS[CaptionStyleName.CLASSIC]
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
    px = max(8, round(font_px * look.size))
    alignment, bottom = _placement(look, aspect, height, bottom)
    return CaptionStyle(
        frame_width=width,
        frame_height=height,
        font_px=px,
        font_size=ass_font_size(px, font_path),
        outline=_outline(look, px),
        # No drop shadow: the thick outline already separates text from any background,
        # and libass blending a shadow layer on every frame cost 5 s of CPU per minute
        # of 1080x1920 video (half of all caption work).
        shadow=0,
        # rounded up: a margin is a minimum, e.g. the right one must clear the buttons
        margin_left=math.ceil(side),
        margin_right=math.ceil(side),
        margin_bottom=round(bottom),
        max_lines=look.max_lines,
        max_page_seconds=max_page_seconds,
        font_path=font_path,
        font_family=font_family,
        alignment=alignment,
        look=look,
    )


def _placement(look: CaptionLook, aspect: float, height: int, bottom: float) -> tuple[int, float]:
    """(ASS alignment, margin from the aligned edge) for the look's position."""
    left = look.align_left
    if look.position is CaptionPosition.MIDDLE:
        # Below the middle rather than on it: a card's own text sits in the upper half.
        return 2, (0.33 if aspect < 0.8 else 0.2) * height
    if look.position is CaptionPosition.TOP:
        return (7 if left else 8), (0.12 if aspect < 0.8 else 0.08) * height
    if look.position is CaptionPosition.LOWER_THIRD:
        # 9:16: the band's bottom clears the platform's caption and music rows (20%).
        return (1 if left else 2), (0.22 if aspect < 0.8 else 0.12) * height
    return (1 if left else 2), bottom


def _outline(look: CaptionLook, px: int) -> int:
    """The ASS `Outline`: a border's thickness, or a box's padding for a boxed look."""
    if look.box_colour is not None:
        return max(2, round(px * 0.22))
    if look.outline <= 0:
        return 0
    return max(1, round(px * look.outline))


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


def release_fonts() -> None:
    """Drop the fonts the layout opened. FreeType maps the whole font file once per opened
    size (4.4 MiB each for Noto Sans KR), so a layout's dozen sizes keep tens of MiB
    resident; the engine drops them before the render."""
    _text_length.cache_clear()
    _pillow_font.cache_clear()
