"""What the webhook routes take and give."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from autoclip.service.contents.schemas import URL_PATTERN
from autoclip.service.models import DeliveryStatus
from autoclip.service.schemas import Input, JsonBool, Output
from autoclip.service.webhooks.events import EventType

Url = Field(
    min_length=8,
    max_length=2000,
    json_schema_extra={"pattern": URL_PATTERN, "format": "uri"},
    description="An http(s) URL the outbound policy lets AutoClip reach.",
)


class EndpointCreate(Input):
    url: str = Url
    events: list[EventType] = Field(min_length=1, max_length=len(EventType))
    description: str = Field(default="", max_length=200)


class EndpointUpdate(Input):
    url: str | None = Field(
        default=None,
        min_length=8,
        max_length=2000,
        json_schema_extra={"pattern": URL_PATTERN, "format": "uri"},
    )
    events: list[EventType] | None = Field(default=None, min_length=1, max_length=len(EventType))
    description: str | None = Field(default=None, max_length=200)
    enabled: JsonBool | None = Field(default=None, description="True enables it again.")


class EndpointOut(Output):
    id: uuid.UUID
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    failures_in_row: int
    previous_secret_until: datetime | None = Field(
        description="Until then deliveries are signed with the previous secret too."
    )
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(description="The whsec_ signing secret: keep it; it is shown again "
                        "only by GET /webhooks/endpoints/{id}/secret.")  # fmt: skip


class Secret(Output):
    secret: str


class AttemptOut(Output):
    number: int
    status_code: int | None
    error: str | None
    duration_ms: int
    created_at: datetime


class DeliveryOut(Output):
    id: uuid.UUID
    message_id: str = Field(description="The webhook-id header: the same on every retry.")
    endpoint_id: uuid.UUID | None
    callback_url: str | None
    content_id: uuid.UUID | None
    event: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryDetail(DeliveryOut):
    payload: dict[str, Any]
    log: list[AttemptOut]
