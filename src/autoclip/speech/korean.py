"""Korean text as a Korean listener hears it, one written word (eojeol) at a time.

`read_korean(words)` gives, for each whitespace-split written word, what a narrator should
say for it. The rules, in the order a word is scanned:

- brand words and common Latin abbreviations from `LATIN_WORDS` (AI 에이아이, YouTube 유튜브,
  5G 파이브지), words matched whatever their case, short abbreviations in capitals only;
- dates (2026.12.07, 2026-12-07: 이천이십육 년 십이월 칠 일), phone numbers digit by digit
  (010-1234-5678: 공일공 일이삼사 오육칠팔), clock times (3:30: 세 시 삼십 분);
- numbers, read by what follows them: a unit (3.5% 삼 점 오 퍼센트, 5km 오 킬로미터), a big
  unit (10만 십만, 1억 일억), a month (6월 유월), a native counter (3명 세 명, 1번째 첫 번째,
  but 20대 이십 대 and 3개월 삼 개월) or anything else (2026년 이천이십육 년, 1위 일 위);
  a bare number followed by a counter word reads natively too (3 명 세 명); a number that
  starts with 0 is read digit by digit; ranges (3~5일 삼 일에서 오 일), money ($100 백 달러,
  ₩5,000 오천 원) and signs (-3% 마이너스 삼 퍼센트);
- other all-capital Latin words (1 to 6 letters) letter by letter (KBS 케이비에스); other
  Latin words as they are;
- symbols: & 앤드, + 플러스, @ 앳; decorative ones (→ ※ ★ • # ·) are not read.
"""

from __future__ import annotations

import re

from autoclip.speech.korean_numbers import decimal, digits, month, native, sino

# Keys are lower case; a word matches whatever its case.
LATIN_WORDS: dict[str, str] = {
    "ai": "에이아이", "youtube": "유튜브", "youtuber": "유튜버", "google": "구글",
    "apple": "애플", "samsung": "삼성", "naver": "네이버", "kakao": "카카오",
    "kakaotalk": "카카오톡", "netflix": "넷플릭스", "instagram": "인스타그램",
    "tiktok": "틱톡", "facebook": "페이스북", "chatgpt": "챗지피티", "gpt": "지피티",
    "openai": "오픈에이아이", "microsoft": "마이크로소프트", "amazon": "아마존",
    "tesla": "테슬라", "nvidia": "엔비디아", "iphone": "아이폰", "ipad": "아이패드",
    "galaxy": "갤럭시", "android": "안드로이드", "ios": "아이오에스", "windows": "윈도우",
    "wi-fi": "와이파이", "wifi": "와이파이", "bluetooth": "블루투스", "k-pop": "케이팝",
    "kpop": "케이팝", "sns": "에스엔에스", "it": "아이티", "tv": "티브이", "pc": "피시",
    "ok": "오케이", "app": "앱", "email": "이메일", "e-mail": "이메일", "ceo": "시이오",
    "usb": "유에스비", "5g": "파이브지", "3d": "쓰리디", "4k": "포케이", "mp3": "엠피쓰리",
    "r&d": "알앤디", "q&a": "큐앤에이", "covid-19": "코비드 일구", "vlog": "브이로그",
    "shorts": "쇼츠", "zoom": "줌", "excel": "엑셀", "coupang": "쿠팡", "lg": "엘지",
    "sk": "에스케이", "hyundai": "현대", "etf": "이티에프", "gdp": "지디피", "ott": "오티티",
    "iot": "아이오티", "vr": "브이알", "ar": "에이알", "qr": "큐알", "dna": "디엔에이",
    "ppt": "피피티", "pdf": "피디에프", "nft": "엔에프티", "esg": "이에스지", "ktx": "케이티엑스",
    "nasa": "나사", "nato": "나토", "unesco": "유네스코", "fifa": "피파", "opec": "오펙",
}  # fmt: skip
_LETTER_NAMES = (
    "에이", "비", "씨", "디", "이", "에프", "지", "에이치", "아이", "제이", "케이", "엘", "엠",
    "엔", "오", "피", "큐", "알", "에스", "티", "유", "브이", "더블유", "엑스", "와이", "제트",
)  # fmt: skip
LETTERS = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _LETTER_NAMES, strict=True))
UNITS: dict[str, str] = {
    "%p": "퍼센트포인트", "%": "퍼센트", "km/h": "킬로미터", "km²": "제곱킬로미터",
    "km": "킬로미터", "kg": "킬로그램", "cm": "센티미터", "mm": "밀리미터", "m²": "제곱미터",
    "㎡": "제곱미터", "m": "미터", "mg": "밀리그램", "g": "그램", "ml": "밀리리터",
    "mL": "밀리리터", "L": "리터", "kcal": "킬로칼로리", "GB": "기가바이트",
    "MB": "메가바이트", "TB": "테라바이트", "KB": "킬로바이트", "kWh": "킬로와트시",
    "kW": "킬로와트", "W": "와트", "GHz": "기가헤르츠", "Hz": "헤르츠", "℃": "도",
    "°C": "도", "°": "도", "mmHg": "밀리미터 수은주", "IU": "아이유",
}  # fmt: skip
# Read before the number instead of after it: 100km/h is 시속 백 킬로미터.
UNIT_PREFIXES = {"km/h": "시속 "}
CURRENCIES = {"$": "달러", "₩": "원", "€": "유로", "£": "파운드", "¥": "엔"}
# Counters counted with native numbers (세 명, 두 개, 다섯 시); all others take Sino-Korean.
NATIVE_COUNTERS = (
    "번째", "시간", "가지", "마리", "군데", "사람", "켤레", "송이", "그루", "접시", "자루",
    "걸음", "바퀴", "모금", "개", "명", "살", "시", "권", "잔", "병", "대", "장", "곳", "배",
    "줄", "통", "알", "판", "쌍", "벌", "채", "달", "번", "척",
)  # fmt: skip
# Sino-Korean counters, and the Sino words that begin like a native counter (개월, 번지).
SINO_COUNTERS = (
    "개월", "개국", "개년", "번지", "주년", "퍼센트", "년", "월", "일", "원", "분", "초",
    "층", "위", "등", "회", "호", "세", "주", "차", "점", "도", "인", "조", "억", "만", "천",
    "달러", "킬로", "미터", "평",
)  # fmt: skip
BIG_UNITS = "십백천만억조"
SYMBOLS = {"&": "앤드", "+": "플러스", "@": "앳", "=": "는", "%": "퍼센트"}
SILENT = set("→←↑↓※★☆•▶▷◆◇■□●○#·~") | {"…"}

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# Words match whatever their case (YouTube, youtube), but abbreviations of up to three
# letters and those with digits only in capitals: "it" or "ar" in an English phrase is not
# IT or AR, and 5g (five grams) is not 5G.
_ANY_CASE_SHORT = frozenset({"app", "ok", "ios"})
_KEYS = sorted(LATIN_WORDS, key=len, reverse=True)


