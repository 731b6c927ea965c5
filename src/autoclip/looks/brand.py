"""A brand kit: a channel's logo, colours, font and music, applied to every video it makes.

The engine takes a `BrandKit` of local files; the service keeps each project's kit (its
settings in the project row, its files under the owner's storage prefix) and hands the
engine one. What a user uploads is checked here before it is kept: a font is parsed with
fontTools and must draw the characters the project's language needs; a logo must be a
PNG, JPEG or WebP image of sane size.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError
from PIL import Image

from autoclip.errors import InputError
from autoclip.looks.bookends import Bookend
from autoclip.options import Language

MAX_FONT_BYTES = 20 << 20  # a full Hangul font (11,172 syllables) is 4–16 MB
MAX_LOGO_BYTES = 2 << 20
MAX_LOGO_SIDE = 4096
MIN_LOGO_SIDE = 16
LOGO_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
# Shown when a font misses characters: enough to act on, short enough to read.
MISSING_SHOWN = 20


class LogoPosition(StrEnum):
    TOP_LEFT = "top_left"
    TOP_RIGHT = "top_right"
    BOTTOM_LEFT = "bottom_left"
    BOTTOM_RIGHT = "bottom_right"


@dataclass(frozen=True)
class BrandKit:
    """A brand as the engine applies it; every path is a local, already-checked file."""

    logo: Path | None = None
    logo_position: LogoPosition = LogoPosition.TOP_RIGHT
    logo_size: float = 0.16  # width as a fraction of the frame's width
    logo_opacity: float = 0.85
    primary_colour: str | None = None  # the caption highlight
    accent_colour: str | None = None  # card accents, the news band's stripe
    font: Path | None = None  # captions are set in it
    music: Path | None = None  # the default music bed
    music_level_db: float = -16.0
    intro: Bookend | None = None  # before the video: a card or the user's clip
    outro: Bookend | None = None  # after it


# -- fonts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontInfo:
    family: str  # the name libass finds the font by
    glyphs: int


def font_info(data: bytes, field: str = "font") -> FontInfo:
    """Parse an uploaded OpenType/TrueType font, or raise InputError naming `field`.

    fontTools reads only the tables asked for (lazy), from memory; nothing of the font is
    executed. A collection (.ttc), a WOFF or anything else is refused.
    """
    if len(data) > MAX_FONT_BYTES:
        raise InputError(field, f"font is larger than {MAX_FONT_BYTES >> 20} MiB")
    if data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        raise InputError(field, "not an OpenType (.otf) or TrueType (.ttf) font")
    try:
        with TTFont(io.BytesIO(data), lazy=True) as font:
            cmap = font.getBestCmap()
            family = _family_name(font)
            glyphs = len(font.getGlyphOrder())
    except (TTLibError, KeyError, ValueError, AssertionError, struct.error) as exc:
        raise InputError(field, f"the font cannot be read: {exc}") from None
    if not cmap:
        raise InputError(field, "the font has no Unicode character map")
    if not family:
        raise InputError(field, "the font has no family name")
    return FontInfo(family=family, glyphs=glyphs)


def _family_name(font: TTFont) -> str:
    names = font["name"]
    for name_id in (16, 1):  # typographic family first, then the legacy one
        record = names.getName(name_id, 3, 1) or names.getName(name_id, 1, 0)
        if record is not None:
            text = str(record.toUnicode()).strip()
            if text and text.isprintable() and len(text) <= 100:
                return text
    return ""


def font_codepoints(data: bytes) -> frozenset[int]:
    with TTFont(io.BytesIO(data), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


@cache
def required_characters(language: Language) -> str:
    """What a caption font must draw for `language`: ASCII letters, digits and common
    punctuation; for Korean also the 2,350 Hangul syllables of KS X 1001 (every syllable
    in everyday text) and the Hangul compatibility jamo (ㅋㅋ, ㅠㅠ)."""
    ascii_part = "".join(chr(c) for c in range(0x21, 0x7F))
    if language is not Language.KO:
        return ascii_part
    syllables = []
    for lead in range(0xB0, 0xC9):
        for trail in range(0xA1, 0xFF):
            try:
                syllables.append(bytes((lead, trail)).decode("euc-kr"))
            except UnicodeDecodeError:
                continue
    jamo = "".join(chr(c) for c in range(0x3131, 0x3164))
    # Hangul first: a font refused for lacking it is shown lacking 가, not '!'.
    return "".join(syllables) + jamo + ascii_part


def missing_characters(codepoints: frozenset[int], text: str) -> list[str]:
    """The distinct characters of `text` (spaces aside) a font lacks, in order."""
    seen: dict[str, None] = {}
    for char in text:
        if not char.isspace() and ord(char) not in codepoints:
            seen.setdefault(char, None)
    return list(seen)


def check_font_covers(data: bytes, language: Language, field: str = "font") -> FontInfo:
    """`font_info`, and the font must draw every character `language` needs."""
    info = font_info(data, field)
    missing = missing_characters(font_codepoints(data), required_characters(language))
    if missing:
        what = "Korean text" if language is Language.KO else "English text"
        raise InputError(field, _missing_message(missing, what))
    return info


def check_text_covered(font: Path, text: str, field: str = "brand.font") -> None:
    """The brand font must draw every character `text` shows (emoji aside: they are
    dropped from captions whatever the font)."""
    from autoclip.kit.emoji import without_emoji

    codepoints = _file_codepoints(font)
    missing = missing_characters(codepoints, without_emoji(text))
    if missing:
        raise InputError(field, _missing_message(missing, "this script"))


@cache
def _file_codepoints(font: Path) -> frozenset[int]:
    return font_codepoints(font.read_bytes())


def _missing_message(missing: list[str], what: str) -> str:
    shown = " ".join(missing[:MISSING_SHOWN])
    more = f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
    return f"the font lacks {len(missing)} characters {what} needs: {shown}{more}"


# -- logos ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogoInfo:
    format: str  # "png", "jpeg", "webp"
    width: int
    height: int


def logo_info(data: bytes, field: str = "logo") -> LogoInfo:
    """Check an uploaded logo by its content (never its name or declared type)."""
    if len(data) > MAX_LOGO_BYTES:
        raise InputError(field, f"logo is larger than {MAX_LOGO_BYTES >> 20} MiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                width, height = image.size
                if kind not in LOGO_FORMATS:
                    raise InputError(field, "a logo must be a PNG, JPEG or WebP image")
                if max(width, height) > MAX_LOGO_SIDE or min(width, height) < MIN_LOGO_SIDE:
                    raise InputError(
                        field,
                        f"a logo must be {MIN_LOGO_SIDE} to {MAX_LOGO_SIDE} pixels a side, "
                        f"got {width}x{height}",
                    )
                image.load()  # a truncated or corrupt file fails here, not in the render
    except InputError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(field, "the logo is not a readable image") from None
    return LogoInfo(kind.lower(), width, height)


def prepare_logo(
    logo: Path, frame: tuple[int, int], size: float, opacity: float, out: Path
) -> tuple[int, int]:
    """The logo scaled to `size` of the frame's width (at most a quarter of its height),
    its opacity applied, as an RGBA PNG; returns its pixel size."""
    with Image.open(logo) as source:
        image = source.convert("RGBA")
    width = max(8, round(frame[0] * size))
    height = max(8, round(image.height * width / image.width))
    if height > frame[1] // 4:
        height = frame[1] // 4
        width = max(8, round(image.width * height / image.height))
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    alpha = image.getchannel("A").point(lambda value: round(value * opacity))
    image.putalpha(alpha)
    image.save(out, format="PNG")
    return width, height


def logo_corner(
    position: LogoPosition, frame: tuple[int, int], logo: tuple[int, int]
) -> tuple[int, int]:
    """Top-left pixel of the logo: inside a 4% margin, below the cards' progress bar and its
    "n / total" mark (the top 10%), and on 9:16 clear of the platform's right-hand buttons
    (bottom corners sit above the caption area's UI)."""
    width, height = frame
    vertical = height > width * 1.2
    margin_x = round(width * 0.04)
    top = round(height * 0.105)
    bottom_margin = round(height * (0.22 if vertical else 0.04))
    right_margin = round(width * (0.14 if vertical else 0.04))
    x = (
        margin_x
        if position in (LogoPosition.TOP_LEFT, LogoPosition.BOTTOM_LEFT)
        else (width - right_margin - logo[0])
    )
    y = (
        top
        if position in (LogoPosition.TOP_LEFT, LogoPosition.TOP_RIGHT)
        else (height - bottom_margin - logo[1])
    )
    return x, y


def local_brand(
    *,
    logo: Path | None = None,
    logo_position: LogoPosition = LogoPosition.TOP_RIGHT,
    logo_size: float = 0.16,
    logo_opacity: float = 0.85,
    primary_colour: str | None = None,
    accent_colour: str | None = None,
    font: Path | None = None,
    language: Language = Language.KO,
    music_level_db: float = -16.0,
    intro: Bookend | None = None,
    outro: Bookend | None = None,
) -> BrandKit | None:
    """A brand kit from local files (the CLI's flags), each checked as an upload would be;
    None when nothing of a brand is given."""
    from autoclip.captions.presets import is_colour

    for field, colour in (("highlight_colour", primary_colour), ("accent_colour", accent_colour)):
        if colour is not None and not is_colour(colour):
            raise InputError(field, f"not a colour: {colour!r} (use #RRGGBB or #RRGGBBAA)")
    if not 0.03 <= logo_size <= 0.4:
        raise InputError("logo_size", "must be between 0.03 and 0.4 of the frame's width")
    if not 0.1 <= logo_opacity <= 1.0:
        raise InputError("logo_opacity", "must be between 0.1 and 1")
    if not -40.0 <= music_level_db <= -6.0:
        raise InputError("music_level", "must be between -40 and -6 dB")
    if logo is not None:
        logo_info(_read(logo, "logo", MAX_LOGO_BYTES), "logo")
    if font is not None:
        check_font_covers(_read(font, "font", MAX_FONT_BYTES), language, "font")
    given = (logo, primary_colour, accent_colour, font, intro, outro)
    if all(value is None for value in given) and music_level_db == -16.0:
        return None
    return BrandKit(
        logo=logo,
        logo_position=logo_position,
        logo_size=logo_size,
        logo_opacity=logo_opacity,
        primary_colour=primary_colour,
        accent_colour=accent_colour,
        font=font,
        music_level_db=music_level_db,
        intro=intro,
        outro=outro,
    )


def _read(path: Path, field: str, limit: int) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise InputError(field, f"larger than {limit >> 20} MiB")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(field, f"cannot read {path}: {exc.strerror}") from None
