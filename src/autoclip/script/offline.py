"""The offline writer's language work: a script from the user's own text, no model needed.

The text is read first (`script.structure`): its boilerplate dropped (bylines, dates,
share prompts, comments), its kind told (news, how-to, list, opinion, product), each
sentence noted for figures, quotes and steps. The body then narrates the text's own
sentences in their original order, so nothing is invented: the ones the structure says a
short must keep (a news lead, a how-to's steps) first, then the most central ones
(TextRank, `script.extractive`), weighted up where they carry a figure. The hook restates
the strongest fact (`script.hooks`); the title, description and hashtags are made by
`script.metadata`; only the call to action comes from the phrasebook.

Scripts are sized by estimated narration time (`kit.text.speech_seconds`: about 2.5
English words or 4.5 Korean syllables a second):

- short: at most 60 s in all, aiming at about 55 s, ideally six body scenes;
- mid: 1 to 5 minutes, aiming at 3.5 minutes when the text is long enough;
- long: over 5 minutes when the text supports it, capped at 12 minutes.

A text too short for its length is narrated whole, never padded. The writer itself, as
a backend of the writing capability, is `providers.writing.offline`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from autoclip.errors import InputError
from autoclip.kit.text import detect_language, normalize_lines, speech_seconds
from autoclip.options import GenerateOptions, Language, Length
from autoclip.script import metadata, phrasebook
from autoclip.script.extractive import (
    key_terms,
    keyword_terms,
    rank_sentences,
    select_sentences,
    term_weights,
    title_verbs,
)
from autoclip.script.facts import strongest_facts
from autoclip.script.hooks import (
    Hook,
    count_hook,
    fact_hook,
    lower_first,
    names_topic,
    title_hook,
    with_topic,
)
from autoclip.script.model import Scene, Script
from autoclip.script.structure import Document, Kind, Sentence, analyse

OFFLINE_WRITER_VERSION = "2"

TITLE_MAX_CHARS = metadata.TITLE_MAX_CHARS
# A headline must be readable at a glance on a phone: Korean glyphs are twice as wide.
HEADLINE_MAX_CHARS = {Language.KO: 28, Language.EN: 42}
SHORT_MAX_SECONDS = 60.0
# Body scenes last about 5 to 9 s: long enough to read the headline, short enough to move.
SCENE_MIN_SECONDS = 5.0
SCENE_MAX_SECONDS = 9.5
MAX_HASHTAGS = 8
MIN_HASHTAGS = 5
# How many of the strongest facts are tried for a hook before the phrasebook's line.
_HOOK_CANDIDATES = 5
# A figure is what a viewer remembers and repeats: sentences with one weigh this much more.
_NUMBER_WEIGHT = {Kind.PRODUCT: 1.5}
_DEFAULT_NUMBER_WEIGHT = 1.35
# Earlier paragraphs weigh more in news (inverted pyramid) and opinion (the thesis).
_PARAGRAPH_WEIGHTS = {
    Kind.NEWS: (1.4, 1.15),
    Kind.OPINION: (1.3, 1.1),
    Kind.GENERAL: (1.15, 1.07),
    Kind.PRODUCT: (1.2,),
}
_ORDINALS = {
    Language.KO: (
        "첫째", "둘째", "셋째", "넷째", "다섯째",
        "여섯째", "일곱째", "여덟째", "아홉째", "열째",
    ),
    Language.EN: (
        "First", "Second", "Third", "Fourth", "Fifth",
        "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
    ),
}  # fmt: skip


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
_CTA_VISUAL = {
    Language.KO: "구독 버튼이 있는 마무리 화면",
    Language.EN: "End card with a subscribe button",
}
_CLAUSE_BREAK = re.compile(r"[,;:—–]\s")
_TRAILING_PUNCTUATION = " .,;:!?…。"
_PROPER_WORD = re.compile(r"(?<=[a-z,;] )([A-Z][\w'’-]*)")


def write_script(
    text: str,
    options: GenerateOptions,
    *,
    title_hint: str | None = None,
    origin: str | None = None,
) -> Script:
    """A script made of `text`'s own sentences, sized to `options.length`. `origin` is the
    URL or file it came from, credited in the description. `InputError` when the text has
    nothing to narrate."""
    text = normalize_lines(text)
    if not any(ch.isalnum() for ch in text):
        raise InputError("text", "is empty")
    # An extractive writer cannot translate: the script speaks the language of the text,
    # whatever `options.language` asks (it still decides nothing else here).
    document = analyse(text, detect_language(text))
    narratable = _narratable(document)
    if not narratable:
        raise InputError("text", "is empty")
    return _Draft(document, narratable, options, title_hint or document.title, origin).script()


def _narratable(document: Document) -> list[int]:
    """The sentences a script may say: not subheadings, unless the text is nothing else."""
    spoken = [
        i
        for i, s in enumerate(document.sentences)
        if any(ch.isalnum() for ch in s.text) and not s.heading
    ]
    if spoken:
        return spoken
    return [i for i, s in enumerate(document.sentences) if any(ch.isalnum() for ch in s.text)]


class _Draft:
    """One script being written: the ranked sentences and the choices made from them."""

    def __init__(
        self,
        document: Document,
        narratable: list[int],
        options: GenerateOptions,
        title_hint: str | None,
        origin: str | None,
    ) -> None:
        self.document = document
        self.narratable = narratable
        self.items: list[Sentence] = [document.sentences[i] for i in narratable]
        self.language = language = document.language
        self.options = options
        self.title_hint = title_hint
        self.origin = origin
        # As written, for ranking and matching; `sentences` is what the narrator says.
        self.written = [item.text for item in self.items]
        self.proper = frozenset(_PROPER_WORD.findall(" ".join(self.written)))
        self.sentences = [self._spoken(item) for item in self.items]
        self.seed = hashlib.sha256("\n".join(self.written).encode("utf-8")).hexdigest()
        self.scores = rank_sentences(self.written, language)
        clean_hint = metadata.clean_title(title_hint or "")
        self.weights = term_weights(self.written, language, clean_hint)
        self.costs = [speech_seconds(sentence, language) for sentence in self.sentences]
        # A verb of the title names the topic only if the text keeps using it ("걷기").
        verbs = [v for v in title_verbs(clean_hint, language) if self.weights.get(v, 0) >= 5]
        self.top_terms = key_terms(
            [clean_hint, *self.written], language, self.weights, MAX_HASHTAGS, verbs
        )
        self.priority, self.forced = self._structure()

    def _spoken(self, item: Sentence) -> str:
        """A step's line is said with its number as a word: "첫째, …", "Second, …"."""
        text = item.text
        if not item.opens_step or item.step is None or item.step > 10:
            return text
        if not text.endswith(tuple(_TRAILING_PUNCTUATION.strip())):
            text += "."
        ordinal = _ORDINALS[self.language][item.step - 1]
        if self.language is Language.EN:
            text = lower_first(text, self.proper)
        return f"{ordinal}, {text}"

    def _structure(self) -> tuple[list[float], list[int]]:
        """Weights on the TextRank scores, and the sentences that must be offered first."""
        kind = self.document.kind
        paragraphs = sorted({item.paragraph for item in self.items})
        boosts = _PARAGRAPH_WEIGHTS.get(kind, ())
        number_weight = _NUMBER_WEIGHT.get(kind, _DEFAULT_NUMBER_WEIGHT)
        weights: list[float] = []
        for item in self.items:
            weight = number_weight if item.number else 1.0
            rank = paragraphs.index(item.paragraph)
            if rank < len(boosts):
                weight *= boosts[rank]
            if kind is Kind.OPINION and item.paragraph == paragraphs[-1] and rank > 0:
                weight *= 1.25  # the conclusion restates the thesis
            if item.question:
                weight *= 0.9  # a question alone says nothing; its answer does
            weights.append(weight)
        # The first sentence says what the text is about: the lead of news, the thesis of an
        # opinion, what a product is, a how-to's aim. Then every step, in order.
        forced = [0]
        if kind in (Kind.HOWTO, Kind.LIST):
            forced += [i for i, item in enumerate(self.items) if item.opens_step]
        return weights, forced

    def script(self) -> Script:
        language, tone = self.language, self.options.tone
        hook = self._hook()
        cta = phrasebook.cta_line(language, tone, self.options.vertical, self.seed)
        plan = _PLANS[self.options.length]
        budget = plan.target_seconds - speech_seconds(hook.narration, language)
        budget -= speech_seconds(cta, language)
        groups = _group(self._choose(plan, budget), self.costs, plan.scene_target)
        title = metadata.title(self.title_hint, hook.on_screen)
        style = phrasebook.visual_style(language, self.options.vertical)
        return Script(
            language=language,
            title=title,
            hook=Scene(
                narration=hook.narration,
                on_screen_text=hook.on_screen,
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
            hashtags=metadata.hashtags(
                self.top_terms,
                phrasebook.vertical_hashtags(language, self.options.vertical, self.options.length),
                language,
                MAX_HASHTAGS,
                MIN_HASHTAGS,
            ),
        )

    def _hook(self) -> Hook:
        """The hook, from the first of these that fits in the hook's seconds:

        1. a how-to's or list's count ("숙면을 돕는 생활 습관, 다섯 가지입니다");
        2. the headline of news, of an opinion (its claim), or of any text whose title
           is a question;
        3. the strongest facts of the text, one naming the topic first (led by the topic
           when none does);
        4. any other headline but a product's name; the phrasebook's line at last.
        """
        language, tone, kind = self.language, self.options.tone, self.document.kind
        limit = HEADLINE_MAX_CHARS[language]
        title = metadata.clean_title(self.title_hint or "")
        topics = self.top_terms[:3]
        if kind in (Kind.HOWTO, Kind.LIST):
            # The whole title, its part before a comma ("보이스피싱 막는 법, 이것만…"), the topic.
            for subject in (title, title.split(",")[0], *topics[:1]):
                counted = count_hook(
                    subject, self.document.steps, kind is Kind.HOWTO, language, tone, limit
                )
                if counted is not None:
                    return counted
        headline = title_hook(title, language, tone, self.top_terms, limit) if title else None
        question = headline is not None and headline.narration.endswith("?")
        # An editor wrote a news headline to hook; an opinion's title is its claim.
        if headline is not None and (kind in (Kind.NEWS, Kind.OPINION) or question):
            return headline
        facts = strongest_facts(self.document, self.narratable, self.scores, self.top_terms)
        hooks: list[Hook] = []
        for fact in facts[:_HOOK_CANDIDATES]:
            made = fact_hook(
                self.written[fact.index], fact.kind, language, tone, self.top_terms, limit,
                self.proper,
            )  # fmt: skip
            if made is not None:
                hooks.append(made)
        for made in hooks:
            if names_topic(made.narration, topics, language):
                return made
        lead_word = self._subject_noun(title)
        for made in hooks:
            led = with_topic(made, lead_word, language) if lead_word else None
            if led is not None:
                return led
        if headline is not None and kind is not Kind.PRODUCT:
            return headline
        if hooks:
            return hooks[0]
        line = phrasebook.hook_line(language, tone, topics[0] if topics else None, self.seed)
        return Hook(line, metadata.trim(_strip_end(line), limit))

    def _subject_noun(self, title: str) -> str | None:
        """The topic word a hook can lead with: in Korean the last topic noun of the title
        (its head: "이어폰" of "소리숲 무선 이어폰 S3"), else the strongest keyword."""
        topics = self.top_terms[:3]
        in_title = [t for t in keyword_terms(title, self.language) if t in topics]
        if self.language is Language.KO and in_title:
            return in_title[-1]
        return topics[0] if topics else None

    def _choose(self, plan: _Plan, budget: float) -> list[int]:
        """Sentence indices for the body: best first within the budget, in text order.

        With a sentence cap (short videos), sentences that fit one scene are chosen first
        and longer ones only fill what budget remains; the sentences the structure forces
        (a lead, the steps) are offered first whatever their length.
        """
        first = self._select(budget, plan.sentence_cap, frozenset())
        chosen = self._select(budget, None, frozenset(first)) if plan.sentence_cap else first
        if chosen:
            return chosen
        # Even the best sentence alone is over budget: narrate its beginning instead.
        best = self.forced[0] if self.forced else 0
        self.sentences[best] = _trim_to_seconds(self.sentences[best], budget, self.language)
        self.costs[best] = speech_seconds(self.sentences[best], self.language)
        return [best]

    def _select(self, budget: float, cap: float | None, already: frozenset[int]) -> list[int]:
        spent = sum(self.costs[i] for i in already)
        forced = frozenset(self.forced)

        def accept(candidate: int, _chosen: list[int]) -> bool:
            nonlocal spent
            if candidate in already:
                return True
            cost = self.costs[candidate]
            if cap is not None and cost > cap and candidate not in forced:
                return False
            if spent + cost > budget:
                return False
            spent += cost
            return True

        return select_sentences(
            self.written, self.language, accept, weights=self.priority, forced=self.forced
        )

    def _body_scene(self, group: list[int], style: str) -> Scene:
        narration = " ".join(self.sentences[i] for i in group)
        steps = [i for i in group if self.items[i].opens_step]
        lead = steps[0] if steps else max(group, key=lambda i: (self.scores[i], -i))
        keywords = key_terms([self.written[i] for i in group], self.language, self.weights, 4)
        limit = HEADLINE_MAX_CHARS[self.language]
        headline = _headline(self.written[lead], limit)
        step = self.items[lead].step
        if steps and step is not None:
            headline = _headline(f"{step}. {self.written[lead]}", limit)
        return Scene(
            narration=narration,
            on_screen_text=headline,
            visual=f"{style}: {', '.join(keywords) or _strip_end(self.written[lead])}",
            keywords=keywords,
        )

    def _description(self) -> str:
        """The lead and the strongest other sentence (or a how-to's steps), CTA, source."""
        steps = [_strip_end(item.text) for item in self.items if item.opens_step]
        ranked = sorted(range(len(self.written)), key=lambda i: (-self.scores[i], i))
        summary = [0]
        if not steps:
            summary += [i for i in ranked if i != 0][:1]
        text = [self.written[i] for i in sorted(summary)]
        if sum(len(t) for t in text) > 400:
            text = text[:1]
        cta = phrasebook.description_cta(self.language, self.options.tone, self.seed)
        return metadata.description(text, steps, cta, self.origin, self.language)


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


def _headline(sentence: str, limit: int) -> str:
    """A scene's on-screen line: the sentence's first clause if it is a readable size."""
    sentence = _strip_end(sentence)
    clause = _strip_end(_CLAUSE_BREAK.split(sentence, maxsplit=1)[0])
    if len(sentence) <= limit:
        return sentence
    if 8 <= len(clause) <= limit:
        return clause
    return metadata.trim(clause, limit)


def _trim_to_seconds(sentence: str, seconds: float, language: Language) -> str:
    """The longest run of whole words from the start of `sentence` spoken within `seconds`."""
    kept: list[str] = []
    for word in sentence.split():
        if kept and speech_seconds(" ".join([*kept, word]), language) > seconds:
            break
        kept.append(word)
    trimmed = " ".join(kept)
    return trimmed if trimmed == sentence else _strip_end(trimmed) + "…"