def _capitals_only(key: str) -> bool:
    return bool(re.search(r"\d", key)) or (len(key) <= 3 and key not in _ANY_CASE_SHORT)


_LATIN_KEYS = "|".join(
    [f"(?i:{re.escape(key)})" for key in _KEYS if not _capitals_only(key)]
    + [re.escape(key.upper()) for key in _KEYS if _capitals_only(key)]
)
_PIECE = re.compile(
    rf"""
    (?P<latin_word>(?:{_LATIN_KEYS})(?![A-Za-z0-9]))
    |(?P<date>(?P<y>\d{{4}})[./-](?P<mo>\d{{1,2}})[./-](?P<d>\d{{1,2}})\.?)
    |(?P<phone>0\d{{1,2}}-\d{{3,4}}-\d{{4}})
    |(?P<time>(?P<h>\d{{1,2}}):(?P<mi>\d{{2}}))
    |(?P<range>(?P<from>[$₩€£¥]?{_NUMBER})~(?P<to>[$₩€£¥]?{_NUMBER}))
    |(?P<number>(?P<sign>(?<![\w.])[+\-−])?(?P<currency>[$₩€£¥])?(?P<digits>{_NUMBER}))
    |(?P<acronym>[A-Z]{{1,6}}(?![A-Za-z]))
    |(?P<latin>[A-Za-z]+(?:['-][A-Za-z]+)*)
    |(?P<hangul>[가-힣]+)
    |(?P<other>.)
    """,
    re.VERBOSE,
)
_HANGUL_START = re.compile(r"[가-힣]+")


def read_korean(words: list[str]) -> list[str]:
    """What to say for each written word (see the module doc). Same length as `words`."""
    return [
        _read_word(word, words[index + 1] if index + 1 < len(words) else "")
        for index, word in enumerate(words)
    ]


