"""Setting display text with Pillow: wrap at spaces by measured width, shrink to fit a box.

Lines break only at spaces, so a Korean eojeol (a word with its particles) is never split
across lines; a word is broken inside only when it alone cannot fit at the smallest size
(a long URL, say), because clipped text is worse than an odd break.

The only Korean font shipped is Noto Sans KR Regular, so weight comes from Pillow's stroke:
a thin stroke in the text colour makes it bold, a wider one in the outline colour under it
makes an outline.

Emoji are set in colour (`colour_emoji.py`): a line holding one is measured and drawn in
runs, text in the sans and each emoji in a cell of its own, so wrapping and shrink-to-fit
count the emoji's width, and no stroke runs through a picture. A line without emoji is
measured and drawn exactly as before, in one piece.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from PIL import ImageDraw, ImageFont

from autoclip.kit.emoji import has_emoji, split_emoji
from autoclip.kit.fonts import can_draw, drawable, sans_font_path
from autoclip.visuals import colour_emoji
from autoclip.visuals.colour_emoji import cell_width, draw_emoji, draw_silhouette, drawable_emoji

RGB = tuple[int, int, int]
LINE_HEIGHT = 1.28  # of the font size; Hangul needs more leading than Latin to breathe


@lru_cache(maxsize=128)
def sans(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(sans_font_path()), size)


def release_fonts() -> None:
    """Drop the opened sizes of the font: each keeps its own mapping of the whole file
    resident (see `captions.style.release_fonts`)."""
    sans.cache_clear()
    colour_emoji.release_fonts()


def clean(text: str) -> str:
    """Display text: the characters the font can draw and the emoji drawn in colour, spaces
    collapsed. Everything else is dropped (an emoji without OpenMoji too), never a box."""
    text = text.replace("\n", " ")
    if not has_emoji(text):
        return drawable(text)
    kept = [
        run if emoji and drawable_emoji(run) else "".join(char for char in run if can_draw(char))
        for run, emoji in split_emoji(text)
    ]
    return " ".join("".join(kept).split())


Run = tuple[str, bool]  # a piece of a line: (text, False) or (one emoji drawn in colour, True)


def runs(text: str) -> list[Run]:
    """`text` as runs of sans text and colour emoji; a cluster OpenMoji cannot draw (a ★
    the sans has) stays text."""
    if not has_emoji(text):
        return [(text, False)]
    merged: list[Run] = []
    for run, emoji in split_emoji(text):
        emoji = emoji and drawable_emoji(run)
        if not emoji and merged and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + run, False)
        else:
            merged.append((run, emoji))
    return merged


def line_length(text: str, size: int) -> float:
    """The advance of `text` set on one line at `size`, its emoji included."""
    pieces = runs(text)
    if len(pieces) == 1 and not pieces[0][1]:
        return sans(size).getlength(text)
    return sum(
        cell_width(run, size) if emoji else sans(size).getlength(run) for run, emoji in pieces
    )


def bold_stroke(size: int) -> int:
    """Stroke width that turns the Regular face into a convincing bold at `size`."""
    return max(1, round(size * 0.022))


@dataclass(frozen=True)
class TextBlock:
    lines: tuple[str, ...]
    size: int
    width: int  # widest line, including the stroke
    height: int

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return sans(self.size)

    @property
    def line_height(self) -> int:
        return round(self.size * LINE_HEIGHT)


def outline_width(size: int) -> int:
    """Total stroke of the outline pass: the bold stroke plus a visible ring around it."""
    return bold_stroke(size) + max(2, round(size * 0.06))


def _measure(text: str, size: int) -> float:
    # Measured with the outline so that outlined and plain text wrap the same way.
    return line_length(text, size) + 2 * outline_width(size)


def _units(word: str) -> Iterator[str]:
    """Where a word may be broken: between characters, never inside an emoji sequence."""
    for run, emoji in runs(word):
        yield from (run,) if emoji else run


def _break_word(word: str, size: int, max_width: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in _units(word):
        if current and _measure(current + char, size) > max_width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def wrap(text: str, size: int, max_width: int, *, split_words: bool = False) -> list[str]:
    """Lines of `text` at font `size`, each within `max_width` where spaces allow it."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if not current or _measure(candidate, size) <= max_width:
            current = candidate
            continue
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    if split_words:
        lines = [piece for line in lines for piece in _break_word(line, size, max_width)]
    return lines


def _block(lines: list[str], size: int) -> TextBlock:
    width = max((round(_measure(line, size)) for line in lines), default=0)
    height = round(size * LINE_HEIGHT) * len(lines)
    return TextBlock(lines=tuple(lines), size=size, width=width, height=height)


