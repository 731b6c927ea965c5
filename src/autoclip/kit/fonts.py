"""Fonts shipped by packages, and which characters they can draw.

Noto Sans KR covers Hangul, Latin, digits and CJK punctuation; it has no emoji. Anything it
cannot draw is dropped from on-screen text rather than shown as a box.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pylopdf_fonts_ko
from fontTools.ttLib import TTFont

# The family name libass looks up inside `fontsdir`.
CAPTION_FONT_FAMILY = "Noto Sans KR"


def sans_font_path() -> Path:
    return Path(pylopdf_fonts_ko.sans_path())


def serif_font_path() -> Path:
    return Path(pylopdf_fonts_ko.serif_path())


@cache
def _codepoints(font_path: Path) -> frozenset[int]:
    with TTFont(font_path, lazy=True) as font:
        cmap = font.getBestCmap()
        return frozenset(cmap)


def can_draw(char: str, font_path: Path | None = None) -> bool:
    if char in " \t\n":
        return True
    return ord(char) in _codepoints(font_path or sans_font_path())


def drawable(text: str, font_path: Path | None = None) -> str:
    """`text` without the characters the font has no glyph for (emoji, rare symbols).

    Runs of spaces left behind by a dropped character are collapsed.
    """
    kept = "".join(ch for ch in text if can_draw(ch, font_path))
    return " ".join(kept.split())
