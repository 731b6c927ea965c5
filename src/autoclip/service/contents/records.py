"""The shapes of a content's JSON columns. The columns are read and written as these
models (`db.ModelJSON`), so no code passes `dict[str, Any]` around for them.

Rows written before a field existed still load: fields added later have defaults, and
keys a model does not know are ignored.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from autoclip.looks.templates import TemplateSpec
from autoclip.options import Aspect, Length, Tone, Vertical


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StoredOptions(_Record):
    """A content's options as settled when it was asked for: the request's, else its
    project's. The provider chains and the budget are kept only as the request gave them
    (None: its project's, else the configuration's, when a worker runs it)."""

    vertical: Vertical = Vertical.TECH
    tone: Tone = Tone.PROFESSIONAL
    aspect: Aspect = Aspect.VERTICAL
    length: Length = Length.SHORT
    voice: str | None = None
    draft: bool = False
    writer: str | None = None
    narrator: str | None = None
    visuals: str | None = None
    budget_usd: float | None = None
    caption_style: str | None = None  # a CaptionStyleName
    template: str | None = None  # a built-in template's name, or a user template's id
    # The template as it was when the content was asked for: a later edit of a user's
    # template does not change how a regenerate of this content looks.
    template_spec: TemplateSpec | None = None
    # The user's own recording (a sound file of their media library) narrating the script.
    narration_media_id: uuid.UUID | None = None
    music_id: str | None = None  # a music file of the owner's media library

    def chains(self) -> dict[str, str | None]:
        return {"writer": self.writer, "narrator": self.narrator, "visuals": self.visuals}


class Outputs(_Record):
    """Where a ready content's files are stored (storage keys)."""

    video: str
    thumbnail: str
    audio: str
    captions_srt: str
    captions_ass: str
    script: str
    images: list[str]

    def bundled(self) -> list[str]:
        """The files an export zips: the video, its thumbnail, captions and script."""
        return [self.video, self.thumbnail, self.captions_srt, self.script]


class Served(_Record):
    """Who served each stage, as the engine reports it; a stage not run yet is None."""

    script: str | None = None
    safety: str | None = None
    narration: str | None = None
    visuals: list[str] | None = None  # one per scene
    attributions: list[dict[str, Any]] | None = None  # stock items shown, each once

    def given(self) -> dict[str, Any]:
        """As the engine takes it back: only the stages that were served."""
        return self.model_dump(exclude_none=True)
