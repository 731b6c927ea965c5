from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from autoclip.service.models import MediaKind
from autoclip.service.schemas import Output


class MediaOut(Output):
    id: uuid.UUID
    kind: MediaKind
    name: str = Field(description="The file's name as uploaded (for people; never trusted).")
    content_type: str = Field(description="What the bytes are, as sniffed from them.")
    size: int = Field(description="Bytes.")
    width: int | None
    height: int | None
    duration_s: float | None
    created_at: datetime


class MediaDetail(MediaOut):
    url: str = Field(description="A signed download link, good for an hour.")
