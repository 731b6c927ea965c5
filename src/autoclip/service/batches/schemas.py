from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from autoclip.service.contents.schemas import ContentCreate, ContentError
from autoclip.service.models import ContentStatus
from autoclip.service.schemas import Input, Output

MAX_BATCH = 100


class BatchCreate(Input):
    project_id: uuid.UUID | None = Field(
        default=None, description="The project of items that name none; default: yours."
    )
    items: list[ContentCreate] = Field(
        min_length=1, max_length=MAX_BATCH, description="One content each, with its own options."
    )


class BatchItemResult(Output):
    index: int = Field(description="The item's place in the request, from 0.")
    content_id: uuid.UUID | None
    status: ContentStatus | Literal["rejected"] = Field(
        description="rejected: it was not made (see error); nothing was charged for it."
    )
    error: ContentError | None = None


class BatchSummary(Output):
    total: int
    accepted: int = Field(description="Contents made (and charged, one credit each).")
    rejected: int
    queued: int = 0
    processing: int = 0
    review: int = 0
    ready: int = 0
    failed: int = 0
    cancelled: int = 0
    finished: bool = Field(default=False, description="Every accepted content is done.")


class BatchOut(Output):
    id: uuid.UUID
    project_id: uuid.UUID | None
    created_at: datetime
    summary: BatchSummary
    items: list[BatchItemResult]
