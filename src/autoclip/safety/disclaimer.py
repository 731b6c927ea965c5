"""The disclaimer a flagged script carries, and adding it to the script.

The text depends on what was flagged: a cure claim gets the medical disclaimer, a
guaranteed-return claim the investment one (both, one per line, when both were found).
A flag of another category (a model review's "other") gets the vertical's disclaimer:
medical for senior health, investment for finance, a general one elsewhere.

The disclaimer goes into the description only. The on-screen text of a scene is a
headline of at most 28 Korean or 42 English characters (`HEADLINE_MAX_CHARS`): no
disclaimer fits, and a cut one would say less than none. The narration is left alone
because it is timed. Showing it in the video (a caption on the last scene) is the
renderer's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from autoclip.options import Language, Vertical
from autoclip.safety.report import Category
from autoclip.safety.text import comparable
from autoclip.script.model import Script


class DisclaimerKind(StrEnum):
    MEDICAL = "medical"
    INVESTMENT = "investment"
    GENERAL = "general"


DISCLAIMERS: dict[DisclaimerKind, dict[Language, str]] = {
    DisclaimerKind.MEDICAL: {
        Language.KO: (
            "이 영상은 일반적인 건강 정보이며 의학적 조언이 아닙니다. "
            "증상이 있거나 치료 중이라면 전문의와 상담하세요."
        ),
        Language.EN: (
            "This video is general health information, not medical advice. "
            "If you have symptoms or are being treated, talk to your doctor."
        ),
    },
    DisclaimerKind.INVESTMENT: {
        Language.KO: (
            "이 영상은 일반적인 정보이며 투자 권유가 아닙니다. 모든 투자에는 원금 손실 "
            "위험이 있으며, 투자 손실의 책임은 투자자 본인에게 있습니다."
        ),
        Language.EN: (
            "This video is general information, not investment advice. Every investment "
            "can lose money, and investment decisions and their outcomes are your own."
        ),
    },
    DisclaimerKind.GENERAL: {
        Language.KO: (
            "이 영상은 일반적인 정보 제공을 위한 것이며 전문적인 조언을 대신하지 않습니다. "
            "중요한 결정을 내리기 전에 전문가와 상담하세요."
        ),
        Language.EN: (
            "This video is for general information only and is not professional advice. "
            "Consult a qualified professional before making important decisions."
        ),
    },
}

_BY_CATEGORY = {
    Category.CURE_CLAIM.value: DisclaimerKind.MEDICAL,
    Category.GUARANTEED_RETURN.value: DisclaimerKind.INVESTMENT,
}
_BY_VERTICAL = {
    Vertical.SENIOR_HEALTH: DisclaimerKind.MEDICAL,
    Vertical.FINANCE: DisclaimerKind.INVESTMENT,
}


def disclaimer_for(language: Language, vertical: Vertical, categories: Iterable[str]) -> str:
    """The disclaimer for a script of `vertical` flagged in `categories`."""
    kinds = {_BY_CATEGORY[c] for c in categories if c in _BY_CATEGORY}
    if not kinds:
        kinds = {_BY_VERTICAL.get(vertical, DisclaimerKind.GENERAL)}
    ordered = [kind for kind in DisclaimerKind if kind in kinds]
    return "\n".join(DISCLAIMERS[kind][language] for kind in ordered)


def with_disclaimer(script: Script, disclaimer: str) -> Script:
    """A copy of `script` whose description ends with `disclaimer`, on lines of its own.

    A line of the disclaimer already in the description (spacing and case aside) is not
    added again, so applying it twice, or after an editor pasted it, changes nothing.
    """
    present = comparable(script.description)
    missing = [
        line.strip()
        for line in disclaimer.splitlines()
        if line.strip() and comparable(line) not in present
    ]
    if not missing:
        return script.model_copy(deep=True)
    parts = [script.description.rstrip(), *missing] if script.description.strip() else missing
    return script.model_copy(update={"description": "\n".join(parts)}, deep=True)
