"""The safety check: rules in Korean and English, and an optional model review, run on a
script before anything is spent on narration or images.

    report = check_script(script, vertical, reviewer=LanguageModelReviewer(model))
    if report.verdict is Verdict.FLAGGED and report.disclaimer:
        script = with_disclaimer(script, report.disclaimer)
"""

from autoclip.safety.check import ModelReviewer, check_script
from autoclip.safety.disclaimer import (
    DISCLAIMERS,
    DisclaimerKind,
    disclaimer_for,
    with_disclaimer,
)
from autoclip.safety.model_review import LanguageModelReviewer, parse_review
from autoclip.safety.report import (
    SAFETY_VERSION,
    Category,
    SafetyFlag,
    SafetyReport,
    Verdict,
    score_of,
    verdict_of,
)
from autoclip.safety.rules import RULES, Rule

__all__ = [
    "DISCLAIMERS",
    "RULES",
    "SAFETY_VERSION",
    "Category",
    "DisclaimerKind",
    "LanguageModelReviewer",
    "ModelReviewer",
    "Rule",
    "SafetyFlag",
    "SafetyReport",
    "Verdict",
    "check_script",
    "disclaimer_for",
    "parse_review",
    "score_of",
    "verdict_of",
    "with_disclaimer",
]
