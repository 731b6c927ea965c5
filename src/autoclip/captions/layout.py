"""Caption pages: timed words grouped into at most two lines that fit the frame's safe area.

Lines break only between words. Korean eojeol are space-delimited, so a narrator's words are
exactly the units a Korean line may break between; a word is never split.

A page ends at the end of a sentence, when it has been on screen for ~3 s, or when its lines
are full. The page then stays up until the next one starts if the pause is short, so the
captions do not blink between pages.

A single word wider than a whole line (a long URL, 300 characters without a space) is
truncated with an ellipsis '…'. The alternatives are worse: breaking it would split a word
and could fill several pages with an unreadable string, and shrinking the font for one word
makes the captions jump in size. The voice still says the whole word.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autoclip.captions.style import CaptionStyle, caption_style
from autoclip.kit.emoji import emoji_layers, split_emoji, without_emoji
from autoclip.kit.fonts import can_draw, drawable
from autoclip.providers.narration.base import WordTiming

ELLIPSIS = "…"

# After speech stops, a page lingers this long; a pause no longer than BRIDGE_SECONDS is
# covered entirely so that the next page replaces this one without a blank frame.
LINGER_SECONDS = 0.5
BRIDGE_SECONDS = 1.0
# A sentence end starts a new page only once the page has been up this long; otherwise a
# one-word sentence ("네.", "Right.") would flash by too fast to read.
MIN_SENTENCE_PAGE_SECONDS = 0.7

# Characters that are markup in ASS (override blocks and backslash escapes such as \N).
# Their full-width forms look the same to a reader and mean nothing to libass.
ASS_MARKUP: Mapping[str, str] = {"{": "｛", "}": "｝", "\\": "＼"}

_SENTENCE_END = re.compile(r"[.!?…。！？‼⁇⁈⁉][\"'”’)\]」』》〉]*$")


@dataclass(frozen=True)
class TimedWord:
    """One word as shown: cleaned display text (never empty) and absolute times in seconds."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class CaptionPage:
    """What is on screen from `start` to `end`: one or two lines of words."""

    lines: list[list[TimedWord]]
    start: float
    end: float

    @property
    def words(self) -> list[TimedWord]:
        return [word for line in self.lines for word in line]

    def line_texts(self) -> list[str]:
        return [" ".join(word.text for word in line) for line in self.lines]


def substitute(text: str, table: Mapping[str, str]) -> str:
    """`text` with every key of `table` replaced by its value, or dropped if undrawable."""
    if not any(char in text for char in table):
        return text
    out: list[str] = []
    for char in text:
        replacement = table.get(char)
        if replacement is None:
            out.append(char)
        elif all(can_draw(ch) for ch in replacement):
            out.append(replacement)
    return "".join(out)


def strip_controls(text: str) -> str:
    """Control characters and line/paragraph separators become spaces.

    A raw CR or LF inside a caption would end the Dialogue line of the ASS file (and start
    a new, attacker-written one) or end an SRT cue.
    """
    return "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text
    )


def clean_caption_text(text: str, style: CaptionStyle | None = None) -> str:
    """The text a caption shows for `text`: one line, no ASS markup, only glyphs the
    style's font can draw, and emoji only where the style's look allows them and the
    emoji font can draw them (`kit/emoji.py`); the others are dropped, never boxes."""
    font = style.font_path if style else None
    text = substitute(strip_controls(text), ASS_MARKUP)
    if style is None or not style.look.emoji:
        return drawable(without_emoji(text) if style else text, font)
    kept: list[str] = []
    for run, is_emoji in split_emoji(text):
        if is_emoji and emoji_layers(run):
            kept.append(run)
        elif not is_emoji or all(can_draw(char, font) for char in run):
            # plain text, or a symbol (★) the emoji font lacks but the caption font draws
            kept.append("".join(char for char in run if can_draw(char, font)))
    return " ".join("".join(kept).split())


def layout_pages(
    words: Sequence[WordTiming],
    frame_size: tuple[int, int],
    end_time: float,
    *,
    style: CaptionStyle | None = None,
) -> list[CaptionPage]:
    """Caption pages for `words` (absolute times on the video timeline) ending by `end_time`.

    Words that clean to nothing (only emoji, say) are dropped; the previous word stays
    highlighted through their time. Words starting at or after `end_time` are not shown.
    """
    style = style or caption_style(frame_size)
    timed = _prepare(words, end_time, style)
    groups = _group_pages(timed, style)
    return _timed_pages(groups, end_time, style)


def fit_token(text: str, style: CaptionStyle) -> str:
    """`text` if it fits on a line, else its longest prefix that fits followed by '…'."""
    if style.fits(text):
        return text
    low, high = 0, len(text)  # invariant: prefix of `low` chars fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if style.fits(_truncated(text, middle)):
            low = middle
        else:
            high = middle - 1
    return _truncated(text, low)


