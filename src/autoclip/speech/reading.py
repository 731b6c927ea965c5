"""What a narrator says for a written text, and the written words' timings from the
spoken words' timings.

The text is split into written words at whitespace (the words captions show, after the
characters the caption font cannot draw are left out, as every narrator does). Each written
word gets its own spoken form — the pronunciation dictionary's reading, then the language's
normaliser (`korean.read_korean`, `english.read_english`) — which may be several spoken
words ("3.5%" is "삼 점 오 퍼센트") or none (a lone "→"). The narrator is given the spoken
forms joined by spaces, and times its words; a written word then runs from the start of its
first spoken word to the end of its last. A written word with nothing to say shares the gap
around it (`fill_untimed`); if a narrator times a different number of words than were sent,
the written words are spread over the span the spoken ones cover.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoclip.kit.emoji import split_emoji, without_emoji
from autoclip.kit.fonts import drawable
from autoclip.options import Language
from autoclip.providers.narration.base import WordTiming
from autoclip.providers.narration.timing import fill_untimed, in_order, spread_words
from autoclip.speech.english import read_english
from autoclip.speech.korean import read_korean
from autoclip.speech.lexicon import Lexicon, apply_lexicon

# Changes whenever a rule here or in the normalisers changes what is said, so that cached
# narrations are remade.
READING_VERSION = 1
READERS = {Language.KO: read_korean, Language.EN: read_english}


@dataclass(frozen=True)
class Reading:
    written: tuple[str, ...]  # the words as written, which captions show
    spoken: tuple[str, ...]  # for each written word, what is said ("" for nothing)

    @property
    def text(self) -> str:
        """What the narrator is given."""
        return " ".join(piece for piece in self.spoken if piece)

    def written_timings(self, timed: list[WordTiming]) -> list[WordTiming]:
        """The written words' timings from the narrator's timings of `text`'s words."""
        if not timed:
            return spread_words(list(self.written), 0.0, 0.0)
        start, end = timed[0].start, timed[-1].end
        counts = [len(piece.split()) for piece in self.spoken]
        if sum(counts) != len(timed):
            return spread_words(list(self.written), start, end)
        spans: list[tuple[float, float] | None] = []
        cursor = 0
        for count in counts:
            if count == 0:
                spans.append(None)
                continue
            first, last = timed[cursor], timed[cursor + count - 1]
            spans.append((first.start, last.end))
            cursor += count
        return in_order(fill_untimed(list(self.written), spans, start, end), end)


def read_aloud(text: str, language: Language, lexicon: Lexicon | None = None) -> Reading:
    """The reading of `text` (see the module doc)."""
    written = written_words(text)
    said = [without_emoji(word) for word in written]
    replaced = [apply_lexicon(" ".join(drawable(word).split()), lexicon or {}) for word in said]
    spoken = [" ".join(drawable(piece).split()) for piece in READERS[language](replaced)]
    return Reading(tuple(written), tuple(spoken))


def written_words(text: str) -> list[str]:
    """The words captions show for `text`: whitespace-split, emoji kept (a caption style
    draws or drops them), other characters the caption font cannot draw left out. An
    emoji standing alone is joined to the word before it (the first word: after it), so
    it shares that word's timing and is never a word of its own to time."""
    words: list[str] = []
    pending = ""  # emoji before the first word
    for token in text.split():
        shown = "".join(run if emoji else drawable(run) for run, emoji in split_emoji(token))
        if not shown.strip():
            continue
        if without_emoji(shown).strip():
            words.append(f"{pending} {shown}".lstrip())
            pending = ""
        elif words:
            words[-1] = f"{words[-1]} {shown}"
        else:
            pending = f"{pending} {shown}".strip()
    if pending:
        words.append(pending)  # only emoji: shown, with nothing to say
    return words
