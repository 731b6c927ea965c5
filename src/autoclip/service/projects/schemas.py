from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from autoclip.options import Aspect, Language, Tone, Vertical
from autoclip.service.schemas import Input, Output


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


class ProjectUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    vertical: Vertical | None = None
    format: Aspect | None = None
    tone: Tone | None = None
    language: Language | None = None
    platforms: list[Platform] | None = Field(default=None, max_length=3)


class ProjectOut(Output):
    id: uuid.UUID
    name: str
    description: str
    vertical: Vertical
    format: Aspect
    tone: Tone
    language: Language
    platforms: list[Platform]
    is_default: bool
    created_at: datetime
    updated_at: datetime