def _read_word(word: str, following: str) -> str:
    spoken: list[str] = []
    position = 0
    while position < len(word):
        match = _PIECE.match(word, position)
        assert match is not None  # `other` matches any character
        position = match.end()
        kind = match.lastgroup
        if kind == "latin_word":
            spoken.append(LATIN_WORDS[match.group().lower()])
        elif kind == "date":
            day = int(match["d"])
            spoken.append(f"{sino(int(match['y']))} 년 {month(int(match['mo']))} {sino(day)} 일")
        elif kind == "phone":
            spoken.append(" ".join(digits(part) for part in match.group().split("-")))
        elif kind == "time":
            hours, minutes = int(match["h"]), int(match["mi"])
            spoken.append(f"{native(hours)} 시" + (f" {sino(minutes)} 분" if minutes else ""))
        elif kind == "range":
            text, position = _range(match, word[position:], following, position)
            spoken.append(text)
        elif kind == "number":
            text, position = _number(match, word[position:], following, position)
            spoken.append(text)
        elif kind == "acronym":
            spoken.append("".join(LETTERS[letter] for letter in match.group()))
        elif kind == "other":
            char = match.group()
            if char in SILENT:
                spoken.append(" ")
            else:
                spoken.append(f" {SYMBOLS[char]} " if char in SYMBOLS else char)
        else:
            spoken.append(match.group())
    return " ".join("".join(spoken).split())


def _counter(rest: str, following: str) -> tuple[str, bool]:
    """The counter a number is read with: the Hangul right after it in the word, or, when
    nothing follows in the word, the next word; and whether that counter is native."""
    run = _HANGUL_START.match(rest)
    hangul = run.group() if run else ""
    if not hangul and not rest:
        next_run = _HANGUL_START.match(following)
        hangul = next_run.group() if next_run else ""
    for counter in SINO_COUNTERS:
        if hangul.startswith(counter):
            return counter, False
    for counter in NATIVE_COUNTERS:
        if hangul.startswith(counter):
            return counter, True
    return "", False


def _amount(text: str, counter: str, native_counter: bool) -> str:
    """A number read for its counter: natively (세 명), or in Sino-Korean."""
    plain = text.replace(",", "")
    if "." in plain:
        return decimal(plain)
    if len(plain) > 1 and plain.startswith("0"):
        return digits(plain)
    value = int(plain)
    if native_counter:
        if counter == "번째" and value == 1:
            return "첫"
        if counter == "대" and value % 10 == 0:
            return sino(value)  # 20대: the twenties, an age group
        return native(value)
    return sino(value)


def _number(match: re.Match[str], rest: str, following: str, position: int) -> tuple[str, int]:
    """A number with what it consumes after it (a unit, a big unit); returns the reading
    and the position in the word to go on from."""
    text = match["digits"]
    sign = {"+": "플러스 ", "-": "마이너스 ", "−": "마이너스 "}.get(match["sign"] or "", "")
    currency = CURRENCIES.get(match["currency"] or "", "")
    for unit in sorted(UNITS, key=len, reverse=True):
        if rest.startswith(unit) and not re.match(r"[A-Za-z]", rest[len(unit) :]):
            prefix = UNIT_PREFIXES.get(unit, "")
            reading = f"{prefix}{sign}{_amount(text, '', False)} {UNITS[unit]}"
            return reading, position + len(unit)
    if rest[:1] and rest[0] in BIG_UNITS and "." not in text:
        # 10만 십만, 1억 일억, 3천 삼천: the number and its unit are one word.
        unit, value = rest[0], int(text.replace(",", ""))
        head = "" if value == 1 and unit in "십백천만" else sino(value)
        tail = f" {currency}" if currency else ""
        return f"{sign}{head}{unit}{tail}", position + 1
    if rest.startswith("월") and "." not in text:
        return sign + month(int(text.replace(",", ""))), position + 1
    counter, native_counter = _counter(rest, following)
    reading = sign + _amount(text, counter, native_counter and not currency)
    if currency:
        reading += f" {currency}"
    elif counter and rest.startswith(counter):
        reading += " "  # 세 명: a counter is its own word
    return reading, position


def _range(match: re.Match[str], rest: str, following: str, position: int) -> tuple[str, int]:
    """3~5일 삼 일에서 오 일; a range without a counter: 3~5 삼에서 오."""
    counter, native_counter = _counter(rest, following)
    unit = next((u for u in sorted(UNITS, key=len, reverse=True) if rest.startswith(u)), "")
    parts = []
    for bound in (match["from"], match["to"]):
        currency = CURRENCIES.get(bound[0], "") if bound[0] in CURRENCIES else ""
        amount = _amount(bound.lstrip("$₩€£¥"), counter, native_counter)
        parts.append(amount + (f" {currency}" if currency else ""))
    if unit:
        return f"{parts[0]} {UNITS[unit]}에서 {parts[1]} {UNITS[unit]}", position + len(unit)
    if counter and rest.startswith(counter):
        rest_of_run = _HANGUL_START.match(rest)
        run = rest_of_run.group() if rest_of_run else counter
        # The counter follows each bound; what follows the counter (particles) the second.
        return f"{parts[0]} {counter}에서 {parts[1]} {run}", position + len(run)
    return f"{parts[0]}에서 {parts[1]}", position
