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
from autoclip.script.structure import DATE_ONLY, IMPERATIVE_EN, KO_NUMBER, has_number

# A fact takes longer to say than a teaser: up to about 22 Korean syllables or 12 English
# words, so the viewer has heard the whole fact within five seconds.
HOOK_MAX_SECONDS = 5.0


@dataclass(frozen=True)
class Hook:
    narration: str
    on_screen: str


def names_topic(line: str, topics: Sequence[str], language: Language) -> bool:
    """Whether `line` names one of the three leading topics as a word ("잠" in "잠은", not
    in "잠들다"; "sleep" in "sleep's", not in "asleep")."""
    if language is Language.KO:
        words = {noun.lower() for noun in korean.nouns(line, compounds=True)}
        words |= {noun.lower() for noun in korean.nouns(line)}
    else:
        words = set(re.findall(r"[a-z0-9]+", line.lower()))
    return any(topic in words for topic in topics[:3])


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
# 질"), whose head would be left without it, and after a subject, topic or object
# ("호르몬이 | 제때 나와서"), whose predicate would lose it.
_KO_BINDING_ENDS = frozenset(
    {"ETM", "JKG", "SN", "NR", "MM", "SSO", "NNB", "JKS", "JX", "JKO", "JKC"}
)
_KO_CONJUNCTIONS = frozenset({"MAJ"})
# Connective endings whose clause leans on a later one: the fact's predicate comes after.
_KO_SUBORDINATE = frozenset(
    {"게", "도록", "지", "듯이", "어도", "아도", "여도", "면", "으면", "어서", "아서", "여서",
     "니까", "으니까", "려면", "으려면", "기에", "ᆯ수록", "을수록", "다가", "어야", "아야"}
)  # fmt: skip
_KO_IMPERATIVE = frozenset({"세요", "으세요", "십시오", "으십시오", "어라", "아라", "라", "자"})
_PAST = ("었", "EP", False)


def _eojeols(sentence: str) -> list[_Eojeol]:
    morphs = korean.morphemes(sentence)
    found: list[_Eojeol] = []
    for match in re.finditer(r"\S+", sentence):
        inside = tuple(m for m in morphs if match.start() <= m.start < match.end())
        found.append(_Eojeol(match.group(), inside, match.start()))
    return found


def _anchors(eojeols: list[_Eojeol], sentence: str, kind: FactKind) -> list[int]:
    """The eojeols the fact may hang on: its figures, its "not", else its last predicate."""
    found: list[int] = []
    if kind in (FactKind.RATIO, FactKind.FIGURE):
        pattern = RATIO[Language.KO] if kind is FactKind.RATIO else KO_NUMBER
        for match in pattern.finditer(sentence):
            if not DATE_ONLY.match(sentence, match.start()):
                found.append(max(i for i, e in enumerate(eojeols) if e.start <= match.start()))
    if kind is FactKind.CONTRAST:
        found += [i for i, e in enumerate(eojeols) if any(m.tag == "VCN" for m in e.morphs)]
    found.append(len(eojeols) - 1)
    return list(dict.fromkeys(found))


def _stem_end(eojeol: _Eojeol) -> int | None:
    """Index past the predicate stem (and a tense marker) of `eojeol`, None if it has none.

    A stem that only makes an adverb ("빠르게") or a subordinate clause ("충전해도",
    "걸으면") is not the predicate the fact ends on; nor is a verb read into a particle
    after a figure ("62%가" as 가다).
    """
    morphs = eojeol.morphs
    stems = [
        i
        for i, m in enumerate(morphs)
        if m.tag in PREDICATE_TAGS
        and not (i > 0 and morphs[i - 1].tag in ("SN", "SW", "NR") and m.tag[:2] in ("VV", "VA"))
    ]
    if not stems:
        return None
    end = stems[-1] + 1
    following = morphs[end:]
    if following and following[0].tag == "EC" and following[0].form in _KO_SUBORDINATE:
        return None
    if following and following[0].tag == "EF" and following[0].form in _KO_IMPERATIVE:
        return None  # a step to take, not a fact: restated it would change its meaning
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
        following = eojeols[index + 1].text if index + 1 < len(eojeols) else ""
        # A modifier ends the fact only before "것" ("높은 것으로 나타났다"); before any
        # other noun ("늦어질 때마다", "충전되는 배터리를") the clause goes on.
        modifier = bool(after) and after[0].tag == "ETM"
        if modifier and following and not following.startswith(("것", "수")):
            continue
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
        # "6조 원 늘어 … 증가했다": a linked clause takes the sentence's tense.
        linked = bool(after) and after[0].tag == "EC" and morphs[-1][1] != "EP"
        if linked and any(m.tag == "EP" for m in eojeols[-1].morphs):
            morphs.append(_PAST)
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
        quoted = "라고" if tag == "VCN" else "ᆫ다고" if action else "다고"
        ending = [(quoted, "EC", False), ("하", "VV", True)]
        ending.append(("어요", "EF", False))
    else:
        ending = [("ᆫ다" if action else "다", "EF", False)]
    return korean.join(morphs + ending)


