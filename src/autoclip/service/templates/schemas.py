from __future__ import annotations

import uuid

from pydantic import Field, model_validator

from autoclip.captions.presets import CaptionStyleName
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
    """Save a template: from one of your contents (its template, with its caption style
    over it), or given whole as `spec`. Exactly one of the two."""

    name: str = Field(pattern=NAME_PATTERN, description="Lower case, digits and _.")
    title: str = Field(min_length=1, max_length=200)
    content_id: uuid.UUID | None = None
    spec: TemplateSpec | None = None
    vertical: Vertical | None = Field(
        default=None, description="Default: the content's, else tech."
    )

    @model_validator(mode="after")
    def _one_source(self) -> TemplateCreate:
        if (self.content_id is None) == (self.spec is None):
            raise ValueError("give exactly one of content_id and spec")
        return self


__all__ = ["CaptionStyleName", "TemplateCreate", "TemplateOut"]
