"""What a safety check found: the flags, the verdict they add up to, and a score.

A report is stored twice (in a database JSON column and in the stage's cache file) and
shown on the content, so it is plain pydantic data that survives a JSON round trip.
Unknown keys are ignored on loading, so reports written by a newer version still load.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Bump whenever a rule table, the scoring or the disclaimers change: a cached report of an
# older version must not be reused for the same script.
SAFETY_VERSION = "1"

Severity = Literal["block", "flag"]
Source = Literal["rules", "model"]


class Verdict(StrEnum):
    OK = "ok"  # nothing found: go ahead
    FLAGGED = "flagged"  # misleading claims: add the disclaimer; a human may have to approve
    BLOCKED = "blocked"  # banned content: do not make the video


class Category(StrEnum):
    """The categories flags carry. `SafetyFlag.category` stays a plain string so that a
    report naming a category this version does not know still loads."""

    GAMBLING = "gambling"
    ADULT = "adult"
    DRUGS = "drugs"  # illegal drugs
    VIOLENCE = "violence"  # threats, incitement, weapon or self-harm instructions
    HATE = "hate"
    CURE_CLAIM = "cure_claim"
    GUARANTEED_RETURN = "guaranteed_return"
    OTHER = "other"  # a model review's flag outside the categories above


class SafetyFlag(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str = Field(description="A `Category` value.")
    severity: Severity
    sentence: str = Field(min_length=1, description="The offending sentence, verbatim.")
    rule: str = Field(description='The rule id ("gambling.ko.casino"), or "model".')
    source: Source
    reason: str = ""
    location: str = Field(
        default="",
        description='Where the sentence first appears: "title", "scenes[2].narration", ...',
    )


class SafetyReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    score: float = Field(ge=0.0, le=1.0, description="1 is safe; see `score_of`.")
    flags: list[SafetyFlag] = Field(default_factory=list)
    disclaimer: str | None = None  # set when flagged: add it with `with_disclaimer`
    checked_by: list[str] = Field(default_factory=list)  # "rules", then a reviewer's name
    version: str = SAFETY_VERSION


# A blocking flag keeps 40% of the score, a misleading claim 75% of the part above 0.5.
_BLOCK_FACTOR = 0.4
_FLAG_FACTOR = 0.75


def score_of(flags: Iterable[SafetyFlag]) -> float:
    """How safe a script is, from 1 (nothing found) towards 0.

    score = 0.4 ** blocks * (0.5 + 0.5 * 0.75 ** flags), counting the flags of each
    severity. Every further flag lowers the score, and the bands never overlap: an ok
    script scores 1, a flagged one between 0.5 and 0.875, a blocked one at most 0.4,
    so sorting by score sorts by verdict first.
    """
    flags = list(flags)
    blocks = sum(1 for flag in flags if flag.severity == "block")
    claims = len(flags) - blocks
    return _BLOCK_FACTOR**blocks * (0.5 + 0.5 * _FLAG_FACTOR**claims)


def verdict_of(flags: Iterable[SafetyFlag]) -> Verdict:
    severities = {flag.severity for flag in flags}
    if "block" in severities:
        return Verdict.BLOCKED
    if "flag" in severities:
        return Verdict.FLAGGED
    return Verdict.OK
