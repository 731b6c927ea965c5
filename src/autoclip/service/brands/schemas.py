from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from autoclip.captions.presets import COLOUR_PATTERN
from autoclip.looks.bookends import (
    DEFAULT_CARD_SECONDS,
    MAX_CARD_SECONDS,
    MAX_CARD_TEXT,
    MIN_CARD_SECONDS,
    BookendKind,
)
from autoclip.looks.brand import LogoPosition
from autoclip.service.schemas import Input, JsonNumber, Output

Colour = Annotated[str, Field(pattern=COLOUR_PATTERN, description="#RRGGBB or #RRGGBBAA.")]


class BrandFile(StrEnum):
    LOGO = "logo"
    FONT = "font"
    MUSIC = "music"
    INTRO = "intro"  # a clip; a card is set with PATCH
    OUTRO = "outro"


class CardIn(Input):
    """An intro or outro card: the brand's accent as ground, its logo, this text."""

    text: str = Field(
        default="", max_length=MAX_CARD_TEXT, description="The channel's name or a short line."
    )
    seconds: JsonNumber = Field(
        default=DEFAULT_CARD_SECONDS, ge=MIN_CARD_SECONDS, le=MAX_CARD_SECONDS
    )


class BrandUpdate(Input):
    """What a PATCH changes; a colour set to null goes back to the template's or vertical's."""

    logo_position: LogoPosition | None = None
    logo_size: JsonNumber | None = Field(
        default=None, ge=0.03, le=0.4, description="Logo width / frame width."
    )
    logo_opacity: JsonNumber | None = Field(default=None, ge=0.1, le=1.0)
    primary_colour: Colour | None = Field(default=None, description="The caption highlight.")
    accent_colour: Colour | None = Field(
        default=None, description="Card accents and the news band's stripe."
    )
    music_level_db: JsonNumber | None = Field(
        default=None, ge=-40.0, le=-6.0, description="The music bed under the voice, in dB."
    )
    intro: CardIn | None = Field(
        default=None, description="An intro card (replaces an intro clip); null removes the intro."
    )
    outro: CardIn | None = Field(
        default=None, description="An outro card (replaces an outro clip); null removes it."
    )


class BookendOut(Output):
    kind: BookendKind
    seconds: float = Field(description="A card's length, or the clip's own.")
    text: str


class BrandOut(Output):
    logo: bool = Field(description="Whether a logo is uploaded.")
    logo_position: LogoPosition
    logo_size: float
    logo_opacity: float
    primary_colour: str | None
    accent_colour: str | None
    font_family: str | None = Field(description="The uploaded caption font's family.")
    music: bool = Field(description="Whether a default music bed is uploaded.")
    music_level_db: float
    intro: BookendOut | None
    outro: BookendOut | None
