"""Setting display text with Pillow: wrap at spaces by measured width, shrink to fit a box.

Lines break only at spaces, so a Korean eojeol (a word with its particles) is never split
across lines; a word is broken inside only when it alone cannot fit at the smallest size
(a long URL, say), because clipped text is worse than an odd break.

The only Korean font shipped is Noto Sans KR Regular, so weight comes from Pillow's stroke:
a thin stroke in the text colour makes it bold, a wider one in the outline colour under it
makes an outline.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageDraw, ImageFont

from autoclip.kit.fonts import drawable, sans_font_path

RGB = tuple[int, int, int]
LINE_HEIGHT = 1.28  # of the font size; Hangul needs more leading than Latin to breathe


@lru_cache(maxsize=128)
def sans(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(sans_font_path()), size)


def release_fonts() -> None:
    """Drop the opened sizes of the font: each keeps its own mapping of the whole file
    resident (see `captions.style.release_fonts`)."""
    sans.cache_clear()


def clean(text: str) -> str:
    """Display text: only characters the font can draw (emoji dropped), spaces collapsed."""
    return drawable(text.replace("\n", " "))


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
    return sans(size).getlength(text) + 2 * outline_width(size)


def _break_word(word: str, size: int, max_width: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in word:
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
    and without descenders sit on the same rhythm.
    """
    x0, y0 = origin
    font = block.font
    stroke = bold_stroke(block.size)
    for index, line in enumerate(block.lines):
        y = y0 + index * block.line_height + block.line_height // 2
        if align == "center":
            x, anchor = x0 + box_width // 2, "mm"
        else:
            x, anchor = x0 + outline_width(block.size), "lm"
        if outline is not None:
            ring = outline_width(block.size)
            draw.text(
                (x, y),
                line,
                font=font,
                fill=outline,
                anchor=anchor,
                stroke_width=ring,
                stroke_fill=outline,
            )
        draw.text(
            (x, y),
            line,
            font=font,
            fill=fill,
            anchor=anchor,
            stroke_width=stroke,
            stroke_fill=fill,
        )
