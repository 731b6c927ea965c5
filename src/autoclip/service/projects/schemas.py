from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from autoclip.options import Aspect, Language, Tone, Vertical
from autoclip.service.contents.chains import BudgetUsd, ProviderChains
from autoclip.service.schemas import CONTROL_CLASS, Input, JsonBool, Output, text_pattern
from autoclip.speech.lexicon import (
    MAX_ENTRIES,
    MAX_READING_CHARS,
    MAX_WORD_CHARS,
    lexicon_problem,
)

BUDGET = Field(
    default=None,
    description="Most each generation may spend on paid providers (estimated, USD); "
    "none: the configured budget.",
)
REVIEW = "Flagged scripts wait for an approval before anything else is made."
PRONUNCIATIONS = (
    f"How narrators read words: word → reading, at most {MAX_ENTRIES} entries, e.g."
    ' {"AutoClip": "오토클립"}. Applied by every narrator; see docs/speech.md.'
)


def _lexicon(entries: dict[str, str]) -> dict[str, str]:
    problem = lexicon_problem(entries)
    if problem is not None:
        raise ValueError(problem)
    return entries


# What the document promises is what `_lexicon` and `Input` take: keys and readings are
# stripped of the spaces around them, then a word is 1 to 50 characters without spaces
# and a reading 1 to 100 with a visible one; control characters are refused by `Input`.
_WORD = rf"^\s*[^\s{CONTROL_CLASS}]{{1,{MAX_WORD_CHARS}}}\s*$"
Pronunciations = Annotated[
    dict[str, str],
    AfterValidator(_lexicon),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": MAX_ENTRIES,
            "propertyNames": {"type": "string", "pattern": _WORD},
            "additionalProperties": {
                "type": "string",
                "maxLength": MAX_READING_CHARS,
                "pattern": text_pattern(1),
            },
        }
    ),
]


class Platform(StrEnum):
    YOUTUBE = "youtube"
    TIKTOK = "tiktok"
    INSTAGRAM = "instagram"


class ProjectCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    vertical: Vertical = Vertical.TECH
    format: Aspect = Aspect.VERTICAL
    tone: Tone = Tone.PROFESSIONAL
    language: Language = Language.KO
    platforms: list[Platform] = Field(default_factory=lambda: [Platform.YOUTUBE], max_length=3)
    providers: ProviderChains = Field(default_factory=ProviderChains)
    budget_usd: BudgetUsd | None = BUDGET
    require_review: JsonBool = Field(default=False, description=REVIEW)
    pronunciations: Pronunciations = Field(default_factory=dict, description=PRONUNCIATIONS)


class ProjectUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    vertical: Vertical | None = None
    format: Aspect | None = None
    tone: Tone | None = None
    language: Language | None = None
    platforms: list[Platform] | None = Field(default=None, max_length=3)
    providers: ProviderChains | None = Field(
        default=None, description="Replaces the project's choice as a whole."
    )
    budget_usd: BudgetUsd | None = BUDGET  # null: back to the configured budget
    require_review: JsonBool | None = Field(default=None, description=REVIEW)
    pronunciations: Pronunciations | None = Field(
        default=None, description=PRONUNCIATIONS + " Replaces the dictionary as a whole."
    )


class ProviderChainsOut(Output):
    writer: str | None = None
    narrator: str | None = None
    visuals: str | None = None


class ProjectOut(Output):
    id: uuid.UUID
    name: str
    description: str
    vertical: Vertical
    format: Aspect
    tone: Tone
    language: Language
    platforms: list[Platform]
    providers: ProviderChainsOut
    budget_usd: float | None
    require_review: bool
    pronunciations: dict[str, str]
    is_default: bool
    created_at: datetime
    updated_at: datetime
