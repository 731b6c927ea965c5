from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator

from autoclip.service.contents.schemas import URL_PATTERN, ContentOptions
from autoclip.service.models import SourceKind
from autoclip.service.schemas import Input, JsonBool, JsonInt, Output, text_pattern

MAX_TOPICS = 500
Topic = Field(min_length=2, max_length=500)
INTERVAL = Field(
    default=60, ge=5, le=7 * 24 * 60, description="Minutes between fetches (5 to a week)."
)
SourceUrl = Field(
    min_length=8,
    max_length=2000,
    json_schema_extra={"pattern": URL_PATTERN, "format": "uri"},
    description="The feed's or the page's http(s) address.",
)


# A line with something on it (blank ones are refused, not skipped: the list is the
# source's whole content, and an empty topic would make an empty video).
TopicLine = Annotated[str, Field(min_length=2, max_length=500, pattern=text_pattern(2))]
Topics = Field(min_length=1, max_length=MAX_TOPICS, description="One topic an item.")


class _SourceCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    interval_minutes: JsonInt = INTERVAL
    options: ContentOptions = Field(
        default_factory=ContentOptions,
        description="Options of the contents it makes; missing ones come from the project.",
    )


def _plain_url(value: str) -> str:
    """Only the characters a URI may hold (RFC 3986): the document says `format: uri`."""
    if not _URI.fullmatch(value):
        raise ValueError("is not a URI: only ASCII letters, digits and -._~:/?#[]@!$&'()*+,;=%")
    return value


_URI = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


class FeedSourceCreate(_SourceCreate):
    """An RSS or Atom feed: each new entry is an item."""

    kind: Literal["feed"]
    url: str = SourceUrl

    _check_url = field_validator("url")(_plain_url)


class PageSourceCreate(_SourceCreate):
    """A web page: each change of its main text is an item."""

    kind: Literal["page"]
    url: str = SourceUrl

    _check_url = field_validator("url")(_plain_url)


class TopicsSourceCreate(_SourceCreate):
    """A list of topics: each line is an item (a topic needs a language model)."""

    kind: Literal["topics"]
    topics: list[TopicLine] = Topics


SourceCreate = Annotated[
    FeedSourceCreate | PageSourceCreate | TopicsSourceCreate, Field(discriminator="kind")
]


class SourceUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    topics: list[TopicLine] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TOPICS,
        description="Replaces the list (topics sources only: another is a 409).",
    )
    interval_minutes: JsonInt | None = Field(default=None, ge=5, le=7 * 24 * 60)
    position: JsonInt | None = Field(
        default=None, ge=0, le=10_000, description="Lower is drawn from first by schedules."
    )
    options: ContentOptions | None = None
    paused: JsonBool | None = Field(
        default=None, description="true pauses fetching; false resumes (and fetches soon)."
    )


class SourceOut(Output):
    id: uuid.UUID
    project_id: uuid.UUID
    kind: SourceKind
    name: str
    url: str | None
    topics: list[str]
    options: dict[str, object]
    position: int
    interval_minutes: int
    next_fetch_at: datetime | None = Field(description="None while paused.")
    last_fetched_at: datetime | None
    last_outcome: str | None = Field(description="new_items, unchanged, not_modified or failed.")
    last_error: str | None
    failures: int = Field(description="Failed fetches in a row.")
    paused: bool
    paused_reason: str | None
    items_seen: int
    created_at: datetime
    updated_at: datetime


class SourceItemOut(Output):
    id: int
    title: str
    link: str | None
    content_id: uuid.UUID | None
    used_at: datetime | None = Field(description="When its content was generated.")
    created_at: datetime
