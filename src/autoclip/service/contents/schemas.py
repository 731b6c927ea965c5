from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from autoclip.options import Aspect, Language, Length, Tone, Vertical
from autoclip.safety import SafetyReport
from autoclip.service.contents.chains import BudgetUsd, ProviderChains
from autoclip.service.contents.records import StoredOptions
from autoclip.service.models import ContentStatus, GenerationType, StageRunStatus
from autoclip.service.schemas import Input, JsonBool, Output

MAX_TEXT = 50_000


class ContentOptions(ProviderChains):
    """Missing options come from the project; the provider chains and the budget, when
    neither says, from the configuration."""

    length: Length | None = None
    aspect: Aspect | None = None
    voice: str | None = Field(default=None, max_length=64)
    tone: Tone | None = None
    vertical: Vertical | None = None
    draft: JsonBool = Field(
        default=False, description="Two-thirds size, fastest encode: a preview."
    )
    budget_usd: BudgetUsd | None = Field(
        default=None,
        description="Most this generation may spend on paid providers (estimated, USD); "
        "past it the chains move on to free providers.",
    )


class ContentCreate(Input):
    generation_type: GenerationType
    # validate_default: a missing source is reported under its own name, not as "body".
    topic: str | None = Field(default=None, min_length=2, max_length=500, validate_default=True)
    text: str | None = Field(
        default=None, min_length=20, max_length=MAX_TEXT, validate_default=True
    )
    url: str | None = Field(default=None, min_length=8, max_length=2000, validate_default=True)
    language: Language | None = None
    project_id: uuid.UUID | None = None
    options: ContentOptions = Field(default_factory=ContentOptions)

    @field_validator("topic", "text", "url")
    @classmethod
    def _one_source(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("generation_type")  # absent: itself invalid, reported already
        if kind is None:
            return value
        wanted = kind.value
        if info.field_name == wanted and value is None:
            raise ValueError(f"generation_type {wanted} needs the field {wanted!r}")
        if info.field_name != wanted and value is not None:
            raise ValueError(f"give only {wanted!r} for generation_type {wanted}")
        return value

    @property
    def source(self) -> str:
        value = getattr(self, self.generation_type.value)
        assert isinstance(value, str)
        return value


class RegeneratePart(StrEnum):
    SCRIPT = "script"
    NARRATION = "narration"
    VISUALS = "visuals"
    RENDER = "render"


class Regenerate(Input):
    parts: list[RegeneratePart] = Field(min_length=1, max_length=4)


class Reject(Input):
    reason: str = Field(default="", max_length=500)


class ContentError(Output):
    stage: str | None
    message: str


class ContentSummary(Output):
    """A content as a list shows it: without its script, safety report and who served it
    (`GET /contents/{id}` has them)."""

    id: uuid.UUID
    project_id: uuid.UUID
    generation_type: GenerationType
    language: Language
    options: StoredOptions
    status: ContentStatus
    stage: str | None
    progress: int
    title: str | None
    # Not read from the row's `error` (its message, a string): content_out builds it from
    # the message and the stage. (Read directly, every failed content answered 500.)
    error: ContentError | None = Field(default=None, validation_alias="error_detail")
    duration_s: float | None
    cost_usd: float = Field(description="Estimated spend on paid providers, every generation.")
    approved_at: datetime | None
    video_url: str | None = None
    thumbnail_url: str | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class ContentOut(ContentSummary):
    script: dict[str, Any] | None
    safety: SafetyReport | None = Field(description="The safety check's report.")
    # Only the stages that were served: content_out fills it from the row's record.
    served: dict[str, Any] | None = Field(
        default=None, validation_alias="served_detail", description="Who served each stage."
    )
    audio_url: str | None = None


class EventTicket(Output):
    ticket: str
    expires_in: int = Field(description="Seconds the ticket can open the stream.")
    events_url: str


class ContentCreated(Output):
    id: uuid.UUID
    status: ContentStatus


class UsageOut(Output):
    service: str
    stage: str | None
    units: dict[str, float]
    cost_usd: float
    created_at: datetime


class StageRunOut(Output):
    id: uuid.UUID
    stage: str
    status: StageRunStatus
    attempt: int
    worker: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    error: str | None
