"""ASS subtitles for libass: captions where the word being spoken is marked, in a look.

In the highlight looks each page becomes one Dialogue event per word: the whole page is
shown, and the event's word is coloured. An event lasts from its word's start to the next
word's start (the last one to the page's end), so between words the previous highlight
stays and nothing blinks. The karaoke look is one event per page whose `\\kf` sweeps
follow the same boundaries; the pop look shows only each event's word. The news look
adds a band (an ASS drawing) behind each page.

User text is never markup: `{`, `}` and `\\` become their full-width look-alikes (or are
dropped if the font lacks them), so `{\\an8}` or `\\N` in a script shows as typed instead
of moving the caption or breaking the line. Only this module writes override blocks and
line breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from autoclip.captions.layout import ASS_MARKUP, CaptionPage, strip_controls, substitute
from autoclip.captions.presets import CaptionMode, ass_colour, ass_inline_colour
from autoclip.captions.style import CaptionStyle
from autoclip.kit.emoji import EMOJI_FAMILY, Layer, emoji_layers, spacer_code, split_emoji

STYLE_NAME = "Caption"
BAND_STYLE_NAME = "Band"
# ASS colours are &HAABBGGRR (alpha 00 = opaque). The classic look: white text, gold
# highlight (#FFD700), black outline, half-transparent black shadow.
TEXT_COLOUR = "&H00FFFFFF"
OUTLINE_COLOUR = "&H00000000"
SHADOW_COLOUR = "&H80000000"
HIGHLIGHT_ON = r"{\c&H00D7FF&}"
HIGHLIGHT_OFF = r"{\c&HFFFFFF&}"
LINE_BREAK = r"\N"
# A word of the `pop` look starts at 70% and grows to full size in 120 ms.
POP_IN = r"{\fscx70\fscy70\t(0,120,\fscx100\fscy100)}"

_STYLE_FORMAT = (
    "Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
    "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, "
    "Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding"
)
_EVENT_FORMAT = "Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


def escape_ass_text(text: str) -> str:
    """`text` safe inside a Dialogue line: one line, no override blocks, no backslashes.

    Layout already cleans words this way; doing it again here means pages built by any
    other code cannot inject markup either. It is idempotent.
    """
    return substitute(strip_controls(text), ASS_MARKUP)


def drawn_text(text: str, style: CaptionStyle, colours: tuple[str, str]) -> str:
    """`text` escaped, each emoji in it written as its colour layers in the layer font.

    `colours` are the inline primary and secondary colours in effect around the text,
    restored after each emoji, as are the style's font, size and bold (`\\fn` with no
    name is the style's font, so a brand font's name is never written into a tag).
    """
    text = escape_ass_text(text)
    if not style.look.emoji or text.isascii():
        return text
    out: list[str] = []
    for run, is_emoji in split_emoji(text):
        if not is_emoji:
            out.append(run)
        elif layers := emoji_layers(run):
            out.append(_emoji_markup(layers, style, colours))
    return "".join(out)


def _emoji_markup(layers: Sequence[Layer], style: CaptionStyle, colours: tuple[str, str]) -> str:
    # Each layer has no advance: all are drawn at the pen, then the spacer moves it on.
    # \b0: synthetic bold would thicken each layer and smear the colours into each other.
    parts = [f"{{\\fn{EMOJI_FAMILY}\\fs{style.emoji_px}\\b0}}"]
    for layer in layers:
        red, green, blue, alpha = layer.rgba
        colour = f"&H{blue:02X}{green:02X}{red:02X}&"
        parts.append(f"{{\\1c{colour}\\2c{colour}\\1a&H{255 - alpha:02X}&}}{chr(layer.code)}")
    primary, secondary = colours
    restore_alpha = _primary_alpha(style)
    parts.append(chr(spacer_code()))
    parts.append(
        f"{{\\fn\\fs{style.font_size}\\b1\\1c{primary}\\2c{secondary}\\1a{restore_alpha}}}"
    )
    return "".join(parts)


def _primary_alpha(style: CaptionStyle) -> str:
    look = style.look
    primary = look.highlight_colour if look.mode is CaptionMode.KARAOKE else look.text_colour
    return f"&H{ass_colour(primary)[2:4]}&"


def render_ass(pages: Sequence[CaptionPage], style: CaptionStyle) -> str:
    """A complete ASS script drawing `pages` on a frame of the style's size, in its look."""
    lines = _header(style)
    for page in pages:
        lines.extend(_page_events(page, style))
    return "\n".join(lines) + "\n"


