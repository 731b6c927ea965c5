"""The one contract for language models: a prompt in, text or JSON of a given shape out.

Everything that asks a language model something goes through `TextModel`: the model
script writer (`providers.writing.model`) and the safety review (`safety.model_review`).
A backend (`gemini.py`, `openai.py`) makes one request per `complete` over the shared
cloud kit, so retries, the circuit breaker and usage accounting apply to every caller
alike; an answer the provider refuses to give raises `RefusedError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol


class TextModelName(StrEnum):
    """The language models by the name a writer chain calls them."""

    GEMINI = "gemini"
    OPENAI = "openai"


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "model"]
    text: str


@dataclass(frozen=True)
class Completion:
    text: str
    truncated: bool = False  # the model stopped at its output limit


@dataclass(frozen=True)
class JsonShape:
    """The shape a JSON answer must have, in JSON Schema: every object lists all of its
    properties as required and allows no others, and an array may bound its length
    (`minItems`, `maxItems`). Each backend writes it in its own API's dialect."""

    name: str
    schema: dict[str, Any]


class TextModel(Protocol):
    @property
    def name(self) -> str:
        """The model's name in a writer chain; errors about its answers carry it."""
        ...

    def identity(self) -> str:
        """Changes whenever the model would answer the same prompt differently (the model,
        its server, its sampling). Callers add the version of their own prompt."""
        ...

    def complete(
        self, system: str, turns: Sequence[Turn], *, shape: JsonShape | None = None
    ) -> Completion:
        """One call: the standing instruction `system` and the conversation so far. With a
        `shape`, the answer is asked for as JSON of that shape; without, as plain text."""
        ...

    def close(self) -> None:
        """Let go of the model's connections."""
        ...


_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def strip_fences(text: str) -> str:
    """The JSON inside a ```json … ``` fence some models wrap their answer in."""
    match = _FENCE.match(text)
    return match.group(1) if match else text.strip()
