"""Which passwords are refused: the guessable ones, by a well-kept strength estimator.

A length rule lets `password1` and `12345678` through. zxcvbn estimates how many guesses
a password takes, knowing common passwords, words, keyboard patterns, dates and
substitutions, plus the words of this account (its email and name): `kim@example.com` and
`kim12345` are weak for Kim. Korean words people use as passwords are added, since
zxcvbn's dictionaries are English.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

from autoclip.errors import InputError

# zxcvbn's cost grows fast with length; past this the rest adds nothing to a strong start.
CHECKED_CHARACTERS = 100
KOREAN_WORDS = (
    "비밀번호",
    "패스워드",
    "사랑해",
    "사랑",
    "안녕하세요",
    "안녕",
    "대한민국",
    "오토클립",
)
PRODUCT_WORDS = ("autoclip", "auto clip", "qwer", "asdf")


def check_password(password: str, score_needed: int, *context: str) -> None:
    """Raise InputError("password", why) when `password` is too easy to guess."""
    words = [*KOREAN_WORDS, *PRODUCT_WORDS]
    for item in context:
        lowered = item.lower()
        words.append(lowered)
        words += [part for part in re.split(r"[@.\s_+-]+", lowered) if len(part) >= 3]
    verdict = zxcvbn(password[:CHECKED_CHARACTERS], user_inputs=words)
    if verdict["score"] >= score_needed:
        return
    feedback = verdict["feedback"]
    hints = [feedback.get("warning") or "", *feedback.get("suggestions", [])]
    why = " ".join(h.strip() for h in hints if h and h.strip())
    raise InputError(
        "password",
        "is too easy to guess"
        + (f": {why}" if why else "")
        + " Use a longer phrase of uncommon words.",
    )
