"""A project's pronunciation dictionary: written word → how it is read.

An entry replaces a written word whose core (the word without the punctuation around it)
is the entry's word, matched exactly, then whatever its case; in Korean, also a word that
is the entry's word followed by particles in Hangul (오토클립으로 for AutoClip으로). The
reading is then normalised like any other text (`speech.reading`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_ENTRIES = 200
MAX_WORD_CHARS = 50
MAX_READING_CHARS = 100

_EDGES = re.compile(r"^([\"'“‘(\[{「『<]*)(.*?)([\"'”’)\]}」』>.,!?;:…]*)$", re.DOTALL)
_HANGUL_TAIL = re.compile(r"[가-힣]+")

Lexicon = Mapping[str, str]


def lexicon_problem(entries: Mapping[str, str]) -> str | None:
    """What is wrong with a dictionary a user gave, or None when it is fine."""
    if len(entries) > MAX_ENTRIES:
        return f"at most {MAX_ENTRIES} entries"
    for word, reading in entries.items():
        if not word or len(word) > MAX_WORD_CHARS or any(char.isspace() for char in word):
            return f"{word!r}: a word is one word of 1 to {MAX_WORD_CHARS} characters"
        if not reading.strip() or len(reading) > MAX_READING_CHARS:
            return f"{word!r}: a reading is 1 to {MAX_READING_CHARS} characters"
    return None


def apply_lexicon(word: str, lexicon: Lexicon) -> str:
    """`word` with its core replaced by the dictionary's reading, if it has one."""
    if not lexicon:
        return word
    match = _EDGES.match(word)
    if match is None:
        return word
    before, core, after = match.groups()
    reading = _reading(core, lexicon)
    return word if reading is None else f"{before}{reading}{after}"


def _reading(core: str, lexicon: Lexicon) -> str | None:
    if core in lexicon:
        return lexicon[core]
    folded = {word.casefold(): reading for word, reading in lexicon.items()}
    if core.casefold() in folded:
        return folded[core.casefold()]
    # A Korean particle after the word: AutoClip으로.
    for word, reading in sorted(folded.items(), key=lambda item: -len(item[0])):
        if core.casefold().startswith(word) and _HANGUL_TAIL.fullmatch(core[len(word) :]):
            return reading + core[len(word) :]
    return None
