"""ASS subtitles for libass: karaoke captions where the word being spoken is highlighted.

Each page becomes one Dialogue event per word: the whole page is shown, and the event's
word is coloured. An event lasts from its word's start to the next word's start (the last
one to the page's end), so between words the previous highlight stays and nothing blinks.

User text is never markup: `{`, `}` and `\\` become their full-width look-alikes (or are
dropped if the font lacks them), so `{\\an8}` or `\\N` in a script shows as typed instead
of moving the caption or breaking the line. Only this module writes override blocks and
line breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from autoclip.captions.layout import ASS_MARKUP, CaptionPage, strip_controls, substitute
from autoclip.captions.style import CaptionStyle
from autoclip.kit.fonts import CAPTION_FONT_FAMILY

STYLE_NAME = "Caption"
# ASS colours are &HAABBGGRR (alpha 00 = opaque): white text, gold highlight (#FFD700),
# black outline, half-transparent black shadow.
TEXT_COLOUR = "&H00FFFFFF"
OUTLINE_COLOUR = "&H00000000"
SHADOW_COLOUR = "&H80000000"
HIGHLIGHT_ON = r"{\c&H00D7FF&}"
HIGHLIGHT_OFF = r"{\c&HFFFFFF&}"
LINE_BREAK = r"\N"

_STYLE_FORMAT = (
    "Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
    "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, "
    "Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding"
)
_EVENT_FORMAT = "Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"
_BOTTOM_CENTRE = 2  # numpad-style \an alignment


def escape_ass_text(text: str) -> str:
    """`text` safe inside a Dialogue line: one line, no override blocks, no backslashes.

    Layout already cleans words this way; doing it again here means pages built by any
    other code cannot inject markup either. It is idempotent.
    """
    return substitute(strip_controls(text), ASS_MARKUP)


def render_ass(pages: Sequence[CaptionPage], style: CaptionStyle) -> str:
    """A complete ASS script drawing `pages` on a frame of the style's size."""
    lines = _header(style)
    for page in pages:
        lines.extend(_page_events(page))
    return "\n".join(lines) + "\n"


def _header(style: CaptionStyle) -> list[str]:
    fields = [
        STYLE_NAME,
        CAPTION_FONT_FAMILY,
        str(style.font_size),
        TEXT_COLOUR,
        TEXT_COLOUR,
        OUTLINE_COLOUR,
        SHADOW_COLOUR,
        "-1",  # bold: thicker strokes stay legible over busy footage
        "0",
        "0",
        "0",
        "100",
        "100",
        "0",
        "0",
        "1",  # outline + drop shadow, no opaque box
        str(style.outline),
        str(style.shadow),
        str(_BOTTOM_CENTRE),
        str(style.margin_left),
        str(style.margin_right),
        str(style.margin_bottom),
        "1",
    ]
    return [
        "[Script Info]",
        "; Written by AutoClip",
        "ScriptType: v4.00+",
        f"PlayResX: {style.frame_width}",
        f"PlayResY: {style.frame_height}",
        # 2 = never wrap: lines are broken by the layout, which measured them
        "WrapStyle: 2",
        # outline and shadow are in PlayRes pixels, i.e. frame pixels
        "ScaledBorderAndShadow: yes",
        "",
        "[V4+ Styles]",
        f"Format: {_STYLE_FORMAT}",
        "Style: " + ",".join(fields),
        "",
        "[Events]",
        f"Format: {_EVENT_FORMAT}",
    ]


def _page_events(page: CaptionPage) -> list[str]:
    words = page.words
    # Every boundary is rounded once and shared by the event ending and the one starting
    # there, so consecutive events abut exactly. Page ends equal the next page's start in
    # seconds, so pages abut too.
    boundaries = [_centiseconds(page.start)]
    boundaries += [_centiseconds(word.start) for word in words[1:]]
    boundaries.append(_centiseconds(page.end))
    events: list[str] = []
    for index in range(len(words)):
        start, end = boundaries[index], boundaries[index + 1]
        if end <= start:  # a word shorter than a centisecond is never seen highlighted
            continue
        text = _page_text(page, index)
        events.append(
            f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},{STYLE_NAME},,0,0,0,,{text}"
        )
    return events


def _page_text(page: CaptionPage, current: int) -> str:
    rendered_lines: list[str] = []
    index = 0
    for line in page.lines:
        tokens: list[str] = []
        for word in line:
            text = escape_ass_text(word.text)
            if index == current:
                text = f"{HIGHLIGHT_ON}{text}{HIGHLIGHT_OFF}"
            tokens.append(text)
            index += 1
        rendered_lines.append(" ".join(tokens))
    return LINE_BREAK.join(rendered_lines)


def _centiseconds(seconds: float) -> int:
    return max(0, round(seconds * 100))


def _ass_time(centiseconds: int) -> str:
    hours, rest = divmod(centiseconds, 360_000)
    minutes, rest = divmod(rest, 6_000)
    seconds, hundredths = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{hundredths:02d}"


def escape_filter_path(path: str | Path) -> str:
    """`path` as a value inside an ffmpeg filtergraph, e.g. `ass=filename=<here>`.

    ffmpeg unescapes twice: once when splitting the option list (`:` separates options,
    `\\` and `'` escape) and once when splitting the graph (`[ ] , ;` are special as
    well). So each level's specials are backslash-escaped, inner level first.
    """
    option_level = "".join("\\" + ch if ch in "\\':" else ch for ch in str(path))
    return "".join("\\" + ch if ch in "\\'[],;" else ch for ch in option_level)
