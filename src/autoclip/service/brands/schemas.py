from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from autoclip.captions.presets import COLOUR_PATTERN
from autoclip.looks.brand import LogoPosition
from autoclip.service.schemas import Input, JsonNumber, Output

Colour = Annotated[str, Field(pattern=COLOUR_PATTERN, description="#RRGGBB or #RRGGBBAA.")]


class BrandFile(StrEnum):
    LOGO = "logo"
    FONT = "font"
    MUSIC = "music"


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