def _can_start(eojeols: list[_Eojeol], start: int) -> bool:
    """Whether a clause may start at `start`: with a noun, a figure or an adverb, and not
    right after a word that binds to it (a modifier, a genitive, a bare noun of the same
    compound: "전기차 | 배터리를")."""
    if eojeols[start].first_tag not in _KO_STARTS:
        return False
    if start == 0:
        return True
    previous = eojeols[start - 1]
    if previous.last_tag == "EC" and previous.morphs[-1].form in _KO_SUBORDINATE:
        return False  # "…나와서 | 밤에 잠든다": the cause would be lost
    return previous.last_tag not in _KO_BINDING_ENDS and previous.last_tag not in korean.NOUN_TAGS


def _subject(eojeols: list[_Eojeol]) -> int | None:
    """The last eojeol of the sentence's opening topic or subject ("잠은", "소리숲 무선
    이어폰 S3는"), unless it belongs to a relative clause ("월급이 들어오는 통장")."""
    allowed = korean.NOUN_TAGS | {"SL", "SN", "NNB", "XSN", "XPN", "JX", "JKS"}
    for index, eojeol in enumerate(eojeols[:4]):
        tags = [m.tag for m in eojeol.morphs]
        if not tags or not all(t in allowed for t in tags):
            return None
        if tags[-1] in ("JX", "JKS"):
            following = eojeols[index + 1] if index + 1 < len(eojeols) else None
            if following is not None and following.last_tag == "ETM":
                return None
            return index
    return None


