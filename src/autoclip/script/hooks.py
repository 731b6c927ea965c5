"""The hook: the text's strongest fact restated in a few seconds, in the tone's voice.

A hook is made from a sentence of the text (`script.facts` picks it), not from a template
around a keyword: its core clause is cut out, the reporting around it dropped ("…것으로
나타났다", "a study found that …"), and, in Korean, its predicate conjugated again in the
tone's register (Kiwi's `join` fits the ending to the stem):

    하루 6시간 이하로 자는 사람은 … 치매에 걸릴 위험이 30% 높은 것으로 나타났다.
    professional: 치매에 걸릴 위험이 30% 높습니다.      casual: … 30% 높아요!
    urgent:       … 30% 높습니다!                       storytelling: … 30% 높다고 해요.

The on-screen line (and so the thumbnail) is the same clause in headline style ("… 30%
높다"). How-to and list pieces hook with their count instead ("숙면 습관, 다섯 가지만
기억하세요"). Only a text with no usable sentence falls back to the phrasebook's lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from autoclip.kit import korean
from autoclip.kit.korean import PREDICATE_TAGS, Morpheme
from autoclip.kit.text import speech_seconds
from autoclip.options import Language, Tone
from autoclip.script.facts import RATIO, FactKind
from autoclip.script.phrasebook import has_final_consonant
from autoclip.script.structure import DATE_ONLY, KO_NUMBER, has_number

# A fact takes longer to say than a teaser: up to about 20 Korean syllables or 11 English
# words. The figure itself still comes early, and the viewer hears it inside five seconds.
HOOK_MAX_SECONDS = 4.5


@dataclass(frozen=True)
class Hook:
    narration: str
    on_screen: str


def _fits(line: str, language: Language) -> bool:
    return speech_seconds(line, language) <= HOOK_MAX_SECONDS


def fact_hook(
    sentence: str,
    kind: FactKind,
    language: Language,
    tone: Tone,
    topics: Sequence[str],
    headline_max: int,
    proper: frozenset[str] = frozenset(),
) -> Hook | None:
    """A hook from `sentence`, or None when no part of it is short enough to open with.

    `proper` are the words the text capitalises mid-sentence (names), which an English
    hook keeps capitalised after a lead-in.
    """
    sentence = sentence.strip()
    if kind is FactKind.QUESTION:
        if _fits(sentence, language) and len(sentence) <= 2 * headline_max:
            return Hook(sentence, _headline_cut(sentence, headline_max))
        return None
    if language is Language.KO:
        return _korean_hook(sentence, kind, tone, topics, headline_max)
    return _english_hook(sentence, kind, tone, topics, headline_max, proper)


# --- Korean -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Eojeol:
    text: str
    morphs: tuple[Morpheme, ...]
    start: int  # offset in the sentence

    @property
    def first_tag(self) -> str:
        return self.morphs[0].tag if self.morphs else ""

    @property
    def last_tag(self) -> str:
        return self.morphs[-1].tag if self.morphs else ""


_KO_STARTS = frozenset({"NNG", "NNP", "SN", "SL", "MM", "NR", "NP", "MAG", "XPN", "SH"})
# Where a clause may not be cut: after a modifier ("걸릴 | 위험") or a genitive ("수면의 |
# 질"), whose head would be left without it.
_KO_BINDING_ENDS = frozenset({"ETM", "JKG", "SN", "NR", "MM", "SSO"})
_KO_CONJUNCTIONS = frozenset({"MAJ"})
_KO_ADVERBIAL_ENDINGS = frozenset({"게", "도록", "지", "듯이"})
_PAST = ("었", "EP", False)


def _eojeols(sentence: str) -> list[_Eojeol]:
    morphs = korean.morphemes(sentence)
    found: list[_Eojeol] = []
    for match in re.finditer(r"\S+", sentence):
        inside = tuple(m for m in morphs if match.start() <= m.start < match.end())
        found.append(_Eojeol(match.group(), inside, match.start()))
    return found


def _anchor(eojeols: list[_Eojeol], sentence: str, kind: FactKind) -> int:
    """The eojeol the fact hangs on: its figure, its "not", or else its last predicate."""
    if kind in (FactKind.RATIO, FactKind.FIGURE):
        pattern = RATIO[Language.KO] if kind is FactKind.RATIO else KO_NUMBER
        for match in pattern.finditer(sentence):
            if not DATE_ONLY.match(sentence, match.start()):
                return max(i for i, e in enumerate(eojeols) if e.start <= match.start())
    if kind is FactKind.CONTRAST:
        for index, eojeol in enumerate(eojeols):
            if any(m.tag == "VCN" for m in eojeol.morphs):
                return index
    return len(eojeols) - 1


def _stem_end(eojeol: _Eojeol) -> int | None:
    """Index past the predicate stem (and a tense marker) of `eojeol`, None if it has none.

    A stem that only makes an adverb ("빠르게") is not the predicate.
    """
    stems = [i for i, m in enumerate(eojeol.morphs) if m.tag in PREDICATE_TAGS]
    if not stems:
        return None
    end = stems[-1] + 1
    following = eojeol.morphs[end:]
    if following and following[0].tag == "EC" and following[0].form in _KO_ADVERBIAL_ENDINGS:
        return None
    while end < len(eojeol.morphs) and eojeol.morphs[end].tag == "EP":
        end += 1
    return end


def _predicate(eojeols: list[_Eojeol], anchor: int) -> tuple[int, list[tuple[str, str, bool]]]:
    """The predicate governing the anchor: its eojeol and the morphemes up to its stem."""
    for index in range(anchor, min(anchor + 4, len(eojeols))):
        eojeol = eojeols[index]
        end = _stem_end(eojeol)
        if end is None:
            continue
        after = eojeol.morphs[end:]
        # "쓸 수 있다": the predicate is "있다", "쓸 수" stays as written.
        if (
            after
            and after[0].tag == "ETM"
            and index + 2 < len(eojeols)
            and eojeols[index + 1].text == "수"
            and _stem_end(eojeols[index + 2]) is not None
        ):
            index += 2
            eojeol = eojeols[index]
            end = _stem_end(eojeol) or len(eojeol.morphs)
            after = ()
        morphs = [(m.form, m.tag, False) for m in eojeol.morphs[:end]]
        # "증가한 것으로 나타났다": a verb's past modifier; the hook keeps the past.
        verb = morphs[-1][1].startswith(("VV", "XSV"))
        if after and after[0].tag == "ETM" and after[0].form == "ᆫ" and verb:
            morphs.append(_PAST)
        return index, morphs
    raise LookupError("no predicate")


def _conjugate(morphs: list[tuple[str, str, bool]], style: str) -> str:
    """The predicate eojeol with the ending of `style`: formal, polite, hearsay or plain."""
    tag = morphs[-1][1]
    if tag == "VCP":  # "원이다": the copula's forms depend on the noun before it
        noun = korean.join(morphs[:-1]) if len(morphs) > 1 else ""
        batchim = has_final_consonant(noun)
        endings = {
            "formal": "입니다",
            "polite": "이에요" if batchim else "예요",
            "hearsay": "이라고 해요" if batchim else "라고 해요",
            "plain": "이다" if batchim else "다",
        }
        return noun + endings[style]
    past = tag == "EP"
    action = tag.startswith(("VV", "XSV")) and not past
    if style == "formal":
        ending = [("습니다", "EF", False)]
    elif style == "polite":
        ending = [("에요" if tag == "VCN" else "어요", "EF", False)]
    elif style == "hearsay":
        ending = [("ᆫ다고" if action else "다고", "EC", False), ("하", "VV", True)]
        ending.append(("어요", "EF", False))
    else:
        ending = [("ᆫ다" if action else "다", "EF", False)]
    return korean.join(morphs + ending)


def _can_start(eojeols: list[_Eojeol], start: int) -> bool:
    if eojeols[start].first_tag not in _KO_STARTS:
        return False
    return start == 0 or eojeols[start - 1].last_tag not in _KO_BINDING_ENDS


def _subject(eojeols: list[_Eojeol]) -> int | None:
    """The sentence's opening topic or subject ("잠은", "수면 시간이"), if it has one."""
    for index, eojeol in enumerate(eojeols[:3]):
        tags = [m.tag for m in eojeol.morphs]
        if not tags or not all(
            t in korean.NOUN_TAGS | {"SL", "NNB", "XSN", "JX", "JKS"} for t in tags
        ):
            return None
        if tags[-1] in ("JX", "JKS"):
            return index
    return None