def _header(style: CaptionStyle) -> list[str]:
    look = style.look
    text, highlight = ass_colour(look.text_colour), ass_colour(look.highlight_colour)
    if look.mode is CaptionMode.KARAOKE:
        # \kf sweeps each syllable from SecondaryColour to PrimaryColour.
        primary, secondary = highlight, text
    else:
        primary = secondary = text
    if look.box_colour is not None:
        # BorderStyle 3: an opaque box drawn in OutlineColour, padded by `Outline`.
        border_style, outline_colour = "3", ass_colour(look.box_colour)
    else:
        border_style, outline_colour = "1", ass_colour(look.outline_colour)
    fields = [
        STYLE_NAME,
        style.font_family,
        str(style.font_size),
        primary,
        secondary,
        outline_colour,
        SHADOW_COLOUR,
        "-1",  # bold: thicker strokes stay legible over busy footage
        "0",
        "0",
        "0",
        "100",
        "100",
        "0",
        "0",
        border_style,
        str(style.outline),
        str(style.shadow),
        str(style.alignment),
        str(style.margin_left),
        str(style.margin_right),
        str(style.margin_bottom),
        "1",
    ]
    header = [
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
    ]
    if look.band_colour is not None:
        # Drawings only: no outline, top-left aligned so \pos is the drawing's origin.
        band = [BAND_STYLE_NAME, style.font_family, "20", ass_colour(look.band_colour)]
        band += [text, "&H00000000", "&H00000000", "0", "0", "0", "0", "100", "100", "0"]
        band += ["0", "1", "0", "0", "7", "0", "0", "0", "1"]
        header.append("Style: " + ",".join(band))
    return [*header, "", "[Events]", f"Format: {_EVENT_FORMAT}"]


def _page_events(page: CaptionPage, style: CaptionStyle) -> list[str]:
    # Every boundary is rounded once and shared by the event ending and the one starting
    # there, so consecutive events abut exactly. Page ends equal the next page's start in
    # seconds, so pages abut too.
    words = page.words
    boundaries = [_centiseconds(page.start)]
    boundaries += [_centiseconds(word.start) for word in words[1:]]
    boundaries.append(_centiseconds(page.end))
    look = style.look
    events: list[str] = []
    layer = 0
    if look.band_colour is not None and boundaries[-1] > boundaries[0]:
        events += _band_events(style, boundaries[0], boundaries[-1])
        layer = 1  # the words over the band
    if look.mode is CaptionMode.KARAOKE:
        if boundaries[-1] > boundaries[0]:
            text = _karaoke_text(page, boundaries, style)
            events.append(_dialogue(layer, boundaries[0], boundaries[-1], text))
        return events
    highlight = (ass_inline_colour(look.highlight_colour), ass_inline_colour(look.text_colour))
    for index in range(len(words)):
        start, end = boundaries[index], boundaries[index + 1]
        if end <= start:  # a word shorter than a centisecond is never seen highlighted
            continue
        if look.mode is CaptionMode.POP:
            word = drawn_text(words[index].text, style, (highlight[0], highlight[1]))
            text = f"{POP_IN}{{\\c{highlight[0]}}}{word}"
        else:
            text = _page_text(page, index, highlight, style)
        events.append(_dialogue(layer, start, end, text))
    return events


def _dialogue(layer: int, start: int, end: int, text: str, style: str = STYLE_NAME) -> str:
    return f"Dialogue: {layer},{_ass_time(start)},{_ass_time(end)},{style},,0,0,0,,{text}"


def _page_text(
    page: CaptionPage, current: int, highlight: tuple[str, str], style: CaptionStyle
) -> str:
    on, off = (f"{{\\c{colour}}}" for colour in highlight)
    rendered_lines: list[str] = []
    index = 0
    for line in page.lines:
        tokens: list[str] = []
        for word in line:
            if index == current:
                text = f"{on}{drawn_text(word.text, style, highlight)}{off}"
            else:
                text = drawn_text(word.text, style, (highlight[1], highlight[1]))
            tokens.append(text)
            index += 1
        rendered_lines.append(" ".join(tokens))
    return LINE_BREAK.join(rendered_lines)


def _karaoke_text(page: CaptionPage, boundaries: list[int], style: CaptionStyle) -> str:
    """The page with a `\\kf` sweep per word, each lasting until the next word starts."""
    look = style.look
    rendered_lines: list[str] = []
    index = 0
    for line in page.lines:
        tokens: list[str] = []
        for word in line:
            duration = boundaries[index + 1] - boundaries[index]
            colours = (
                ass_inline_colour(look.highlight_colour),
                ass_inline_colour(look.text_colour),
            )
            text = drawn_text(word.text, style, colours)
            tokens.append(f"{{\\kf{max(0, duration)}}}{text}")
            index += 1
        rendered_lines.append(" ".join(tokens))
    return LINE_BREAK.join(rendered_lines)


def _band_events(style: CaptionStyle, start: int, end: int) -> list[str]:
    """The news look's band across the frame behind the captions, and its accent block.

    Sized for the most lines a page can have, so the band does not jump between pages;
    libass's line height for a style is its Fontsize.
    """
    width, height = style.frame_width, style.frame_height
    pad = round(style.font_px * 0.45)
    bottom = height - style.margin_bottom + pad
    top = bottom - style.max_lines * style.font_size - 2 * pad
    events = [
        _dialogue(0, start, end, _rectangle(0, top, width, bottom), BAND_STYLE_NAME),
    ]
    accent = style.look.accent_colour
    if accent is not None:
        block = max(4, round(style.margin_left * 0.35))
        colour = ass_inline_colour(accent)
        drawing = _rectangle(0, top, block, bottom, colour)
        events.append(_dialogue(0, start, end, drawing, BAND_STYLE_NAME))
    return events


def _rectangle(left: int, top: int, right: int, bottom: int, colour: str | None = None) -> str:
    fill = f"\\1c{colour}" if colour else ""
    shape = f"m {left} {top} l {right} {top} l {right} {bottom} l {left} {bottom}"
    return f"{{\\an7\\pos(0,0){fill}\\p1}}{shape}{{\\p0}}"


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