def _clause_between(eojeols: list[_Eojeol], first: int, last: int) -> bool:
    """Whether a clause ends between two eojeols (a connective ending: "…해야", "…하고")."""
    return any(e.last_tag == "EC" for e in eojeols[first:last])


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
    subject = _subject(eojeols)
    lively = kind in (FactKind.RATIO, FactKind.FIGURE)
    mark = "!" if tone is Tone.URGENT or (tone is Tone.CASUAL and lively) else "."
    best: tuple[float, str, str] | None = None
    anchors = _anchors(eojeols, sentence, kind)
    for anchor in anchors:
        # The figure's own predicate beats the sentence's last one ("높습니다", not "높은
        # 것으로 나타났습니다"): the reporting around a fact is not the fact.
        own = 1.5 if anchor != anchors[-1] or len(anchors) == 1 else 0.0
        try:
            last, predicate = _predicate(eojeols, anchor)
        except LookupError:
            continue
        spoken = _conjugate(predicate, _KO_STYLE[tone])
        headline = _conjugate(predicate, "plain")
        for start in range(min(anchor, last - 1), -1, -1):
            if not _can_start(eojeols, start):
                continue
            words = [e.text for e in eojeols[start:last]]
            prefixed = (
                subject is not None
                and start > subject + 1
                and not _clause_between(eojeols, subject + 1, start)
            )
            if prefixed and subject is not None:
                words = [*(e.text for e in eojeols[: subject + 1]), *words]
            lead = _clean_ko(" ".join(words))
            if not korean.nouns(lead):
                continue  # "훨씬 쉽게 잠들 수 있다": no one and nothing to be about
            narration = _join_words(lead, spoken) + mark
            if not _fits(narration, Language.KO):
                continue
            plain = _join_words(lead, headline)
            named = names_topic(narration, topics, Language.KO)
            whole = start == 0 or prefixed
            score = 3.0 * named + whole + own + 0.05 * len(narration)
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
    r"scientists)\s+(?:has\s+|have\s+)?(?:found|said|says|reported|shows?)|(?:researchers|scientists|"
    r"experts|officials|the company)\s+(?:said|say|found|reported))\s*$",
    re.IGNORECASE,
)
_EN_CLAUSE_BREAK = re.compile(r"\s*(?:;|:|—|–|\s-\s)\s*|,\s+(?=(?:but|while|whereas|so|yet)\b)")
_EN_LEADING_LINK = re.compile(
    r"^(?:but|and|so|yet|however|instead|still|while|whereas)\b,?\s*", re.I
)
_EN_TAILS = (
    re.compile(r"\s*\([^()]*\)"),
    re.compile(r",\s*which\b[^,]*,?"),
    re.compile(r"\s+(?:compared (?:with|to)|according to|than those)\b.*$", re.IGNORECASE),
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
        frames = [_EN_FRAMES[tone], ("", "!" if tone is Tone.URGENT else ".")]
        if IMPERATIVE_EN.match(clause):
            frames = frames[1:]  # "Get this: never reuse…" says the opposite of a step
        for lead, mark in frames:
            body = lower_first(clause, proper) if lead else _upper_first(clause)
            narration = f"{lead}{body}{mark}"
            if not _fits(narration, Language.EN):
                continue
            named = names_topic(narration, topics, Language.EN)
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
    """The clause if it fits the screen, else its first part, else the run of words from
    its figure on."""
    if len(clause) <= limit:
        return clause
    first = _EN_CLAUSE_BREAK.split(clause)[0].strip(" ,")
    if len(first) <= limit and len(first.split()) >= 3:
        return first
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
    """A hook for a how-to or list piece: its subject and how many steps or items it has.

    A title that already counts ("Four habits of…", "3 free apps…") is said as it is.
    """
    if not 2 <= steps <= 10 or not subject:
        return None
    if language is Language.KO:
        subject = _COUNT_SUFFIX.sub("", subject).strip(" ,")
        count = _KO_COUNTS[steps]
        lines = {
            Tone.PROFESSIONAL: f"{subject}, {count} 가지입니다.",
            Tone.CASUAL: f"{subject}, {count} 가지만 알면 돼요!",
            Tone.URGENT: f"{subject}, 이 {count} 가지는 꼭 알아 두세요!",
            Tone.STORYTELLING: f"{subject}, {count} 가지 이야기를 들려줄게요.",
        }
        screen = f"{subject} {count} 가지"
    elif has_number(subject, Language.EN):
        lines = dict.fromkeys(Tone, f"{subject}.")
        lines[Tone.URGENT] = f"{subject}!"
        screen = subject
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


_KO_QUESTION_END = re.compile(r"(?:까|나요|가요|는가|ㄹ까|을까|일까)$")


def title_hook(
    title: str, language: Language, tone: Tone, topics: Sequence[str], headline_max: int
) -> Hook | None:
    """The headline said as the hook: a news headline states the finding, an opinion's its
    claim, a question title asks what the video answers. Its predicate, if it has one,
    takes the tone's ending like any fact."""
    title = title.strip().replace("…", ", ").replace("...", ", ")
    title = re.sub(r"\s*,\s*", ", ", title).strip(" ,")
    if not title:
        return None
    question = title.endswith("?") or (
        language is Language.KO and bool(_KO_QUESTION_END.search(title))
    )
    if question:
        line = title.rstrip("?") + "?"
        return Hook(line, _headline_cut(line, headline_max)) if _fits(line, language) else None
    if language is Language.KO:
        kind = FactKind.RATIO if RATIO[language].search(title) else FactKind.STATEMENT
        made = _korean_hook(title, kind, tone, topics, headline_max)
        if made is not None and len(made.narration) >= len(title) * 0.8:
            return made  # the whole headline, conjugated
    line = title + ("!" if tone is Tone.URGENT else ".")
    return Hook(line, _headline_cut(title, headline_max)) if _fits(line, language) else None


def with_topic(hook: Hook, topic: str, language: Language) -> Hook | None:
    """`hook` led by the topic ("이어폰, 최대 30시간…"), when it does not name it."""
    if language is Language.KO:
        line = f"{topic}, {hook.narration}"
    else:  # the clause without its lead-in: "Brisk: it weighs 1.1 kg and costs $49."
        clause = hook.on_screen.rstrip("…")
        line = f"{topic[:1].upper()}{topic[1:]}: {clause[:1].lower()}{clause[1:]}."
    return Hook(line, hook.on_screen) if _fits(line, language) else None
