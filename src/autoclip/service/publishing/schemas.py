"""What the publishing routes take and give."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from autoclip.service.models import PublicationStatus
from autoclip.service.schemas import Input, JsonBool, Output, text_pattern

# One tag: the document says what Input refuses (control characters), as for text fields.
Tag = Annotated[str, Field(min_length=1, max_length=100, pattern=text_pattern(1))]


class Privacy(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


class PublishRequest(Input):
    channel_id: uuid.UUID | None = Field(
        default=None, description="Which connected channel; default: your only one."
    )
    privacy: Privacy = Field(default=Privacy.PRIVATE, description="The video's privacy status.")
    publish_at: datetime | None = Field(
        default=None,
        description="Publish later: the video is uploaded private and YouTube makes it "
        "public at this time (publishAt). Must be in the future.",
    )
    made_for_kids: JsonBool = Field(
        default=False, description="selfDeclaredMadeForKids: whether it is made for children."
    )
    title: str | None = Field(
        default=None, min_length=1, max_length=100, description="Default: the script's title."
    )
    description: str | None = Field(
        default=None,
        max_length=5000,
        description="Default: the script's description, with any disclaimer it carries.",
    )
    tags: list[Tag] | None = Field(
        default=None, max_length=30, description="Default: the script's hashtags."
    )
    category_id: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,3}$",
        description="YouTube's video category; default: from the content's vertical.",
    )


class PublicationOut(Output):
    id: uuid.UUID
    content_id: uuid.UUID | None
    channel_id: uuid.UUID | None
    status: PublicationStatus
    publish_at: datetime | None
    bytes_total: int | None
    bytes_confirmed: int
    attempts: int
    not_before: datetime | None = Field(description="Waiting until then (a retry, or quota).")
    video_id: str | None
    url: str | None
    error: str | None
    created_at: datetime
    published_at: datetime | None
