"""English text as a listener hears it, one written word at a time.

`read_english(words)` gives, for each whitespace-split written word, what to say for it:

- numbers in words (1,250 one thousand two hundred fifty; 3.5 three point five); a year
  after a word that announces one (in 1998 nineteen ninety-eight, since 2026 twenty
  twenty-six) and decades (1990s nineteen nineties); ordinals (21st twenty-first);
  fractions (3/4 three quarters); signs (-5 minus five); ranges (5-10 five to ten);
- money ($5 five dollars, $1 one dollar, $3.99 three dollars and ninety-nine cents, and
  $1.5 million one point five million dollars: the currency moves after the scale word);
- units after a number, in the same word or the next (5km five kilometers, 1 kg one
  kilogram, 50% fifty percent, 30°C thirty degrees Celsius);
- clock times (3:30 three thirty, 3:05 three oh five, 3:00 three o'clock, 3pm three p m);
- abbreviations (Dr. Doctor, e.g. for example, vs. versus), initialisms spelt out
  (AI A I, CEO C E O) and symbols (& and, + plus, @ at).

Words it does not know are left as they are: the voice reads them.
"""

from __future__ import annotations

import re

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = (
    "_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)  # fmt: skip
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
ABBREVIATIONS = {
    "dr.": "Doctor", "mr.": "Mister", "mrs.": "Missus", "ms.": "Miz", "prof.": "Professor",
    "jr.": "Junior", "sr.": "Senior", "vs.": "versus", "vs": "versus", "etc.": "et cetera",
    "e.g.": "for example", "i.e.": "that is", "approx.": "approximately", "inc.": "Incorporated",
    "ltd.": "Limited", "co.": "Company", "dept.": "department", "est.": "established",
    "jan.": "January", "feb.": "February", "mar.": "March", "apr.": "April", "aug.": "August",
    "sept.": "September", "sep.": "September", "oct.": "October", "nov.": "November",
    "dec.": "December", "mon.": "Monday", "fri.": "Friday", "u.s.": "U S", "u.k.": "U K",
    "a.m.": "a m", "p.m.": "p m", "ok": "okay",
}  # fmt: skip
# Initialisms said letter by letter (word acronyms such as NASA are left to the voice).
INITIALISMS = frozenset(
    (
        "AI", "CEO", "CFO", "USA", "US", "UK", "EU", "UN", "FBI", "CIA", "DNA", "TV", "PC",
        "GPS", "ATM", "FAQ", "DIY", "CPU", "GPU", "BTS", "HR", "PR", "ID", "URL", "USB", "PDF",
        "SUV", "VIP", "ETF", "IPO", "GDP", "BMI", "ADHD", "IQ", "SNS", "PhD",
)
)  # fmt: skip
# (singular, plural) after a number.
UNITS: dict[str, tuple[str, str]] = {
    "%": ("percent", "percent"), "km/h": ("kilometer per hour", "kilometers per hour"),
    "mph": ("mile per hour", "miles per hour"), "km": ("kilometer", "kilometers"),
    "kg": ("kilogram", "kilograms"), "mg": ("milligram", "milligrams"), "g": ("gram", "grams"),
    "cm": ("centimeter", "centimeters"), "mm": ("millimeter", "millimeters"),
    "m": ("meter", "meters"), "mi": ("mile", "miles"), "ft": ("foot", "feet"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"),
    "ml": ("milliliter", "milliliters"), "mL": ("milliliter", "milliliters"),
    "L": ("liter", "liters"), "GB": ("gigabyte", "gigabytes"), "MB": ("megabyte", "megabytes"),
    "TB": ("terabyte", "terabytes"), "GHz": ("gigahertz", "gigahertz"),
    "Hz": ("hertz", "hertz"), "kWh": ("kilowatt hour", "kilowatt hours"),
    "kcal": ("kilocalorie", "kilocalories"), "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"), "°": ("degree", "degrees"),
    "hrs": ("hour", "hours"), "hr": ("hour", "hours"), "min": ("minute", "minutes"),
    "x": ("times", "times"),
}  # fmt: skip
CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"), "¥": ("yen", "yen", "", ""),
    "₩": ("won", "won", "", ""),
}  # fmt: skip
SCALE_WORDS = frozenset({"thousand", "million", "billion", "trillion"})
YEAR_CUES = frozenset(
    (
        "in", "since", "by", "from", "until", "till", "of", "around", "before", "after",
        "during", "circa", "through", "year",
)
)  # fmt: skip
SYMBOLS = {"&": "and", "+": "plus", "@": "at", "=": "equals", "%": "percent"}
SILENT = set("→←※★☆•▶#~") | {"…"}
_FRACTIONS = {(1, 2): "one half", (1, 4): "one quarter", (3, 4): "three quarters"}

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNIT_KEYS = "|".join(re.escape(unit) for unit in sorted(UNITS, key=len, reverse=True))
_PIECE = re.compile(
    rf"""
    (?P<time>(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?P<ampm>[ap]m)?)
    |(?P<clock>(?P<hour>\d{{1,2}})(?P<meridiem>[ap]m)(?![A-Za-z]))
    |(?P<ordinal>(?P<nth>\d+)(?:st|nd|rd|th)(?![A-Za-z]))
    |(?P<decade>(?P<century>1[1-9]|20)(?P<tens>\d)0s(?![A-Za-z]))
    |(?P<fraction>(?P<num>\d{{1,2}})/(?P<den>\d{{1,2}})(?![\d/]))
    |(?P<range>(?P<low>{_NUMBER})-(?P<high>{_NUMBER}))
    |(?P<number>(?P<sign>(?<![\w.])[+\-−])?(?P<currency>[$€£¥₩])?(?P<digits>{_NUMBER})(?P<unit>{_UNIT_KEYS})?(?![A-Za-z]))
    |(?P<word>[A-Za-z]+(?:\.[A-Za-z]+)*\.?)
    |(?P<other>.)
    """,
    re.VERBOSE,
)