def _fits(block: TextBlock, box: tuple[int, int], max_lines: int) -> bool:
    return block.width <= box[0] and block.height <= box[1] and len(block.lines) <= max_lines


def fit(
    text: str, box: tuple[int, int], max_size: int, min_size: int, max_lines: int = 5
) -> TextBlock:
    """The largest size in [min_size, max_size] at which `text` fits `box` (width, height).

    Binary search over sizes: wrapping is monotone enough in practice, and it keeps a card
    at a handful of measurements instead of one per pixel size.
    """
    low, high = min_size, max(min_size, max_size)
    best: TextBlock | None = None
    while low <= high:
        size = (low + high) // 2
        block = _block(wrap(text, size, box[0]), size)
        if _fits(block, box, max_lines):
            best, low = block, size + 1
        else:
            high = size - 1
    if best is not None:
        return balance(best, text)
    # Even the smallest size overflows: break inside words rather than clip the text.
    return _block(wrap(text, min_size, box[0], split_words=True), min_size)


def balance(block: TextBlock, text: str) -> TextBlock:
    """The same text, size and line count with lines as even as possible.

    Greedy wrapping leaves a short last line ("... 이" / "습관부터"); the narrowest width that
    still gives the same number of lines spreads the words evenly, as a designer would.
    """
    if len(block.lines) < 2:
        return block
    low, high = 1, block.width
    best = block
    while low <= high:
        width = (low + high) // 2
        lines = wrap(text, block.size, width)
        candidate = _block(lines, block.size)
        if len(lines) <= len(block.lines) and candidate.width <= width:
            best, high = candidate, width - 1
        else:
            low = width + 1
    return best


def draw_block(
    draw: ImageDraw.ImageDraw,
    block: TextBlock,
    origin: tuple[int, int],
    *,
    fill: RGB,
    outline: RGB | None,
    align: str = "center",
    box_width: int = 0,
) -> None:
    """Draw `block` with its top-left at `origin`; centred lines use `box_width` as the span.

    Each line is placed by the font's middle anchor within its own line slot, so lines with
    and without descenders sit on the same rhythm. The outline ring goes round the letters
    only, never through a picture: OpenMoji's pictures carry their own dark contour, which
    reads on a card's soft background (the thumbnail rings them as stickers instead).
    """
    x0, y0 = origin
    stroke = bold_stroke(block.size)
    for index, line in enumerate(block.lines):
        y = y0 + index * block.line_height + block.line_height // 2
        anchor: Literal["mm", "lm"]
        if align == "center":
            x, anchor = x0 + box_width // 2, "mm"
        else:
            x, anchor = x0 + outline_width(block.size), "lm"
        if outline is not None:
            ring = outline_width(block.size)
            draw_line(
                draw, line, block.size, (x, y), anchor=anchor, fill=outline, stroke=ring,
                emoji="skip",
            )  # fmt: skip
        draw_line(draw, line, block.size, (x, y), anchor=anchor, fill=fill, stroke=stroke)


EmojiPass = Literal["colour", "silhouette", "skip"]


def draw_line(
    draw: ImageDraw.ImageDraw,
    text: str,
    size: int,
    xy: tuple[float, float],
    *,
    anchor: Literal["mm", "lm"],
    fill: RGB | int,
    stroke: int = 0,
    emoji: EmojiPass = "colour",
    emoji_fill: RGB | int | None = None,
) -> None:
    """`draw.text` of one line in the sans at `size`, anchored at `xy` (its middle, or its
    left end), stroked `stroke` wide in `fill`; its emoji are drawn in their colours, as
    shapes in `fill` (`silhouette`: shadows, single-band images), or not (`skip`: an
    outline pass). A silhouette is in `emoji_fill` when given, grown by `stroke`: a ring.
    Without emoji, exactly the one `draw.text` call it always was."""
    font = sans(size)
    pieces = runs(text)
    if len(pieces) == 1 and not pieces[0][1]:
        draw.text(
            xy, text, font=font, fill=fill, anchor=anchor, stroke_width=stroke, stroke_fill=fill
        )
        return
    x, y = xy
    if anchor == "mm":
        x -= line_length(text, size) / 2
    # The middle anchor is halfway between the font's ascender and descender lines.
    ascent, descent = font.getmetrics()
    baseline = y + (ascent - descent) / 2
    for run, is_emoji in pieces:
        if not is_emoji:
            draw.text(
                (x, y), run, font=font, fill=fill, anchor="lm", stroke_width=stroke,
                stroke_fill=fill,
            )  # fmt: skip
            x += font.getlength(run)
            continue
        if emoji == "colour":
            draw_emoji(draw, run, size, x, baseline)
        elif emoji == "silhouette":
            draw_silhouette(draw, run, size, x, baseline, emoji_fill or fill, stroke)
        x += cell_width(run, size)
