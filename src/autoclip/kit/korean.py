"""Korean morphological analysis with Kiwi (`kiwipiepy`, its model from `kiwipiepy-model`).

Korean glues particles (조사) and endings (어미) onto words, so "수면은", "수면을" and
"수면이다" are one noun to a reader and three strings to a program. The analyser splits
every eojeol into morphemes with their part of speech, which gives:

- sentences, also where pasted text drops the final period, and never inside a quote;
- nouns (NNG common, NNP proper, SL a Latin word such as "AI") for ranking, keywords and
  hashtags: never an adjective or a verb form, never a particle;
- predicates that can be conjugated again (`join`): a hook restates a sentence's fact
  in the tone's register ("높은 것으로 나타났다" → "높습니다", "높아요").

The analyser loads once per process, lazily and under a lock (threads of a worker share
it): about a second, most of it the model. The multi-word proper-noun dictionary (names
like "더글러스 애덤스") is left out: it doubles the load time and the texts AutoClip reads
gain nothing from it. Calls hold the lock too: Kiwi keeps the GIL while it works, so
serialising them costs nothing, and no thread ever sees a half-built analyser.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

# Parts of speech (the Sejong tag set Kiwi uses).
NOUN_TAGS = frozenset({"NNG", "NNP"})
LATIN_TAG = "SL"
NUMBER_TAG = "SN"
# Stems a sentence's predicate is built on; "-R"/"-I" mark regular and irregular verbs.
PREDICATE_TAGS = frozenset(
    {"VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA", "VV-R", "VV-I", "VA-R", "VA-I", "VX-R", "VX-I"}
)
# Affixes that belong inside a compound noun ("무" in "수면무호흡증", "들" is not one).
_COMPOUND_AFFIXES = frozenset({"XPN", "XSN"})
# Single-syllable nouns worth a keyword; the rest ("것", "수", "등", "점") are too vague.
SHORT_NOUNS = frozenset("잠몸뇌밤꿈물빛돈집밥약술땀암병삶책힘맛숨빚땅글옷차폰쌀귤빵")


@dataclass(frozen=True)
class Morpheme:
    form: str
    tag: str
    start: int  # character offset in the analysed text
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


_lock = threading.Lock()
_kiwi: Any = None


def _analyser() -> Any:
    """The process's Kiwi, built on first use. Call with `_lock` held."""
    global _kiwi
    if _kiwi is None:
        from kiwipiepy import Kiwi  # imported here: English-only runs never pay for it

        kiwi = Kiwi(num_workers=1, load_multi_dict=False)
        kiwi.tokenize("준비")  # the first call finishes loading; pay for it here, once
        _kiwi = kiwi
    return _kiwi


def warm_up() -> None:
    """Load the analyser now (a worker at start-up), not inside the first script."""
    with _lock:
        _analyser()


# Analyses by text. A script asks for each sentence several times (ranking, keywords,
# hooks), and splitting a paragraph analyses its sentences already: they are kept here.
_CACHE_SIZE = 8192
_cache: dict[str, tuple[Morpheme, ...]] = {}


def _remember(text: str, analysed: tuple[Morpheme, ...]) -> None:
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()  # simpler than LRU, and a worker's texts rarely repeat anyway
    _cache[text] = analysed


def morphemes(text: str) -> tuple[Morpheme, ...]:
    """The morphemes of `text`, offsets into `text`."""
    with _lock:
        cached = _cache.get(text)
        if cached is None:
            tokens = _analyser().tokenize(text)
            cached = tuple(Morpheme(t.form, t.tag, t.start, t.len) for t in tokens)
            _remember(text, cached)
    return cached


def sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph, as written (offsets kept, nothing normalised).

    Each sentence's morphemes come with it (offsets moved to the sentence), so that
    `morphemes` finds them without analysing the sentence again."""
    with _lock:
        found = _analyser().split_into_sents(paragraph, return_tokens=True)
        parts: list[str] = []
        for sentence in found:
            raw = paragraph[sentence.start : sentence.end]
            text = raw.strip()
            if not text:
                continue
            origin = sentence.start + raw.index(text)
            analysed = tuple(
                Morpheme(t.form, t.tag, t.start - origin, t.len)
                for t in sentence.tokens
                if origin <= t.start < origin + len(text)
            )
            _remember(text, analysed)
            parts.append(text)
    return parts


def join(morphs: list[tuple[str, str, bool]]) -> str:
    """Morphemes (form, tag, space before) joined into text, endings fitted to their stems
    ("줄" + "습니다" → "줍니다", "빠르" + "어요" → "빨라요")."""
    with _lock:
        return str(_analyser().join(morphs))


def is_noun(morpheme: Morpheme) -> bool:
    return morpheme.tag in NOUN_TAGS or morpheme.tag == LATIN_TAG


def nouns(text: str, *, compounds: bool = False, verbal: bool = True) -> list[str]:
    """The nouns of `text` in order, Latin words included ("AI", "USB").

    With `compounds`, nouns written together ("건강수명", "수면무호흡증") stay one word,
    as a reader and a hashtag see them; without, each part counts (for matching
    sentences that share "수면" with "수면시간"). Without `verbal`, a noun used as a verb
    ("좌우" of "좌우합니다", "준비" of "준비하는") is left out: it names an action, not a topic.
    """
    found: list[str] = []
    run: list[Morpheme] = []

    def close() -> None:
        # A prefix with no noun after it is no word; a plural "들" is no part of a keyword.
        while run and (run[-1].tag == "XPN" or run[-1].form == "들"):
            run.pop()
        if any(is_noun(m) for m in run):
            found.append("".join(m.form for m in run))
        run.clear()

    analysed = morphemes(text)
    for index, morpheme in enumerate(analysed):
        after = analysed[index + 1] if index + 1 < len(analysed) else None
        used_as_verb = (
            after is not None and after.tag in ("XSV", "XSA") and after.start == morpheme.end
        )
        if not verbal and used_as_verb and is_noun(morpheme):
            run.clear()
            continue
        if not compounds:
            if is_noun(morpheme):
                found.append(morpheme.form)
            continue
        glued = bool(run) and run[-1].end == morpheme.start
        if is_noun(morpheme) or morpheme.tag in _COMPOUND_AFFIXES:
            if run and not glued:
                close()
            run.append(morpheme)
        else:
            close()
    if compounds:
        close()
    return found