def cardinal(number: int) -> str:
    """1,250 as one thousand two hundred fifty."""
    if number < 0:
        return "minus " + cardinal(-number)
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    for scale, name in _SCALES:
        if number >= scale:
            head, rest = divmod(number, scale)
            return f"{cardinal(head)} {name}" + (f" {cardinal(rest)}" if rest else "")
    raise AssertionError("unreachable")


def ordinal(number: int) -> str:
    """21 as twenty-first."""
    words = cardinal(number)
    head, _, last = words.rpartition("-" if "-" in words.split()[-1] else " ")
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    separator = "-" if "-" in words.split()[-1] else " "
    return f"{head}{separator}{last}" if head else last


def year(number: int) -> str:
    """1998 nineteen ninety-eight, 2026 twenty twenty-six, 2005 two thousand five,
    1905 nineteen oh five, 1900 nineteen hundred."""
    if 2000 <= number <= 2009:
        return cardinal(number)
    high, low = divmod(number, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    return f"{cardinal(high)} {'oh ' + _ONES[low] if low < 10 else cardinal(low)}"


def decimal(text: str) -> str:
    whole, _, fraction = text.replace(",", "").partition(".")
    spoken = cardinal(int(whole or "0"))
    if fraction:
        spoken += " point " + " ".join(_ONES[int(digit)] for digit in fraction)
    return spoken


def read_english(words: list[str]) -> list[str]:
    """What to say for each written word (see the module doc). Same length as `words`."""
    spoken: list[str] = []
    carried = ""  # a currency word waiting for the scale word after it ($1.5 million)
    for index, word in enumerate(words):
        previous = words[index - 1].lower().strip(",.;:") if index else ""
        following = words[index + 1] if index + 1 < len(words) else ""
        reading, carry = _read_word(word, previous, following, spoken)
        if carried:
            if word.lower().strip(",.;:!?") in SCALE_WORDS:
                reading = _insert_before_punctuation(reading, f" {carried}")
            else:
                spoken[-1] += f" {carried}"
        spoken.append(reading)
        carried = carry
    if carried:
        spoken[-1] += f" {carried}"
    return spoken


def _insert_before_punctuation(reading: str, extra: str) -> str:
    match = re.search(r"[,.;:!?]+$", reading)
    if match is None:
        return reading + extra
    return reading[: match.start()] + extra + match.group()


def _read_word(word: str, previous: str, following: str, spoken: list[str]) -> tuple[str, str]:
    """One word's reading, and a currency word to carry to a scale word after it."""
    lowered = word.lower()
    trailing = re.search(r"[,;:!?]+$", word)
    core = word[: trailing.start()] if trailing else word
    tail = trailing.group() if trailing else ""
    if core.lower() in ABBREVIATIONS:
        return ABBREVIATIONS[core.lower()] + tail, ""
    if core in UNITS and re.fullmatch(_NUMBER, previous):
        singular, plural = UNITS[core]  # 5 km: the unit in a word of its own
        return (singular if float(previous.replace(",", "")) == 1 else plural) + tail, ""
    if lowered.startswith("no.") and re.fullmatch(r"no\.\d+", lowered):
        return "number " + cardinal(int(lowered[3:])), ""
    carry = ""
    parts: list[str] = []
    position = 0
    while position < len(word):
        match = _PIECE.match(word, position)
        assert match is not None
        position = match.end()
        kind = match.lastgroup
        if kind == "time":
            parts.append(_clock(int(match["h"]), int(match["mi"]), match["ampm"]))
        elif kind == "clock":
            parts.append(f"{cardinal(int(match['hour']))} {' '.join(match['meridiem'])}")
        elif kind == "ordinal":
            parts.append(ordinal(int(match["nth"])))
        elif kind == "decade":
            parts.append(_decade(int(match["century"]), int(match["tens"])))
        elif kind == "fraction":
            parts.append(_fraction(int(match["num"]), int(match["den"])))
        elif kind == "range":
            low = _plain(match["low"], previous)
            # 1990-2000 after "from": both are years.
            cue = previous if low == year(int(match["low"])) and "," not in match["low"] else ""
            parts.append(f"{low} to {_plain(match['high'], cue)}")
        elif kind == "number":
            text, carry = _number(match, previous, following)
            parts.append(text)
        elif kind == "word":
            text = match.group()
            bare = text.rstrip(".")
            if bare in INITIALISMS:
                parts.append(" ".join(bare.upper()) + text[len(bare) :])
            else:
                parts.append(text)
        else:
            char = match.group()
            if char in SILENT:
                char = " "
            parts.append(f" {SYMBOLS[char]} " if char in SYMBOLS else char)
    return " ".join("".join(parts).split()), carry


def _plain(text: str, previous: str) -> str:
    value = text.replace(",", "")
    if "." in value:
        return decimal(value)
    number = int(value)
    if "," not in text and 1100 <= number <= 2099 and previous in YEAR_CUES:
        return year(number)
    return cardinal(number)


def _number(match: re.Match[str], previous: str, following: str) -> tuple[str, str]:
    text = match["digits"]
    sign = {"+": "plus ", "-": "minus ", "−": "minus "}.get(match["sign"] or "", "")
    amount = _plain(text, previous)
    value = float(text.replace(",", ""))
    unit = match["unit"]
    if unit:
        singular, plural = UNITS[unit]
        return f"{sign}{amount} {singular if value == 1 else plural}", ""
    symbol = match["currency"]
    if not symbol:
        return sign + amount, ""
    one, many, cent, cents = CURRENCIES[symbol]
    if following.lower().strip(",.;:!?") in SCALE_WORDS:
        return sign + amount, many  # $1.5 million: "dollars" after "million"
    whole, _, fraction = text.replace(",", "").partition(".")
    if fraction and cent and len(fraction) == 2:
        hundredths = int(fraction)
        change = f"{cardinal(hundredths)} {cent if hundredths == 1 else cents}"
        if int(whole) == 0:
            return sign + change, ""  # $0.50: fifty cents
        money = f"{cardinal(int(whole))} {one if int(whole) == 1 else many}"
        return sign + money + (f" and {change}" if hundredths else ""), ""
    return f"{sign}{amount} {one if value == 1 else many}", ""


def _decade(century: int, tens: int) -> str:
    """1990s nineteen nineties, 1900s nineteen hundreds, 2010s twenty tens."""
    if tens == 0:
        return "two thousands" if century == 20 else f"{cardinal(century)} hundreds"
    name = "tens" if tens == 1 else _TENS[tens][:-1] + "ies"
    return f"{cardinal(century)} {name}"


def _clock(hours: int, minutes: int, meridiem: str | None) -> str:
    if minutes == 0:
        spoken = f"{cardinal(hours)} o'clock" if not meridiem else cardinal(hours)
    elif minutes < 10:
        spoken = f"{cardinal(hours)} oh {_ONES[minutes]}"
    else:
        spoken = f"{cardinal(hours)} {cardinal(minutes)}"
    return spoken + (f" {' '.join(meridiem)}" if meridiem else "")


def _fraction(numerator: int, denominator: int) -> str:
    if (numerator, denominator) in _FRACTIONS:
        return _FRACTIONS[(numerator, denominator)]
    if denominator == 4:
        return f"{cardinal(numerator)} quarters"
    if denominator < 2:
        return f"{cardinal(numerator)} over {cardinal(denominator)}"
    name = "half" if denominator == 2 else ordinal(denominator)
    if numerator == 1:
        return f"one {name}"
    return f"{cardinal(numerator)} {'halves' if denominator == 2 else name + 's'}"
