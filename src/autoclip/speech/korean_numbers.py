"""Korean numbers as they are read: Sino-Korean (일, 이, 삼 ...) and native (한, 두, 세 ...).

Sino-Korean numbers count in groups of four digits (만, 억, 조, 경). A leading 1 is not
read before 십, 백, 천 and 만 (10 is 십, 10,000 is 만) but is before 억 and 조 (일억).
Native numbers exist from 1 to 99; before a counter they take their short forms (한 명,
두 개, 세 시, 네 살, 스무 살). Past 99 a native count reads its hundreds in Sino-Korean
and the rest natively: 101명 is 백한 명.
"""

from __future__ import annotations

SINO_DIGITS = "영일이삼사오육칠팔구"
_SMALL_UNITS = ("", "십", "백", "천")
_BIG_UNITS = ("", "만", "억", "조", "경")
# Units where a lone leading 1 is silent: 십, 백, 천 (and 만 as a whole group).
_NATIVE_ONES = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉")
_NATIVE_TENS = ("", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")
MAX_SINO = 10**20 - 1


def sino(number: int) -> str:
    """`number` (0 to 10^20 - 1) in Sino-Korean: 2026 이천이십육, 100000 십만, 10^8 일억."""
    if number < 0:
        return "마이너스 " + sino(-number)
    if number == 0:
        return "영"
    if number > MAX_SINO:
        return digits(str(number))
    groups: list[str] = []
    position = 0
    while number:
        number, group = divmod(number, 10000)
        if group:
            text = _four_digits(group)
            if group == 1 and position == 1:
                text = ""  # 만, not 일만
            groups.append(text + _BIG_UNITS[position])
        position += 1
    return "".join(reversed(groups))


def _four_digits(group: int) -> str:
    parts: list[str] = []
    for place in (3, 2, 1, 0):
        digit = group // 10**place % 10
        if digit == 0:
            continue
        if digit == 1 and place > 0:
            parts.append(_SMALL_UNITS[place])
        else:
            parts.append(SINO_DIGITS[digit] + _SMALL_UNITS[place])
    return "".join(parts)


def digits(text: str, zero: str = "공") -> str:
    """Digit by digit, as phone numbers and codes are read: 010 is 공일공."""
    return "".join(zero if char == "0" else SINO_DIGITS[int(char)] for char in text)


def decimal(text: str) -> str:
    """A decimal such as 3.14 (commas allowed in the whole part): 삼 점 일사."""
    whole, _, fraction = text.replace(",", "").partition(".")
    spoken = sino(int(whole or "0"))
    if fraction:
        spoken += " 점 " + digits(fraction, zero="영")
    return spoken


def native(number: int) -> str:
    """`number` counted natively, in the form used before a counter: 1 한, 20 스무,
    21 스물한, 101 백한. 0 is 영; numbers of 100 and more keep Sino-Korean hundreds."""
    if number <= 0:
        return sino(number)
    hundreds, rest = divmod(number, 100)
    head = sino(hundreds * 100) if hundreds else ""
    if rest == 0:
        return head
    tens, ones = divmod(rest, 10)
    tail = "스무" if rest == 20 else _NATIVE_TENS[tens] + _NATIVE_ONES[ones]
    return head + tail


def month(number: int) -> str:
    """A month's name: 1월 일월 ... with 6월 유월 and 10월 시월."""
    return {6: "유월", 10: "시월"}.get(number, sino(number) + "월")
