"""Finding the strongest fact of a text: what a hook should open with.

A viewer stays for a figure ("치매 위험이 30% 높습니다"), a contrast ("Sleep is not idle
time") or a question the video is about to answer, and leaves at a generic teaser. Each
narratable sentence is scored by what it carries:

- a ratio (a percentage, "두 배", "twice") beats any other figure, which beats none;
- a contrast ("아니라", "하지만", "not", "instead");
- a question that the next sentence answers;
- centrality (TextRank), the topic's words, and for news the lead;
- a quote counts against: a hook speaks in the channel's voice, not a source's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from autoclip.options import Language
from autoclip.script.extractive import keyword_terms
from autoclip.script.structure import Document, Kind, has_number


class FactKind(StrEnum):
    RATIO = "ratio"
    FIGURE = "figure"
    CONTRAST = "contrast"
    QUESTION = "question"
    STATEMENT = "statement"


@dataclass(frozen=True)
class Fact:
    index: int  # into the document's narratable sentences
    kind: FactKind
    strength: float


RATIO = {
    Language.KO: re.compile(
        r"\d+(?:\.\d+)?\s?(?:%|퍼센트|배)|(?:두|세|네|다섯|열)\s?배|절반|\d+\s?명\s?중\s?\d+\s?명"
    ),
    Language.EN: re.compile(
        r"\d+(?:\.\d+)?\s?(?:%|percent|times)|\b(?:twice|double[sd]?|triple[sd]?|half|halve[sd]?|"
        r"(?:two|three|four|five|ten)\s+times|\w+\s+in\s+(?:two|three|four|five|ten|\d+))\b",
        re.IGNORECASE,
    ),
}
CONTRAST = {
    Language.KO: re.compile(r"아니라|아닙니다|아니다|하지만|그러나|반면|오히려|달리|대신|뜻밖"),
    Language.EN: re.compile(
        r"\b(?:not|isn't|aren't|doesn't|don't|never|but|however|instead|rather than|unlike|"
        r"whereas|myth|actually|contrary)\b",
        re.IGNORECASE,
    ),
}
_WEIGHTS = {
    FactKind.RATIO: 3.0,
    FactKind.FIGURE: 2.0,
    FactKind.CONTRAST: 1.5,
    FactKind.QUESTION: 1.5,
    FactKind.STATEMENT: 0.0,
}


def fact_kind(sentences: Sequence[str], index: int, language: Language) -> FactKind:
    text = sentences[index]
    if RATIO[language].search(text):
        return FactKind.RATIO
    if has_number(text, language):
        return FactKind.FIGURE
    answered = index + 1 < len(sentences) and not sentences[index + 1].rstrip().endswith("?")
    if text.rstrip("\"'”’) ").endswith(("?", "？")) and answered:
        return FactKind.QUESTION
    if CONTRAST[language].search(text):
        return FactKind.CONTRAST
    return FactKind.STATEMENT


def strongest_facts(
    document: Document,
    narratable: Sequence[int],
    scores: Sequence[float],
    topics: Sequence[str],
) -> list[Fact]:
    """The narratable sentences as facts, strongest first.

    `narratable` maps the scored sentences to the document's; `scores` are their TextRank
    scores, `topics` the text's leading keywords.
    """
    language = document.language
    texts = [document.sentences[i].text for i in narratable]
    top = max(scores, default=0.0) or 1.0
    facts: list[Fact] = []
    for position, index in enumerate(narratable):
        sentence = document.sentences[index]
        kind = fact_kind(texts, position, language)
        strength = _WEIGHTS[kind] + 2.0 * scores[position] / top
        terms = set(keyword_terms(sentence.text, language))
        strength += sum(0.75 for topic in topics[:3] if topic in terms)
        if document.kind in (Kind.NEWS, Kind.PRODUCT) and position == 0:
            strength += 1.5  # the lead carries the finding; a product page, what it is
        elif sentence.paragraph == document.sentences[narratable[0]].paragraph:
            strength += 0.5
        if sentence.quote:
            strength -= 1.5
        facts.append(Fact(position, kind, strength))
    facts.sort(key=lambda fact: (-fact.strength, fact.index))
    return facts