_KO_STYLE = {
    Tone.PROFESSIONAL: "formal",
    Tone.URGENT: "formal",
    Tone.CASUAL: "polite",
    Tone.STORYTELLING: "hearsay",
}


def _korean_hook(
    sentence: str, kind: FactKind, tone: Tone, topics: Sequence[str], headline_max: int
) -> Hook | None:
    eojeols = [e for e in _eojeols(sentence) if e.morphs]
    while eojeols and eojeols[0].first_tag in _KO_CONJUNCTIONS:
        eojeols = eojeols[1:]  # "하지만", "그러나": the hook starts with the claim
    if not eojeols:
        return None
    anchor = _anchor(eojeols, sentence, kind)
    try:
        last, predicate = _predicate(eojeols, anchor)
    except LookupError:
        return None
    subject = _subject(eojeols)
    lively = kind in (FactKind.RATIO, FactKind.FIGURE)
    mark = "!" if tone is Tone.URGENT or (tone is Tone.CASUAL and lively) else "."
    best: tuple[float, str, str] | None = None
    for start in range(min(anchor, last), -1, -1):
        if not _can_start(eojeols, start):
            continue
        words = [e.text for e in eojeols[start:last]]
        if subject is not None and start > subject + 1:
            words = [*(e.text for e in eojeols[: subject + 1]), *words]
        lead = _clean_ko(" ".join(words))
        narration = _join_words(lead, _conjugate(predicate, _KO_STYLE[tone])) + mark
        if not _fits(narration, Language.KO):
            continue
        plain = _join_words(lead, _conjugate(predicate, "plain"))
        named = any(topic in narration for topic in topics[:3])
        score = 3.0 * named + (start == 0 or subject is not None) + 0.05 * len(narration)
        if best is None or score > best[0]:
            best = (score, narration, plain)
    if best is None:
        return None
    _, narration, plain = best
    return Hook(narration, _headline_cut(plain, headline_max))


