"""The offline script writer: an extractive script from the user's own text, no model needed.

The body narrates the text's most central sentences (TextRank, `script.extractive`) in
their original order, so nothing is invented; the hook and the call to action come from
the phrasebook. Scripts are sized by estimated narration time (`kit.text.speech_seconds`:
about 2.5 English words or 4.5 Korean syllables a second):

- short: at most 60 s in all, aiming at about 55 s, ideally six body scenes;
- mid: 1 to 5 minutes, aiming at 3.5 minutes when the text is long enough;
- long: over 5 minutes when the text supports it, capped at 12 minutes.

A text too short for its length is narrated whole, never padded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from autoclip.errors import ConfigurationError, InputError
from autoclip.kit.text import (
    detect_language,
    leading_title,
    normalize,
    speech_seconds,
    split_sentences,
)
from autoclip.options import GenerateOptions, Language, Length
from autoclip.script import phrasebook
from autoclip.script.extractive import key_terms, rank_sentences, select_sentences, term_weights
from autoclip.script.model import Scene, Script
from autoclip.script.writer import SourceMaterial

OFFLINE_WRITER_VERSION = "1"

TOPIC_NEEDS_MODEL = (
    "a topic needs a language model: set AUTOCLIP_SCRIPT_WRITER=gemini (with "
    "AUTOCLIP_GEMINI_API_KEY) or openai (AUTOCLIP_OPENAI_BASE_URL, AUTOCLIP_OPENAI_API_KEY), "
    "or give a text or a URL"
)

TITLE_MAX_CHARS = 60
# A headline must be readable at a glance on a phone: Korean glyphs are twice as wide.
HEADLINE_MAX_CHARS = {Language.KO: 28, Language.EN: 42}
SHORT_MAX_SECONDS = 60.0
# Body scenes last about 5 to 9 s: long enough to read the headline, short enough to move.
SCENE_MIN_SECONDS = 5.0
SCENE_MAX_SECONDS = 9.5
MAX_HASHTAGS = 8
MIN_HASHTAGS = 5


@dataclass(frozen=True)
class _Plan:
    target_seconds: float  # hook + body + call to action
    sentence_cap: float | None  # first pick sentences no longer than this (one scene each)
    scene_target: int | None  # merge sentences into this many scenes when they are short


_PLANS = {
    # 55 s leaves headroom under the 60 s limit for a voice slower than the estimate.
    Length.SHORT: _Plan(55.0, SCENE_MAX_SECONDS, 6),
    Length.MID: _Plan(210.0, None, None),
    Length.LONG: _Plan(720.0, None, None),
}
_GENERIC_TAGS = {
    Language.KO: ("#정보", "#꿀팁", "#상식"),
    Language.EN: ("#learn", "#explained", "#facts"),
}
_CTA_VISUAL = {
    Language.KO: "구독 버튼이 있는 마무리 화면",
    Language.EN: "End card with a subscribe button",
}
_CLAUSE_BREAK = re.compile(r"[,;:—–]\s")
_TRAILING_PUNCTUATION = " .,;:!?…。"


class OfflineScriptWriter:
    """Writes a script from `source.text` alone; a bare topic needs a cloud writer."""

    name = "offline"

    def identity(self) -> str:
        return f"{self.name}/{OFFLINE_WRITER_VERSION}/phrasebook-{phrasebook.PHRASEBOOK_VERSION}"

    def write(self, source: SourceMaterial, options: GenerateOptions) -> Script:
        if source.text is None:
            raise ConfigurationError(TOPIC_NEEDS_MODEL)
        title, text = leading_title(normalize(source.text))
        sentences = [s for s in split_sentences(text) if any(ch.isalnum() for ch in s)]
        if not sentences:
            raise InputError("text", "is empty")
        # An extractive writer cannot translate: the script speaks the language of the text,
        # whatever `options.language` asks (it still decides nothing else here).
        language = detect_language(text)
        return _Draft(sentences, language, options, source.title_hint or title).script()


class _Draft:
    """One script being written: the ranked sentences and the choices made from them."""

    def __init__(
        self,
        sentences: list[str],
        language: Language,
        options: GenerateOptions,
        title_hint: str | None,
    ) -> None:
        self.sentences = sentences
        self.language = language
        self.options = options
        self.title_hint = title_hint
        self.seed = hashlib.sha256("\n".join(sentences).encode("utf-8")).hexdigest()
        self.scores = rank_sentences(sentences, language)
        self.weights = term_weights(sentences, language)
        self.costs = [speech_seconds(sentence, language) for sentence in sentences]
        self.top_terms = key_terms(" ".join(sentences), language, self.weights, MAX_HASHTAGS)

    def script(self) -> Script:
        language, tone = self.language, self.options.tone
        topic = self.top_terms[0] if self.top_terms else None
        hook = phrasebook.hook_line(language, tone, topic, self.seed)
        cta = phrasebook.cta_line(language, tone, self.options.vertical, self.seed)
        plan = _PLANS[self.options.length]
        budget = plan.target_seconds - speech_seconds(hook, language)
        budget -= speech_seconds(cta, language)
        groups = _group(self._choose(plan, budget), self.costs, plan.scene_target)
        title = self._title(groups[0][0])
        style = phrasebook.visual_style(language, self.options.vertical)
        return Script(
            language=language,
            title=title,
            hook=Scene(
                narration=hook,
                on_screen_text=_trim(hook, HEADLINE_MAX_CHARS[language]),
                visual=f"{style}: {title}",
                keywords=self.top_terms[:3],
            ),
            scenes=[self._body_scene(group, style) for group in groups],
            cta=Scene(
                narration=cta,
                on_screen_text=phrasebook.cta_headline(language),
                visual=f"{style}: {_CTA_VISUAL[language]}",
                keywords=self.top_terms[:2],
            ),
            description=self._description(),
            hashtags=self._hashtags(),
        )

    def _choose(self, plan: _Plan, budget: float) -> list[int]:
        """Sentence indices for the body: best first within the budget, in text order.

        With a sentence cap (short videos), sentences that fit one scene are chosen first
        and longer ones only fill what budget remains.
        """
        first = self._select(budget, plan.sentence_cap, frozenset())
        chosen = self._select(budget, None, frozenset(first)) if plan.sentence_cap else first
        if chosen:
            return chosen
        # Even the best sentence alone is over budget: narrate its beginning instead.
        best = max(range(len(self.sentences)), key=lambda i: (self.scores[i], -i))
        self.sentences[best] = _trim_to_seconds(self.sentences[best], budget, self.language)
        self.costs[best] = speech_seconds(self.sentences[best], self.language)
        return [best]

    def _select(self, budget: float, cap: float | None, already: frozenset[int]) -> list[int]:
        spent = sum(self.costs[i] for i in already)

        def accept(candidate: int, _chosen: list[int]) -> bool:
            nonlocal spent
            if candidate in already:
                return True
            cost = self.costs[candidate]
            if (cap is not None and cost > cap) or spent + cost > budget:
                return False
            spent += cost
            return True

        return select_sentences(self.sentences, self.language, accept)

    def _body_scene(self, group: list[int], style: str) -> Scene:
        narration = " ".join(self.sentences[i] for i in group)
        lead = max(group, key=lambda i: (self.scores[i], -i))
        keywords = key_terms(narration, self.language, self.weights, 4)
        return Scene(
            narration=narration,
            on_screen_text=_headline(self.sentences[lead], HEADLINE_MAX_CHARS[self.language]),
            visual=f"{style}: {', '.join(keywords) or _strip_end(self.sentences[lead])}",
            keywords=keywords,
        )

    def _title(self, lead: int) -> str:
        hint = normalize(self.title_hint or "").replace("\n", " ")
        if hint:
            return _trim(_strip_end(hint), TITLE_MAX_CHARS)
        return _trim(_strip_end(self.sentences[lead]), TITLE_MAX_CHARS)

    def _description(self) -> str:
        best = sorted(sorted(range(len(self.sentences)), key=lambda i: (-self.scores[i], i))[:2])
        summary = " ".join(self.sentences[i] for i in best)
        cta = phrasebook.description_cta(self.language, self.options.tone, self.seed)
        return f"{summary} {cta}"

    def _hashtags(self) -> list[str]:
        fixed = phrasebook.vertical_hashtags(
            self.language, self.options.vertical, self.options.length
        )
        terms = [f"#{term}" for term in self.top_terms[: MAX_HASHTAGS - len(fixed)]]
        tags: list[str] = []
        for tag in [*terms, *fixed]:
            _add_tag(tags, tag)
        # Generic tags only pad a text too poor in terms to reach the minimum.
        for tag in _GENERIC_TAGS[self.language]:
            if len(tags) >= MIN_HASHTAGS:
                break
            _add_tag(tags, tag)
        return tags[:MAX_HASHTAGS]


def _add_tag(tags: list[str], tag: str) -> None:
    if tag.lower() not in {seen.lower() for seen in tags}:
        tags.append(tag)


def _group(chosen: list[int], costs: Sequence[float], scene_target: int | None) -> list[list[int]]:
    """Chosen sentences gathered into scenes of one or two sentences, in text order.

    Adjacent scenes are merged, the shortest pair first, while a scene is under
    SCENE_MIN_SECONDS or there are more scenes than `scene_target`; a merge for the target
    may stretch a scene a little past SCENE_MAX_SECONDS, one for shortness may not.
    """
    groups = [[index] for index in chosen]

    def seconds(group: list[int]) -> float:
        return sum(costs[i] for i in group)

    while len(groups) > 1:
        too_many = scene_target is not None and len(groups) > scene_target
        candidates = []
        for k in range(len(groups) - 1):
            left, right = groups[k], groups[k + 1]
            combined = seconds(left) + seconds(right)
            if len(left) + len(right) > 2:
                continue
            short = min(seconds(left), seconds(right)) < SCENE_MIN_SECONDS
            limit = SCENE_MAX_SECONDS * (1.25 if too_many else 1.0)
            if (too_many or short) and combined <= limit:
                candidates.append((combined, k))
        if not candidates:
            break
        _, k = min(candidates)
        groups[k : k + 2] = [groups[k] + groups[k + 1]]
    return groups


def _strip_end(text: str) -> str:
    return text.rstrip(_TRAILING_PUNCTUATION)


def _trim(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(_TRAILING_PUNCTUATION) + "…"


def _headline(sentence: str, limit: int) -> str:
    """A scene's on-screen line: the sentence's first clause if it is a readable size."""
    sentence = _strip_end(sentence)
    clause = _strip_end(_CLAUSE_BREAK.split(sentence, maxsplit=1)[0])
    if len(sentence) <= limit:
        return sentence
    if 8 <= len(clause) <= limit:
        return clause
    return _trim(clause, limit)


def _trim_to_seconds(sentence: str, seconds: float, language: Language) -> str:
    """The longest run of whole words from the start of `sentence` spoken within `seconds`."""
    kept: list[str] = []
    for word in sentence.split():
        if kept and speech_seconds(" ".join([*kept, word]), language) > seconds:
            break
        kept.append(word)
    trimmed = " ".join(kept)
    return trimmed if trimmed == sentence else _strip_end(trimmed) + "…"
