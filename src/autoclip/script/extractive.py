"""Extractive summarising: TextRank over a sentence graph, language-aware through content terms.

Sentences are TF-IDF vectors of their content terms (Korean nouns found by the analyser,
English words without stopwords: `kit.text.content_terms`); edges are cosine similarities;
PageRank by power iteration scores how central each sentence is to the whole text. No
network: the same text always gives the same ranking.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from autoclip.kit import korean
from autoclip.kit.text import KO_GENERIC_NOUNS, content_terms, word_set
from autoclip.options import Language

DAMPING = 0.85
# Sentences this similar (cosine of their TF-IDF vectors) say the same thing twice.
NEAR_DUPLICATE = 0.8
# A lead sentence usually states the subject; a small boost, not enough to beat content.
_LEAD_PRIOR = (0.15, 0.07, 0.03)

Matrix = npt.NDArray[np.float64]


def _ranking_terms(sentence: str, language: Language) -> list[str]:
    """Content terms folded further for matching: English plurals join their singular."""
    terms = content_terms(sentence, language)
    if language is Language.EN:
        return [_singular(term) for term in terms]
    return terms


def _singular(term: str) -> str:
    if len(term) > 4 and term.endswith("ies"):
        return term[:-3] + "y"
    if len(term) > 3 and term.endswith("s") and not term.endswith(("ss", "us", "is")):
        return term[:-1]
    return term


def similarity_matrix(sentences: Sequence[str], language: Language) -> Matrix:
    """Cosine similarity of the sentences' TF-IDF vectors, with a zero diagonal."""
    bags = [Counter(_ranking_terms(sentence, language)) for sentence in sentences]
    vocabulary = sorted({term for bag in bags for term in bag})
    index = {term: column for column, term in enumerate(vocabulary)}
    count = len(sentences)
    vectors = np.zeros((count, len(vocabulary)), dtype=np.float64)
    for row, bag in enumerate(bags):
        for term, frequency in bag.items():
            # Sublinear tf: a word repeated in one sentence should not dominate it.
            vectors[row, index[term]] = 1.0 + math.log(frequency)
    document_frequency = (vectors > 0).sum(axis=0)
    # Smoothed idf keeps terms found in every sentence slightly positive, not zero.
    vectors *= np.log((1.0 + count) / (1.0 + document_frequency)) + 1.0
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0] = 1.0
    unit = vectors / norms[:, None]
    similarity: Matrix = unit @ unit.T
    np.fill_diagonal(similarity, 0.0)
    return similarity


def pagerank(weights: Matrix, damping: float = DAMPING, tolerance: float = 1e-10) -> Matrix:
    """Stationary scores of a weighted graph (rows link to columns), by power iteration.

    A sentence that shares no term with any other (a dangling node) links to all of them
    evenly, the standard fix that keeps the transition matrix stochastic.
    """
    count = weights.shape[0]
    out_weight = weights.sum(axis=1)
    transition = np.full((count, count), 1.0 / count)
    linked = out_weight > 0
    transition[linked] = weights[linked] / out_weight[linked, None]
    scores = np.full(count, 1.0 / count)
    for _ in range(500):
        updated: Matrix = (1.0 - damping) / count + damping * (transition.T @ scores)
        if float(np.abs(updated - scores).sum()) < tolerance:
            return updated
        scores = updated
    return scores


def rank_sentences(sentences: Sequence[str], language: Language) -> list[float]:
    """TextRank score of every sentence, in input order; the scores sum to 1."""
    if not sentences:
        return []
    if len(sentences) == 1:
        return [1.0]
    scores = pagerank(similarity_matrix(sentences, language))
    return [float(score) for score in scores]


def _with_lead_prior(scores: Sequence[float]) -> list[float]:
    return [
        score * (1.0 + (_LEAD_PRIOR[i] if i < len(_LEAD_PRIOR) else 0.0))
        for i, score in enumerate(scores)
    ]


def select_sentences(
    sentences: Sequence[str],
    language: Language,
    accept: Callable[[int, list[int]], bool],
    *,
    weights: Sequence[float] | None = None,
    forced: Sequence[int] = (),
) -> list[int]:
    """Indices chosen best-first while `accept(candidate, chosen)` agrees, in original order.

    `weights` multiply the TextRank scores (the text's structure: a lead, a figure); without
    them the first sentences get a small lead prior. The `forced` indices are offered first,
    in their order (a news lead, a how-to's steps), before any other sentence.

    A candidate nearly repeating an already chosen sentence is skipped before `accept` is
    asked, so the budget goes to new information.
    """
    if not sentences:
        return []
    similarity = similarity_matrix(sentences, language)
    ranked = rank_sentences(sentences, language)
    if weights is None:
        scores = _with_lead_prior(ranked)
    else:
        scores = [score * weight for score, weight in zip(ranked, weights, strict=True)]
    # Ties (equal scores) fall back to the earlier sentence, so the choice is deterministic.
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    first = list(dict.fromkeys(forced))
    order = first + [i for i in order if i not in set(first)]
    chosen: list[int] = []
    for candidate in order:
        if any(similarity[candidate, kept] >= NEAR_DUPLICATE for kept in chosen):
            continue
        if accept(candidate, chosen):
            chosen.append(candidate)
    return sorted(chosen)


