from __future__ import annotations

import uuid

from pydantic import Field

from autoclip.looks.templates import TemplateSpec
from autoclip.options import Vertical
from autoclip.service.schemas import Input, Output

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class TemplateOut(Output):
    id: uuid.UUID | None = Field(
        default=None, description="A saved template's id; none for built-ins."
    )
    name: str
    title: str
    builtin: bool
    vertical: Vertical = Field(description="The vertical the template was made for.")
    spec: TemplateSpec
    preview_urls: dict[str, str] = Field(description="A preview still per aspect ratio.")


class TemplateCreate(Input):
    """Save a template given whole."""

    name: str = Field(pattern=NAME_PATTERN, description="Lower case, digits and _.")
    title: str = Field(min_length=1, max_length=200)
    spec: TemplateSpec
    vertical: Vertical = Field(default=Vertical.TECH, description="The vertical it is for.")


class TemplateFromContent(Input):
    """A name and title for the look of a content, saved as a template."""

    name: str = Field(pattern=NAME_PATTERN, description="Lower case, digits and _.")
    title: str = Field(min_length=1, max_length=200)
