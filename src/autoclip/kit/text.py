"""Language-aware text helpers shared by the writer, the narrators and the captions."""

from __future__ import annotations

import re
import unicodedata

from autoclip.options import Language

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
# A sentence ends at . ! ? … or their full-width forms, or at the Korean declarative
# endings written without a period (common in pasted text), followed by space or the end.
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"'”’)\]]*\s+")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def normalize(text: str) -> str:
    """NFC, unified spaces, no control characters, paragraphs kept as single newlines."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def hangul_ratio(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _HANGUL.match(ch)) / len(letters)


def detect_language(text: str) -> Language:
    return Language.KO if hangul_ratio(text) >= 0.3 else Language.EN


def split_sentences(text: str) -> list[str]:
    """Sentences of a normalized text; a paragraph break always ends a sentence."""
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        for part in _SENTENCE_END.split(paragraph):
            part = part.strip()
            if part:
                sentences.append(part)
    return sentences


def words(text: str) -> list[str]:
    """Space-delimited words. In Korean these are eojeol, the units a line may break between."""
    return text.split()


_TOKEN = re.compile(r"[0-9A-Za-z\uac00-\ud7a3]+")
_KO_PARTICLES = tuple(
    sorted(
        (
            "으로부터", "에서부터", "에서는", "에게는", "으로는", "에서도", "이라고", "이라는",
            "라는", "라고", "에게서", "까지", "부터", "에서", "에게", "께서", "한테", "으로",
            "처럼", "보다", "만큼", "마다", "이나", "이며", "이란", "하고", "와의", "과의",
            "에는", "에도", "과", "와", "은", "는", "이", "가", "을", "를", "의", "에", "도",
            "로", "만", "들",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
# Predicate endings glued to a noun stem ("회복하는", "중요합니다", "시간입니다"): stripping
# them lets the verb and noun forms of a word count as one term. Longest first.
_KO_PREDICATE_ENDINGS = tuple(
    sorted(
        (
            "했습니다", "합니다", "됩니다", "입니다", "하세요", "이에요", "해요", "했다", "한다",
            "하는", "하고", "하게", "하면", "하며", "하여", "해서", "해야", "하지", "하기", "된다",
            "되는", "되고", "되면", "되어", "이다", "이고", "한", "할", "된", "될",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip


def _word_set(text: str) -> frozenset[str]:
    """A set from a space-separated list: long word lists read better as one string."""
    return frozenset(text.split())


# One-syllable nouns that matter in the texts AutoClip reads ("잠을" must count as "잠").
# Only these may be left as a one-syllable stem: others ("나이" → "나") would be mangled.
_KO_SHORT_NOUNS = _word_set(
    "잠 몸 뇌 밤 낮 꿈 물 빛 돈 집 밥 약 술 땀 암 병 삶 책 힘 맛 숨 빚 땅 글 옷 불 질"
)
_EN_STOPWORDS = _word_set(
    """a an the and or but if then so of to in on at by for with from as is are was were be
    been being it its this that these those there here i you he she we they them his her our
    your their my me us do does did not no yes can could will would should may might must have
    has had about into over under than too very just also more most some any each all such only
    own same other what which who whom whose when where why how up down out off again further
    once both few nor s t don now during before after while because though although without
    within between among through per via instead even still yet often like get gets got"""
)
_KO_STOPWORDS = _word_set(
    "그리고 그러나 하지만 그래서 또한 이것 그것 저것 우리 여러분 있습니다 합니다 입니다 있는 하는 "
    "되는 것 수 등 더 매우 정말 바로 이 그 저 및 때 중 위해 대한 통해 같은 많은 다른 가장 모든 "
    "이런 그런 어떤 함께 때문 경우 특히 이제 다시 결국 이렇게 그렇게 사실 또는 오히려 아니라 "
    "아닙니다 없는 않는 않습니다 않고 없이 모두 많이 너무 조금 훨씬 있어요 있고 있다 없다 "
    "하다 이다 된다 동안 사이 이후 이전 다음 가지 정도 이상 이하"
)


def _strip_suffix(token: str, suffixes: tuple[str, ...]) -> str:
    """`token` without the first matching suffix, if a real stem is left behind."""
    for suffix in suffixes:
        if token.endswith(suffix) and len(token) > len(suffix):
            stem = token[: -len(suffix)]
            if len(stem) >= 2 or stem in _KO_SHORT_NOUNS:
                return stem
    return token


def _korean_stem(token: str) -> str:
    """A Korean eojeol reduced towards its noun: predicate ending, then up to two particles.

    Two particle passes cover the plural "들" before a particle ("어르신들에게" → "어르신").
    """
    token = _strip_suffix(token, _KO_PREDICATE_ENDINGS)
    for _ in range(2):
        stripped = _strip_suffix(token, _KO_PARTICLES)
        if stripped == token:
            break
        token = stripped
    return token


def content_terms(text: str, language: Language) -> list[str]:
    """Lower-cased content words for ranking and keywords: stopwords and particles removed.

    Korean nouns carry particles (조사) glued on; stripping the common ones lets
    "수면은" and "수면을" count as the same term without a morphological analyser.
    """
    terms: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if language is Language.KO and _HANGUL.match(token):
            if token in _KO_STOPWORDS:
                continue
            token = _korean_stem(token)
            if token in _KO_STOPWORDS or (len(token) < 2 and token not in _KO_SHORT_NOUNS):
                continue
        elif token in _EN_STOPWORDS or (len(token) < 3 and not token.isdigit()):
            continue
        terms.append(token)
    return terms


# Narration pace used to size scripts before any voice exists: about 2.5 words a second in
# English (150 wpm, a calm explainer) and 4.5 syllables a second in Korean (a typical
# newsreader pace). Korean is counted in syllables because eojeol vary too much in length.
EN_WORDS_PER_SECOND = 2.5
KO_SYLLABLES_PER_SECOND = 4.5
_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_DIGIT = re.compile(r"[0-9]")


def speech_seconds(text: str, language: Language) -> float:
    """Estimated narration time of `text` at the pace above.

    In Korean a Latin word is counted as two syllables and a digit as one, roughly how
    they are read aloud ("AI" → 에이아이 is three, "7" → 칠 is one).
    """
    if language is Language.KO:
        syllables = (
            len(_HANGUL_SYLLABLE.findall(text))
            + 2 * len(_LATIN_WORD.findall(text))
            + len(_DIGIT.findall(text))
        )
        return syllables / KO_SYLLABLES_PER_SECOND
    spoken = [word for word in words(text) if any(ch.isalnum() for ch in word)]
    return len(spoken) / EN_WORDS_PER_SECOND


_TITLE_MAX_CHARS = 80
_SENTENCE_FINAL = ".!?…。！？:;,"


def leading_title(text: str) -> tuple[str | None, str]:
    """A heading line at the top of a normalized text, split from the body that follows.

    Pasted articles often open with their title on its own line: short and without
    sentence-final punctuation. Narrating it as a sentence would run it into the next one.
    """
    first, _, rest = text.partition("\n")
    first = first.strip()
    if (
        rest.strip()
        and 0 < len(first) <= _TITLE_MAX_CHARS
        and not first.endswith(tuple(_SENTENCE_FINAL))
    ):
        return first, rest.strip()
    return None, text
