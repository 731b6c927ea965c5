"""Caption styles: how the burned-in captions look, as named presets a user picks.

A preset says what a viewer sees — where the captions sit, how big, in which colours, how
the spoken word is marked — and nothing about the frame size: `captions/style.py` turns a
preset and a frame size into pixel geometry, and `captions/ass.py` draws it.

The presets follow what Korean shorts use today:

- `classic`: AutoClip's own look (white, thin black outline, the spoken word in gold).
- `bold_outline`: larger heavy white type with a thick black outline, spoken word yellow.
- `boxed`: white type on a half-transparent dark box, like broadcast subtitles.
- `karaoke`: the colour sweeps through each word as it is said (노래방 style).
- `pop`: one word at a time, large, in the middle of the frame, popping in.
- `news`: a bottom-third band across the frame with left-aligned type, like a news ticker.

Colours are `#RRGGBB` (or `#RRGGBBAA` with opacity) everywhere a user can give one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")
COLOUR_PATTERN = _COLOUR.pattern


class CaptionMode(StrEnum):
    """How the word being spoken is marked."""

    HIGHLIGHT = "highlight"  # the whole page shown, the spoken word recoloured
    KARAOKE = "karaoke"  # the highlight colour sweeps through each word as it is said
    POP = "pop"  # only the spoken word is shown, and it pops in


class CaptionPosition(StrEnum):
    BOTTOM = "bottom"  # above the platform's own overlay on 9:16, the usual subtitle place
    LOWER_THIRD = "lower_third"  # a band in the lower third (news)
    MIDDLE = "middle"
    TOP = "top"


class CaptionStyleName(StrEnum):
    CLASSIC = "classic"
    BOLD_OUTLINE = "bold_outline"
    BOXED = "boxed"
    KARAOKE = "karaoke"
    POP = "pop"
    NEWS = "news"


def is_colour(value: str) -> bool:
    return _COLOUR.fullmatch(value) is not None


def ass_colour(value: str) -> str:
    """`#RRGGBB[AA]` as an ASS colour `&HAABBGGRR` (ASS alpha counts transparency)."""
    if not is_colour(value):
        raise ValueError(f"not a colour: {value!r} (use #RRGGBB or #RRGGBBAA)")
    red, green, blue = value[1:3], value[3:5], value[5:7]
    opacity = int(value[7:9], 16) if len(value) == 9 else 255
    return f"&H{255 - opacity:02X}{blue}{green}{red}".upper()


def ass_inline_colour(value: str) -> str:
    """`#RRGGBB` as the colour of an override tag (`\\c&HBBGGRR&`), opacity ignored."""
    full = ass_colour(value)
    return f"&H{full[4:]}&"


@dataclass(frozen=True)
class CaptionLook:
    """One caption style: everything but the frame size."""

    name: str
    mode: CaptionMode
    position: CaptionPosition
    size: float  # font size relative to the standard caption size of the frame (1.0)
    text_colour: str
    outline_colour: str
    outline: float  # outline thickness as a fraction of the font size (0: none)
    highlight_colour: str
    box_colour: str | None = None  # a box behind each line (#RRGGBBAA for a see-through one)
    band_colour: str | None = None  # a band across the frame behind the captions (news)
    accent_colour: str | None = None  # the band's stripe
    emoji: bool = False  # keep emoji the caption font can draw, instead of dropping them
    max_lines: int = 2
    align_left: bool = False

    def with_colours(
        self, *, highlight: str | None = None, accent: str | None = None
    ) -> CaptionLook:
        """This style in a brand's colours: the highlight, and the news band's stripe."""
        return replace(
            self,
            highlight_colour=highlight or self.highlight_colour,
            accent_colour=(accent or self.accent_colour) if self.band_colour else None,
        )


PRESETS: dict[CaptionStyleName, CaptionLook] = {
    CaptionStyleName.CLASSIC: CaptionLook(
        name="classic",
        mode=CaptionMode.HIGHLIGHT,
        position=CaptionPosition.BOTTOM,
        size=1.0,
        text_colour="#FFFFFF",
        outline_colour="#000000",
        outline=0.09,
        highlight_colour="#FFD700",
    ),
    CaptionStyleName.BOLD_OUTLINE: CaptionLook(
        name="bold_outline",
        mode=CaptionMode.HIGHLIGHT,
        position=CaptionPosition.BOTTOM,
        size=1.18,
        text_colour="#FFFFFF",
        outline_colour="#000000",
        outline=0.16,
        highlight_colour="#FFE500",
        emoji=True,
    ),
    CaptionStyleName.BOXED: CaptionLook(
        name="boxed",
        mode=CaptionMode.HIGHLIGHT,
        position=CaptionPosition.BOTTOM,
        size=1.0,
        text_colour="#FFFFFF",
        outline_colour="#000000",
        outline=0.0,
        highlight_colour="#7CF0FF",
        box_colour="#101018C8",
        emoji=True,
    ),
    CaptionStyleName.KARAOKE: CaptionLook(
        name="karaoke",
        mode=CaptionMode.KARAOKE,
        position=CaptionPosition.BOTTOM,
        size=1.08,
        text_colour="#FFFFFF",
        outline_colour="#1A0B2E",
        outline=0.12,
        highlight_colour="#FF4FA3",
    ),
    CaptionStyleName.POP: CaptionLook(
        name="pop",
        mode=CaptionMode.POP,
        position=CaptionPosition.MIDDLE,
        size=1.9,
        text_colour="#FFFFFF",
        outline_colour="#000000",
        outline=0.14,
        highlight_colour="#FFE500",
        emoji=True,
        max_lines=1,
    ),
    CaptionStyleName.NEWS: CaptionLook(
        name="news",
        mode=CaptionMode.HIGHLIGHT,
        position=CaptionPosition.LOWER_THIRD,
        size=0.9,
        text_colour="#FFFFFF",
        outline_colour="#000000",
        outline=0.0,
        highlight_colour="#FFD400",
        band_colour="#0B1F3AE6",
        accent_colour="#E53935",
        align_left=True,
    ),
}

DEFAULT_STYLE = CaptionStyleName.CLASSIC


def preset(name: str | CaptionStyleName) -> CaptionLook:
    """The preset called `name`; ValueError naming the choices for any other."""
    try:
        return PRESETS[CaptionStyleName(name)]
    except ValueError:
        choices = ", ".join(member.value for member in CaptionStyleName)
        raise ValueError(f"unknown caption style {name!r} (choose from {choices})") from None
