from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from autoclip.service.models import ScheduleOutcome
from autoclip.service.publishing.schemas import Privacy
from autoclip.service.schedules.calendar import CalendarError, check_cron, parse_time, zone
from autoclip.service.schemas import Input, JsonBool, JsonInt, Output, document_text

PER_RUN = Field(default=1, ge=1, le=20, description="Contents each run generates at most.")
AUTO_PUBLISH = Field(
    default=False,
    description="Publish each content it makes as soon as it is ready (a flagged script "
    "first waits for its approval), to `channel_id` or your only channel.",
)
CHANNEL = Field(
    default=None,
    description="The connected YouTube channel it publishes to; default: your only one.",
)
PRIVACY = Field(default=Privacy.PRIVATE, description="The privacy of the videos it publishes.")


def _times(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    try:
        return sorted({parse_time(t).strftime("%H:%M") for t in value})
    except CalendarError as error:
        raise ValueError(str(error)) from None


def _cron(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    try:
        check_cron(value)
    except CalendarError as error:
        raise ValueError(str(error)) from None
    return value


def _timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        zone(value)
    except CalendarError as error:
        raise ValueError(str(error)) from None
    return value


TimeOfDay = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["09:00"])]
CronText = Annotated[
    str,
    Field(
        min_length=9,
        max_length=120,
        pattern=r"^ *[^ ]+( +[^ ]+){4} *$",
        description="Five cron fields (minute hour day month weekday) that cron accepts.",
        examples=["0 9 * * 1-5"],
    ),
]
TimeZone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
        description="An IANA time zone that exists (Asia/Seoul, Europe/Paris, UTC).",
    ),
]


class _ScheduleCreate(Input):
    name: str = Field(default="Daily", min_length=1, max_length=200)
    timezone: TimeZone = "Asia/Seoul"
    per_run: JsonInt = PER_RUN
    auto_publish: JsonBool = AUTO_PUBLISH
    channel_id: uuid.UUID | None = CHANNEL
    privacy: Privacy = PRIVACY
    enabled: JsonBool = True

    _check_timezone = field_validator("timezone")(_timezone)


class TimesScheduleCreate(_ScheduleCreate):
    """At fixed times of day ("2 a day at 09:00 and 18:00": two times, one per run)."""

    kind: Literal["times"]
    times: list[TimeOfDay] = Field(
        min_length=1, max_length=48, description='Times of day, "HH:MM": one run at each.'
    )

    _check_times = field_validator("times")(_times)


class CronScheduleCreate(_ScheduleCreate):
    """By a cron expression."""

    kind: Literal["cron"]
    cron: CronText

    _check_cron = field_validator("cron")(_cron)


ScheduleCreate = Annotated[TimesScheduleCreate | CronScheduleCreate, Field(discriminator="kind")]


def _one_rhythm_at_most(schema: dict[str, Any], model: type[BaseModel]) -> None:
    document_text(schema, model)
    # Not both: said in the document, so a client (and a generated one) knows.
    schema["not"] = {
        "required": ["times", "cron"],
        "properties": {"times": {"type": "array"}, "cron": {"type": "string"}},
    }


class ScheduleUpdate(Input):
    """Give `times` or `cron` (not both) to change the rhythm; the other is cleared."""

    model_config = ConfigDict(**{**Input.model_config, "json_schema_extra": _one_rhythm_at_most})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    times: list[TimeOfDay] | None = Field(default=None, min_length=1, max_length=48)
    cron: CronText | None = None
    timezone: TimeZone | None = None
    per_run: JsonInt | None = Field(default=None, ge=1, le=20)
    auto_publish: JsonBool | None = None
    channel_id: uuid.UUID | None = CHANNEL
    privacy: Privacy | None = None
    enabled: JsonBool | None = None

    _check_times = field_validator("times")(_times)
    _check_cron = field_validator("cron")(_cron)
    _check_timezone = field_validator("timezone")(_timezone)

    @model_validator(mode="after")
    def _one_rhythm(self) -> ScheduleUpdate:
        if self.times is not None and self.cron is not None:
            raise ValueError("give either times or cron")
        return self


class ScheduleOut(Output):
    id: uuid.UUID
    project_id: uuid.UUID
    kind: Literal["times", "cron"]
    name: str
    times: list[str]
    cron: str | None
    timezone: str
    per_run: int
    auto_publish: bool
    channel_id: uuid.UUID | None = Field(description="Where it publishes; None: your only one.")
    privacy: Privacy
    enabled: bool
    next_run_at: datetime | None = Field(description="The next due time; None when disabled.")
    last_run_at: datetime | None
    stopped_reason: str | None = Field(
        description="Why it stopped spending (no credits left), until a run makes one again."
    )
    waiting_items: int = Field(
        default=0, description="Drafts from the project's sources waiting to be generated."
    )
    created_at: datetime
    updated_at: datetime


class FailedItem(Output):
    item: str
    reason: str


class ScheduleRunOut(Output):
    id: uuid.UUID
    schedule_id: uuid.UUID
    due_at: datetime
    ran_at: datetime
    lag_seconds: float = Field(description="From the due time to the run.")
    missed: int = Field(description="Due times before this one that downtime skipped.")
    outcome: ScheduleOutcome
    made: list[uuid.UUID] = Field(description="The contents it generated.")
    failed: list[FailedItem]
