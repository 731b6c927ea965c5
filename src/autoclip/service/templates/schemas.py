from __future__ import annotations

from pydantic import Field

from autoclip.looks.templates import TemplateSpec
from autoclip.options import Vertical
from autoclip.service.schemas import Output


class TemplateOut(Output):
    name: str
    title: str
    vertical: Vertical = Field(description="The vertical the template was made for.")
    spec: TemplateSpec
    preview_urls: dict[str, str] = Field(description="A preview still per aspect ratio.")