def _clean_ko(text: str) -> str:
    text = re.sub(r"\s*\([^()]*\)", "", text)
    return text.strip(" \"'“”‘’「」『』,")


def _join_words(lead: str, predicate: str) -> str:
    return f"{lead} {predicate}".strip()


# --- English ----------------------------------------------------------------------------

_EN_REPORTING_START = re.compile(
    r"^(?:according to [^,]+,\s*|(?:a|the|one|this)\s+(?:new\s+|recent\s+|large\s+|[\w-]+-year\s+)*"
    r"(?:study|survey|report|analysis|trial|review|paper)\b[^,.;]{0,60}?\b(?:found|finds|shows|"
    r"showed|suggests|suggested|says|said|reports|reported|concluded|concludes)\s+(?:that\s+)?|"
    r"(?:researchers|scientists|experts|doctors|officials|analysts)\b[^,.;]{0,40}?\b(?:say|said|"
    r"found|report|reported|believe|warn|warned)\s+(?:that\s+)?)",
    re.IGNORECASE,
)
_EN_REPORTING_END = re.compile(
    r",\s*(?:according to [^,.;]+|(?:a|the)\s+[\w\s-]{0,40}?(?:study|survey|report|researchers|"
    r"scientists)\s+(?:found|said|says|reported|shows?)|(?:researchers|scientists|experts|"
    r"officials|the company)\s+(?:said|say|found|reported))\s*$",
    re.IGNORECASE,
)
_EN_CLAUSE_BREAK = re.compile(r"\s*(?:;|:|—|–|\s-\s)\s*|,\s+(?=(?:but|while|whereas|so|yet)\b)")
_EN_LEADING_LINK = re.compile(
    r"^(?:but|and|so|yet|however|instead|still|while|whereas)\b,?\s*", re.I
)
_EN_TAILS = (
    re.compile(r"\s*\([^()]*\)"),
    re.compile(r",\s*which\b[^,]*,?"),
    re.compile(r"\s+(?:compared (?:with|to)|according to)\b.*$", re.IGNORECASE),
)
_EN_FRAMES = {
    Tone.PROFESSIONAL: ("", "."),
    Tone.CASUAL: ("Get this: ", "."),
    Tone.URGENT: ("Listen: ", "!"),
    Tone.STORYTELLING: ("It turns out ", "."),
}


def _english_anchor(clause: str, kind: FactKind) -> bool:
    if kind is FactKind.RATIO:
        return bool(RATIO[Language.EN].search(clause))
    if kind is FactKind.FIGURE:
        return has_number(clause, Language.EN)
    if kind is FactKind.CONTRAST:
        return bool(re.search(r"\b(?:not|n't|never|instead|rather|unlike)\b", clause, re.I))
    return True


