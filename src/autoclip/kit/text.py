"""Language-aware text helpers shared by the writer, the narrators and the captions."""

from __future__ import annotations

import re
import unicodedata

from autoclip.kit.korean import SHORT_NOUNS, nouns
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


# A line at least this long that stops mid-sentence is a hard wrap, not a paragraph's end.
_WRAP_MIN = 60
_ENDS_SENTENCE = re.compile(r"[.!?…。！？:;\"'”’)\]]$|(?:다|요|죠|까)$")


def normalize_lines(text: str) -> str:
    """Like `normalize`, but every line stays a paragraph: an article pasted or extracted
    line by line keeps its bylines, headings and list items apart from its prose.

    Only a hard-wrapped line (long, stopping mid-sentence) is joined to the next.
    """
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    paragraphs: list[str] = []
    wraps = False
    for raw in text.splitlines():
        line = _SPACES.sub(" ", raw).strip()
        if not line:
            wraps = False
            continue
        if wraps:
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
        wraps = len(line) >= _WRAP_MIN and not _ENDS_SENTENCE.search(line)
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


def word_set(text: str) -> frozenset[str]:
    """A set from a space-separated list: long word lists read better as one string."""
    return frozenset(text.split())


_EN_STOPWORDS = word_set(
    """a an the and or but if then so of to in on at by for with from as is are was were be
    been being it its this that these those there here i you he she we they them his her our
    your their my me us do does did not no yes can could will would should may might must have
    has had about into over under than too very just also more most some any each all such only
    own same other what which who whom whose when where why how up down out off again further
    once both few nor s t don now during before after while because though although without
    within between among through per via instead even still yet often like get gets got"""
)
# Korean nouns too vague to tell one text from another: bound nouns and counters ("것",
# "수", "명"), time words ("오늘", "최근"), the vocabulary of reporting ("기자", "발표") and
# of explaining ("방법", "이유"). They are nouns, so the analyser keeps them; a keyword or
# hashtag never should.
KO_GENERIC_NOUNS = word_set(
    """것 수 등 때 중 위 뒤 앞 전 후 곳 데 말 날 번 개 명 년 월 일 시 분 초 원 씨 측 점 편 뿐
    경우 정도 이상 이하 이후 이전 다음 가지 동안 사이 때문 대부분 일부 전체 모두 자신 우리
    여러분 사람 사람들 생각 문제 부분 방법 결과 내용 이유 사실 정보 관련 대상 상황 수준 가운데
    하루 오늘 내일 어제 최근 이번 지난 올해 작년 내년 이날 당시 현재 시간 시기 기간 매일 평소
    기자 입력 수정 기사 뉴스 사진 제공 발표 설명 조사 연구 분석 자료 전문가 관계자 이야기
    연구팀 연구진 당국 업체 회사 위험 가능성 경향 영향 효과 역할 도움 노력 확인 준비 시작 필요
    사용 이용 유지 변화 증가 감소 단계 과정 상태 차이 기준 대비 비교 지난해 올여름 올겨울
    지난달 이달 상반기 하반기 에디터 논설위원
    그것 이것 무엇 누구 어디 하나 둘 셋 처음 마지막 최대 최소 약 역시 대해 통해 위해"""
)


def content_terms(text: str, language: Language) -> list[str]:
    """Lower-cased content words for ranking, matching and keywords, in text order.

    Korean: the nouns the analyser finds (`kit.korean`), so "수면은" and "수면을" are the
    same term and no verb or adjective form gets in; vague nouns are left out. English:
    words without the stopwords.
    """
    if language is Language.KO:
        return [
            noun.lower()
            for noun in nouns(text)
            if noun not in KO_GENERIC_NOUNS and (len(noun) >= 2 or noun in SHORT_NOUNS)
        ]
    terms: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if token in _EN_STOPWORDS or (len(token) < 3 and not token.isdigit()):
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