def select_key_sentences(sentences: Sequence[str], language: Language, count: int) -> list[int]:
    """The `count` most central sentences (fewer if the text is short), in original order."""
    return select_sentences(sentences, language, lambda _candidate, chosen: len(chosen) < count)


def keyword_terms(text: str, language: Language) -> list[str]:
    """The words of `text` fit to be keywords and hashtags, in text order, repeats kept.

    Korean: the nouns as written ("건강수명", "수면무호흡증" stay whole: a hashtag is a
    word a reader would type). English: the content words.
    """
    if language is Language.KO:
        found = [noun.lower() for noun in korean.nouns(text, compounds=True, verbal=False)]
    else:
        found = content_terms(text, language)
    return [term for term in found if is_keyword(term, language)]


def term_weights(
    sentences: Sequence[str], language: Language, title: str | None = None
) -> dict[str, float]:
    """How strongly each keyword carries the text: its frequency, earlier terms first.

    The weight is the count plus a tiny bonus for appearing early, so that ties between
    equally frequent terms break towards the one the text opened with. A word of the
    title counts three more: the title names what the text is about.
    """
    weights: dict[str, float] = {}
    position = 0
    for sentence in sentences:
        for term in keyword_terms(sentence, language):
            position += 1
            if term not in weights:
                weights[term] = 1.0 / (1000.0 + position)
            weights[term] += 1.0
    # A title word the text never repeats still names the topic ("숙면", "budget").
    for term in dict.fromkeys(keyword_terms(title or "", language)):
        weights[term] = weights.get(term, 1.0 / (1000.0 + position + 1)) + 3.0
    # A verb of a Korean title names it as its noun form ("걸으면" → "걷기"), weighed by
    # how often the text uses the verb.
    for noun, stem in _title_stems(title, language):
        uses = sum(
            1
            for sentence in sentences
            for m in korean.morphemes(sentence)
            if m.form == stem and m.tag.startswith("VV")
        )
        weights[noun] = 3.0 + uses + 1.0 / (1000.0 + position + 1)
    return weights


def _title_stems(title: str | None, language: Language) -> list[tuple[str, str]]:
    if not title or language is not Language.KO:
        return []
    found = []
    for morph in korean.morphemes(title):
        if morph.tag.startswith("VV"):
            noun = korean.join([(morph.form, morph.tag, False), ("기", "ETN", False)])
            if len(noun) >= 2 and is_keyword(noun, language):
                found.append((noun, morph.form))
    return found


def title_verbs(title: str | None, language: Language) -> list[str]:
    """The verbs of a Korean title as nouns ("걸으면" → "걷기"): topics a hashtag can name."""
    return [noun for noun, _ in _title_stems(title, language)]


def key_terms(
    texts: Sequence[str],
    language: Language,
    weights: dict[str, float],
    count: int,
    extra: Sequence[str] = (),
) -> list[str]:
    """The `count` strongest distinct keywords of `texts` and `extra`, judged by `weights`.

    Texts are analysed one by one (sentences, whose analysis is cached), never joined."""
    found = [term for text in texts for term in keyword_terms(text, language)]
    seen = list(dict.fromkeys([*found, *extra]))
    seen.sort(key=lambda term: -weights.get(term, 0.0))
    return seen[:count]


# English words that are content words but name no topic: a hashtag of them says nothing.
_EN_GENERIC = word_set(
    """time times people person way ways thing things day days year years week weeks hour
    hours minute minutes study studies research researchers percent lot lots part new many
    much one two three four five six seven eight nine ten first second third last next said
    says found make makes made use used good better best well really every need needs want
    know think see say tell help helps keep keeps come comes going take takes give less
    least fewer according article reader readers comment comments share subscribe click
    news report reported something someone everyone anything nothing today yesterday
    tomorrow recent recently number numbers able likely many start starts end ends"""
)


def is_keyword(term: str, language: Language) -> bool:
    """Whether a term is fit to show as a keyword or hashtag: topical, not a number."""
    if term.isdigit() or len(term) > 20 or not any(ch.isalpha() for ch in term):
        return False
    if language is Language.KO:
        if term in KO_GENERIC_NOUNS:
            return False
        return len(term) >= 2 or term in korean.SHORT_NOUNS
    return len(term) >= 3 and term not in _EN_GENERIC
