"""A project's brand kit as the `projects.brand` column keeps it: settings, and the storage
keys of its uploaded files (each checked when it was uploaded)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from autoclip.looks.bookends import DEFAULT_CARD_SECONDS, BookendKind
from autoclip.looks.brand import LogoPosition


class BookendRecord(BaseModel):
    """An intro or outro: a card's design, or the stored clip (its length as checked)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: BookendKind
    seconds: float = DEFAULT_CARD_SECONDS
    text: str = ""
    clip_key: str | None = None


class BrandRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    logo_key: str | None = None
    logo_position: LogoPosition = LogoPosition.TOP_RIGHT
    logo_size: float = 0.16
    logo_opacity: float = 0.85
    primary_colour: str | None = None
    accent_colour: str | None = None
    font_key: str | None = None
    font_family: str | None = None
    music_key: str | None = None
    music_level_db: float = -16.0
    intro: BookendRecord | None = None
    outro: BookendRecord | None = None

    @property
    def is_empty(self) -> bool:
        return self == BrandRecord()
