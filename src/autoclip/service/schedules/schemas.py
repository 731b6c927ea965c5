from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field, field_validator, model_validator

from autoclip.service.models import ScheduleOutcome
from autoclip.service.schedules.calendar import CalendarError, check_cron, parse_time, zone
from autoclip.service.schemas import Input, JsonBool, Output

TIMES = Field(
    default=None,
    min_length=1,
    max_length=48,
    description='Times of day, "HH:MM" in the time zone: one run at each.',
    examples=[["09:00", "18:00"]],
)
CRON = Field(
    default=None,
    min_length=9,
    max_length=120,
    description="A five-field cron expression in the time zone, instead of times.",
    examples=["0 9 * * 1-5"],
)
PER_RUN = Field(default=1, ge=1, le=20, description="Contents each run generates at most.")
AUTO_PUBLISH = Field(
    default=False,
    description="Publish what it makes once publishing exists; until then (and when "
    "false) contents wait for approval.",
)


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


class ScheduleCreate(Input):
    name: str = Field(default="Daily", min_length=1, max_length=200)
    times: list[str] | None = TIMES
    cron: str | None = CRON
    timezone: str = Field(default="Asia/Seoul", max_length=64, description="An IANA time zone.")
    per_run: int = PER_RUN
    auto_publish: JsonBool = AUTO_PUBLISH
    enabled: JsonBool = True

    _check_times = field_validator("times")(_times)
    _check_cron = field_validator("cron")(_cron)
    _check_timezone = field_validator("timezone")(_timezone)

    @model_validator(mode="after")
    def _one_rhythm(self) -> ScheduleCreate:
        if (self.times is None) == (self.cron is None):
            raise ValueError("give either times or cron")
        return self


class ScheduleUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    times: list[str] | None = Field(default=None, min_length=1, max_length=48)
    cron: str | None = Field(default=None, min_length=9, max_length=120)
    timezone: str | None = Field(default=None, max_length=64)
    per_run: int | None = Field(default=None, ge=1, le=20)
    auto_publish: JsonBool | None = None
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
    name: str
    times: list[str]
    cron: str | None
    timezone: str
    per_run: int
    auto_publish: bool
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