def _english_hook(
    sentence: str,
    kind: FactKind,
    tone: Tone,
    topics: Sequence[str],
    headline_max: int,
    proper: frozenset[str],
) -> Hook | None:
    core = _EN_REPORTING_END.sub("", _EN_REPORTING_START.sub("", sentence.rstrip(" .!")))
    clauses = [core, *_EN_CLAUSE_BREAK.split(core)]
    candidates: list[str] = []
    for clause in clauses:
        clause = _EN_LEADING_LINK.sub("", clause.strip(" ,.;:\"'“”"))
        variants = [clause]
        for tail in _EN_TAILS:
            variants.append(tail.sub("", variants[-1]).strip(" ,"))
        candidates += [v for v in variants if v and _english_anchor(v, kind)]
    best: tuple[float, str, str] | None = None
    for clause in dict.fromkeys(candidates):
        if len(clause.split()) < 3:
            continue
        for lead, mark in (_EN_FRAMES[tone], ("", "!" if tone is Tone.URGENT else ".")):
            body = lower_first(clause, proper) if lead else _upper_first(clause)
            narration = f"{lead}{body}{mark}"
            if not _fits(narration, Language.EN):
                continue
            lowered = narration.lower()
            named = any(topic in lowered for topic in topics[:3])
            score = 3.0 * named + 0.5 * bool(lead) + 0.02 * len(clause)
            if best is None or score > best[0]:
                best = (score, narration, _upper_first(clause))
            break
    if best is None:
        return None
    _, narration, plain = best
    return Hook(narration, _english_headline(plain, headline_max))


def lower_first(clause: str, proper: frozenset[str]) -> str:
    first = clause.split(maxsplit=1)[0]
    word = first.strip("\"'“”‘’,")
    if word == "I" or word in proper or (len(word) > 1 and word[1:].lower() != word[1:]):
        return clause
    return clause[:1].lower() + clause[1:]


def _upper_first(clause: str) -> str:
    return clause[:1].upper() + clause[1:]


def _english_headline(clause: str, limit: int) -> str:
    """The clause if it fits the screen, else the run of words from its figure on."""
    if len(clause) <= limit:
        return clause
    words = clause.split()
    figure = next((i for i, w in enumerate(words) if has_number(w, Language.EN)), None)
    if figure is not None:
        start = figure
        while start > 0 and len(" ".join(words[start - 1 :])) <= limit and figure - start < 2:
            start -= 1
        kept: list[str] = []
        for word in words[start:]:
            if len(" ".join([*kept, word])) > limit:
                break
            kept.append(word)
        if len(kept) >= 3:
            return _upper_first(" ".join(kept).rstrip(",;:"))
    return _headline_cut(clause, limit)


def _headline_cut(text: str, limit: int) -> str:
    text = text.rstrip(" .!")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


# --- How-to and list pieces -------------------------------------------------------------

_KO_COUNTS = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열")
_EN_COUNTS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_COUNT_SUFFIX = re.compile(r"\s*(?:\d+|[한두세네]|다섯|여섯|일곱|여덟|아홉|열)\s?가지\s*$")


def count_hook(
    subject: str, steps: int, how_to: bool, language: Language, tone: Tone, headline_max: int
) -> Hook | None:
    """A hook for a how-to or list piece: its subject and how many steps or items it has."""
    if not 2 <= steps <= 10 or not subject:
        return None
    if language is Language.KO:
        subject = _COUNT_SUFFIX.sub("", subject).strip()
        count = _KO_COUNTS[steps]
        lines = {
            Tone.PROFESSIONAL: f"{subject}, {count} 가지만 기억하십시오.",
            Tone.CASUAL: f"{subject}, {count} 가지면 충분해요!",
            Tone.URGENT: f"{subject}, 이 {count} 가지는 꼭 지키세요!",
            Tone.STORYTELLING: f"{subject}, {count} 가지 이야기를 들려줄게요.",
        }
        screen = f"{subject} {count} 가지"
    else:
        noun = "steps" if how_to else "things to know"
        number = _EN_COUNTS[steps]
        lines = {
            Tone.PROFESSIONAL: f"{subject}: {number} {noun}.",
            Tone.CASUAL: f"{subject}, in {number} easy {noun}!",
            Tone.URGENT: f"{subject}: {number} {noun}, starting today!",
            Tone.STORYTELLING: f"{subject}, in {number} {noun}.",
        }
        screen = f"{subject}: {steps} {noun}"
    narration = lines[tone]
    if not _fits(narration, language):
        return None
    return Hook(narration, _headline_cut(screen, headline_max))
