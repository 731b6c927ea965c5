"""The contract every script writer fulfils, offline or a language model, and their names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from autoclip.options import GenerateOptions
from autoclip.script.model import Script


class WriterName(StrEnum):
    """The script writers, by the name chains, options and `served` records use."""

    OFFLINE = "offline"  # extractive, from the user's text; cannot write from a topic
    GEMINI = "gemini"
    OPENAI = "openai"


# What the offline writer, and a chain of it alone, answers a bare topic with.
TOPIC_NEEDS_MODEL = (
    "a topic needs a language model: set AUTOCLIP_SCRIPT_WRITER=gemini (with "
    "AUTOCLIP_GEMINI_API_KEY) or openai (AUTOCLIP_OPENAI_BASE_URL, AUTOCLIP_OPENAI_API_KEY), "
    "or give a text or a URL"
)


@dataclass(frozen=True)
class SourceMaterial:
    """What a script is written from: the gathered text, or a topic for a language model."""

    text: str | None = None
    topic: str | None = None
    title_hint: str | None = None
    origin: str | None = None  # the file path or URL it came from


class ScriptWriter(Protocol):
    @property
    def name(self) -> str: ...

    def identity(self) -> str:
        """A string that changes whenever the writer would write differently (stage cache key)."""
        ...

    def write(self, source: SourceMaterial, options: GenerateOptions) -> Script: ...