def _truncated(text: str, length: int) -> str:
    prefix = text[:length]
    # a combining mark cut off from its base would render as a dotted circle
    while prefix and unicodedata.combining(prefix[-1]):
        prefix = prefix[:-1]
    return prefix.rstrip() + ELLIPSIS


def _prepare(words: Sequence[WordTiming], end_time: float, style: CaptionStyle) -> list[TimedWord]:
    """Cleaned, truncated words with times made monotonic and clipped to [0, end_time]."""
    prepared: list[TimedWord] = []
    previous_start = 0.0
    for word in words:
        if not (math.isfinite(word.start) and math.isfinite(word.end)):
            continue
        text = clean_caption_text(word.text, style)
        if not text:
            continue
        # timings from a spread or an engine can overlap slightly; the highlight must
        # move forward only, so a start never goes back before the previous one
        start = max(word.start, previous_start)
        if start >= end_time:
            break
        end = min(max(word.end, start), end_time)
        prepared.append(TimedWord(fit_token(text, style), start, end))
        previous_start = start
    return prepared


def _group_pages(words: Sequence[TimedWord], style: CaptionStyle) -> list[list[TimedWord]]:
    groups: list[list[TimedWord]] = []
    current: list[TimedWord] = []
    for word in words:
        if current and _starts_new_page(current, word, style):
            groups.append(current)
            current = []
        current.append(word)
    if current:
        groups.append(current)
    return _adopt_orphans(groups, style)


def _adopt_orphans(groups: list[list[TimedWord]], style: CaptionStyle) -> list[list[TimedWord]]:
    """A page holding only the last word of a sentence begun on the page before takes one
    more word from that page, so a sentence never ends on a lone word ("laziness.")."""
    for index in range(1, len(groups)):
        before, page = groups[index - 1], groups[index]
        if len(page) != 1 or len(before) < 3 or _ends_sentence(before[-1].text):
            continue
        widened = [before[-1], *page]
        if break_lines(widened, style) is not None:
            groups[index - 1], groups[index] = before[:-1], widened
    return groups


def _starts_new_page(current: list[TimedWord], word: TimedWord, style: CaptionStyle) -> bool:
    page_start = current[0].start
    shown_so_far = word.start - page_start
    if _ends_sentence(current[-1].text) and shown_so_far >= MIN_SENTENCE_PAGE_SECONDS:
        return True
    if word.end - page_start > style.max_page_seconds:
        return True
    return break_lines([*current, word], style) is None


def _ends_sentence(text: str) -> bool:
    return _SENTENCE_END.search(text) is not None


def break_lines(words: Sequence[TimedWord], style: CaptionStyle) -> list[list[TimedWord]] | None:
    """`words` broken into at most `style.max_lines` lines that fit, or None if impossible.

    One line when everything fits on one; for two lines, the break that makes the longer
    line shortest, so a page never shows a full line over a lone word.
    """
    greedy = _greedy_lines(words, style)
    if greedy is None or len(greedy) > style.max_lines:
        return None
    if len(greedy) != 2:
        return greedy
    best = greedy
    best_width = max(style.text_width(_joined(line)) for line in greedy)
    for split in range(1, len(words)):
        top, bottom = list(words[:split]), list(words[split:])
        width = max(style.text_width(_joined(top)), style.text_width(_joined(bottom)))
        if width < best_width:
            best, best_width = [top, bottom], width
    return best


def _greedy_lines(words: Sequence[TimedWord], style: CaptionStyle) -> list[list[TimedWord]] | None:
    lines: list[list[TimedWord]] = []
    for word in words:
        if lines and style.fits(_joined([*lines[-1], word])):
            lines[-1].append(word)
        elif style.fits(word.text):
            lines.append([word])
        else:
            return None  # only for words not passed through fit_token
    return lines


def _joined(line: Sequence[TimedWord]) -> str:
    return " ".join(word.text for word in line)


def _timed_pages(
    groups: Sequence[list[TimedWord]], end_time: float, style: CaptionStyle
) -> list[CaptionPage]:
    pages: list[CaptionPage] = []
    for index, group in enumerate(groups):
        lines = break_lines(group, style)
        if lines is None:  # cannot happen for grouped words; keep going rather than fail
            lines = [[word] for word in group]
        start = group[0].start
        speech_end = max(word.end for word in group)
        next_start = groups[index + 1][0].start if index + 1 < len(groups) else end_time
        if next_start - speech_end <= BRIDGE_SECONDS:
            end = next_start  # the next page (or the clip's end) follows without a blank
        else:
            end = speech_end + LINGER_SECONDS
        pages.append(CaptionPage(lines, start, max(end, group[-1].start)))
    return pages
