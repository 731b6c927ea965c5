"""What the export routes take and give."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from autoclip.service.models import ExportStatus
from autoclip.service.schemas import Input, Output

MAX_CONTENTS = 50


class ExportCreate(Input):
    content_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_CONTENTS, description="Default: the newest ready contents."
    )


class ExportOut(Output):
    id: uuid.UUID
    status: ExportStatus
    content_ids: list[uuid.UUID]
    contents: int
    key: str
    size: int | None
    error: str | None
    url: str | None = Field(description="A download link while the export is ready.")
    created_at: datetime
    expires_at: datetime
