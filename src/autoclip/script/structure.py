"""A text read the way a writer reads it: what kind of piece it is, and what each sentence is.

The kind decides what a short must keep:
- news is an inverted pyramid: the lead (the first sentence) carries the finding, so it
  is always narrated, and earlier paragraphs weigh more than later ones;
- how-to and list pieces are their steps: each step is kept, in order, with its number
  said as a word ("첫째,", "Second,");
- opinion has a thesis up front and a conclusion at the end;
- a product page says what the product is first, then its figures.

Every sentence notes whether it carries a number (figures are what people remember and
share, so they weigh more), whether it quotes someone (a quote is narrated whole or not at
all), whether it asks a question, and which step it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from autoclip.kit import korean
from autoclip.kit.text import leading_title, split_sentences
from autoclip.options import Language
from autoclip.script.boilerplate import strip_boilerplate


class Kind(StrEnum):
    NEWS = "news"
    HOWTO = "howto"
    LIST = "list"
    OPINION = "opinion"
    PRODUCT = "product"
    GENERAL = "general"


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int
    step: int | None = None  # the list item this sentence belongs to, from 1
    opens_step: bool = False  # the item's own line ("1. 같은 시간에 일어나기")
    heading: bool = False  # a subheading: organises the text, is not narrated
    number: bool = False
    quote: bool = False
    question: bool = False


@dataclass(frozen=True)
class Document:
    language: Language
    kind: Kind
    sentences: list[Sentence]
    title: str | None = None  # a headline line the text opened with

    @property
    def texts(self) -> list[str]:
        return [sentence.text for sentence in self.sentences]

    @property
    def steps(self) -> int:
        return max((s.step or 0 for s in self.sentences), default=0)


# "1. ", "2) ", "①", "Step 3:", "첫째,", bullets. The number is what matters: steps are said
# in order, counted again from 1 whatever the text numbered them.
_STEP_MARKER = re.compile(
    r"^\s*(?:\d{1,2}\s?[.)]|\(\d{1,2}\)|[①-⑳]|step\s*\d{1,2}\s*[:.)-]?|"
    r"(?:첫|둘|셋|넷|다섯|여섯|일곱|여덟|아홉|열)째\s?[,.:]?|[-•*·●◦▪]\s)\s*",
    re.IGNORECASE,
)
# A subheading: short and without a sentence's end ("■ 수면 부족, 치매로 이어져").
_HEADING_MAX = 40
_SENTENCE_END = re.compile(r"[.!?。！？…\"'”’)]$|(?:다|요|죠|까|오)$")
_HEADING_MARK = re.compile(r"^\s*[■◆□◇#]+\s*")
_QUOTE = re.compile(r"[\"“”「」『』]|(?<![A-Za-z])'(?=\S)")

# Figures: digits (but not a year or a date on their own) or number words with a counter.
DATE_ONLY = re.compile(
    r"\b(?:19|20)\d{2}\s?(?:년|년도)?\b|\d{1,2}\s?월\s?\d{1,2}\s?일|\d{1,2}:\d{2}"
)
KO_NUMBER = re.compile(
    r"\d|(?:두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무|서른|마흔|쉰|백|천|만|"
    r"이십|삼십|사십|오십|육십|칠십|팔십|구십)\s?(?:배|시간|분|초|명|개|가지|번|살|세|년|달|주|잔|곳|건|걸음|킬로|퍼센트|만)|절반"
)
_EN_NUMBER = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|thousand|million|billion|half|twice|double|triple|"
    r"quarter|percent)\b",
    re.IGNORECASE,
)

# Signs of each kind, counted over the sentences.
_REPORTING = {
    Language.KO: re.compile(
        r"(?:밝혔|말했|전했|나타났|조사됐|발표했|설명했|강조했|분석했|알려졌|확인됐|지적했|"
        r"덧붙였|보도했|권했|당부했|나왔|집계됐|예상했|전망했)다|에 따르면|연구팀|연구진|관계자|"
        r"분석 결과|조사 결과"
    ),
    Language.EN: re.compile(
        r"\b(?:said|says|according to|reported|announced|told|researchers|study|survey|"
        r"officials?|spokes(?:man|woman|person)|scientists|astronomers|experts|cautioned|"
        r"warned|policy makers|on (?:monday|tuesday|wednesday|thursday|friday))\b",
        re.IGNORECASE,
    ),
}
_OPINION = {
    Language.KO: re.compile(
        r"생각한다|생각합니다|본다\b|봅니다|해야 한다|해야 합니다|필자|나는|내가|저는|제가|"
        r"아닐까|믿는다|믿습니다|주장한다|바란다|바랍니다"
    ),
    Language.EN: re.compile(
        r"\b(?:I think|I believe|in my view|in my opinion|we should|we must|I would argue|"
        r"I'd argue|I'm convinced|it's time|should be|opinion)\b|\bI\b",
        re.IGNORECASE,
    ),
}
_PRODUCT = {
    Language.KO: re.compile(
        r"\d\s?(?:만|천)?\s?원|가격|구매|판매|무게|용량|사양|제품|색상|기능|모드|"
        r"방식|모델|보증|배송|"
        r"\d+\s?(?:mAh|GB|TB|mm|kg|g|W|Hz|인치)\b"
    ),
    Language.EN: re.compile(
        r"[$€£]\s?\d|\bprice[ds]?\b|\bbattery\b|\bweighs?\b|\bships?\b|\bbuy\b|\bcolou?rs?\b|"
        r"\bmodel\b|\bfeatures?\b|\d+\s?(?:mAh|GB|TB|mm|kg|g|W|Hz|inch(?:es)?)\b",
        re.IGNORECASE,
    ),
}
IMPERATIVE_EN = re.compile(
    r"^(?:\w+ly\s)?(?:go|keep|set|try|avoid|drink|eat|take|make|use|put|turn|get|stop|"
    r"start|write|check|open|add|cut|choose|plan|move|walk|sleep|limit|skip|save|pay|"
    r"read|ask|find|leave|let|give|don't|do|be|wash|clean|store|hold|press|pick|join|"
    r"never|always|water|wait|switch|charge|install|back|call|see|tell|turn|look|think)\b",
    re.IGNORECASE,
)
_IMPERATIVE = {
    Language.KO: re.compile(r"(?:세요|십시오|하기|기|라|자)[.!]?$"),
    Language.EN: IMPERATIVE_EN,
}


def has_number(text: str, language: Language) -> bool:
    """Whether `text` states a figure (a date alone is no figure)."""
    pattern = KO_NUMBER if language is Language.KO else _EN_NUMBER
    return bool(pattern.search(DATE_ONLY.sub(" ", text)))


def _split(paragraph: str, language: Language) -> list[str]:
    """Sentences of one paragraph, a quote never cut in two."""
    parts = korean.sentences(paragraph) if language is Language.KO else split_sentences(paragraph)
    merged: list[str] = []
    for part in parts:
        if merged and _open_quote(merged[-1]):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def _open_quote(text: str) -> bool:
    """Whether `text` opens a quotation it does not close."""
    straight = text.count('"') % 2 == 1
    curly = text.count("“") > text.count("”")
    corner = text.count("「") + text.count("『") > text.count("」") + text.count("』")
    return straight or curly or corner


def analyse(text: str, language: Language) -> Document:
    """The sentences and kind of a normalized text (one paragraph a line)."""
    news_furniture = _has_byline(text)
    title, body = leading_title(strip_boilerplate(text))
    sentences: list[Sentence] = []
    step = 0
    in_step = False
    for index, paragraph in enumerate(body.split("\n")):
        marker = _STEP_MARKER.match(paragraph)
        heading_mark = _HEADING_MARK.match(paragraph)
        line = paragraph[marker.end() :] if marker else paragraph
        line = _HEADING_MARK.sub("", line).strip()
        if not line:
            continue
        if marker:
            step += 1
            in_step = True
        is_heading = bool(heading_mark) or (
            len(line) <= _HEADING_MAX and not _SENTENCE_END.search(line)
        )
        if is_heading and not marker:
            in_step = False  # a subheading ends the list
        for position, sentence in enumerate(_split(line, language)):
            sentences.append(
                Sentence(
                    text=sentence,
                    paragraph=index,
                    step=step if in_step else None,
                    opens_step=bool(marker) and position == 0,
                    heading=is_heading and not marker,
                    number=has_number(sentence, language),
                    quote=bool(_QUOTE.search(sentence)),
                    question=sentence.rstrip("\"'”’)").endswith(("?", "？")),
                )
            )
    if step < 2:  # one marked line is no list
        sentences = [replace(s, step=None, opens_step=False) for s in sentences]
        step = 0
    kind = _kind(sentences, language, step, news_furniture)
    return Document(language, kind, sentences, title)


_BYLINE = re.compile(
    r"[가-힣]{2,4}\s?(?:기자|특파원)\b|(?:입력|수정|등록)\s*[:：]?\s*\d{4}|^by\s+[A-Z]\w+|"
    r"^(?:published|updated)\b|\([^()]{1,20}=[^()]{1,20}\)",
    re.MULTILINE | re.IGNORECASE,
)


def _has_byline(text: str) -> bool:
    return bool(_BYLINE.search(text))


def _kind(sentences: list[Sentence], language: Language, steps: int, byline: bool) -> Kind:
    texts = [s.text for s in sentences if not s.heading]
    if steps >= 2:
        items = [s.text for s in sentences if s.opens_step]
        imperative = sum(1 for t in items if _IMPERATIVE[language].search(t.rstrip(" .!")))
        return Kind.HOWTO if imperative * 2 >= len(items) else Kind.LIST

    def count(patterns: dict[Language, re.Pattern[str]]) -> int:
        return sum(len(patterns[language].findall(t)) for t in texts)

    product, opinion, reporting = count(_PRODUCT), count(_OPINION), count(_REPORTING)
    # Columns carry bylines too: a byline makes news only of a text that reports.
    news = reporting + (1 if byline else 0)
    if product >= 3 and product > news:
        return Kind.PRODUCT
    if opinion >= 2 and opinion >= reporting:
        return Kind.OPINION
    if news >= 2:
        return Kind.NEWS
    return Kind.GENERAL
