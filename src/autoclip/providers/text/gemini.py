"""Google's Gemini as a `TextModel`, over the Generative Language API (REST, v1beta).

Wire format (https://ai.google.dev/api/generate-content):

    POST {base_url}/v1beta/models/{model}:generateContent
    x-goog-api-key: {api_key}
    {"systemInstruction": {"parts": [{"text": ...}]},
     "contents": [{"role": "user"|"model", "parts": [{"text": ...}]}, ...],
     "generationConfig": {"temperature": 0.7, "responseMimeType": "application/json",
                          "responseSchema": {"type": "OBJECT", ...}}}

    200 {"candidates": [{"content": {"role": "model", "parts": [{"text": "{...}"}]},
                         "finishReason": "STOP"|"MAX_TOKENS"|"SAFETY"|...}],
         "usageMetadata": {"promptTokenCount", "candidatesTokenCount", "totalTokenCount"},
         "promptFeedback": {"blockReason": "SAFETY"|...}}   (when the prompt is blocked)
    4xx/5xx {"error": {"code", "message", "status": "RESOURCE_EXHAUSTED"|...,
                       "details": [{"@type": "...RetryInfo", "retryDelay": "30s"}]}}

A `JsonShape` is sent as `responseSchema`, in the API's OpenAPI subset (`response_schema`).
The key travels in the header, never in the URL's `?key=` query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from pydantic import Field, SecretStr, field_validator

from autoclip.providers.cloud.errors import RefusedError
from autoclip.providers.cloud.http import HttpProvider, ServiceSettings
from autoclip.providers.text.base import Completion, JsonShape, TextModelName, Turn

SERVICE = "gemini"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
API_VERSION = "v1beta"
# Finish reasons meaning the model would not answer this (not that it failed to).
REFUSALS = frozenset(
    {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}
)
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class GeminiSettings(ServiceSettings):
    api_key: SecretStr
    base_url: str = DEFAULT_BASE_URL
    model: str = "gemini-2.5-flash"
    temperature: float = Field(default=0.7, ge=0, le=2)

    @field_validator("model")
    @classmethod
    def _plain_model_name(cls, value: str) -> str:
        value = value.strip().removeprefix("models/")
        if not _MODEL_NAME.match(value):
            raise ValueError("a model name such as gemini-2.5-flash")
        return value


class GeminiTextModel(HttpProvider[GeminiSettings]):
    """A Gemini model as a `TextModel`; see the module doc for the wire format."""

    name = TextModelName.GEMINI
    service = SERVICE

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.settings.api_key.get_secret_value()}

    @property
    def _path(self) -> str:
        return f"/{API_VERSION}/models/{quote(self.settings.model, safe='')}:generateContent"

    def identity(self) -> str:
        return f"{SERVICE}/{self.settings.model}/t{self.settings.temperature:g}"

    def complete(
        self, system: str, turns: Sequence[Turn], *, shape: JsonShape | None = None
    ) -> Completion:
        config: dict[str, Any] = {"temperature": self.settings.temperature}
        if shape is not None:
            config["responseMimeType"] = "application/json"
            config["responseSchema"] = response_schema(shape.schema)
        body = {
            "systemInstruction": {"parts": [{"text": system}]},
            "contents": [{"role": turn.role, "parts": [{"text": turn.text}]} for turn in turns],
            "generationConfig": config,
        }
        answer = self.http.post_json(self._path, body)
        self.http.report_usage(usage_units(answer))
        return self._read(answer)

    def _read(self, answer: dict[str, Any]) -> Completion:
        feedback = answer.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason"):
            raise RefusedError(
                SERVICE,
                "the provider refused the prompt",
                detail=f"blockReason {feedback['blockReason']}",
            )
        candidates = answer.get("candidates")
        if not isinstance(candidates, list) or not candidates:
            return Completion("")
        candidate = candidates[0] if isinstance(candidates[0], dict) else {}
        reason = str(candidate.get("finishReason") or "")
        if reason in REFUSALS:
            raise RefusedError(
                SERVICE,
                "the provider refused to answer",
                detail=f"finishReason {reason}{flagged_categories(candidate)}",
            )
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        text = "".join(
            part["text"]
            for part in (parts if isinstance(parts, list) else [])
            if isinstance(part, dict)
            and isinstance(part.get("text"), str)
            and not part.get("thought")
        )
        return Completion(text, truncated=reason == "MAX_TOKENS")


def flagged_categories(candidate: dict[str, Any]) -> str:
    """The safety categories rated likely harmful, as `; HARM_CATEGORY_X` text."""
    ratings = candidate.get("safetyRatings")
    flagged = [
        str(rating.get("category"))
        for rating in (ratings if isinstance(ratings, list) else [])
        if isinstance(rating, dict)
        and (rating.get("blocked") or rating.get("probability") in ("MEDIUM", "HIGH"))
    ]
    return f" ({', '.join(flagged)})" if flagged else ""


def usage_units(answer: dict[str, Any]) -> dict[str, float]:
    """What one answer (text or image) consumed, from its `usageMetadata`."""
    meta = answer.get("usageMetadata")
    meta = meta if isinstance(meta, dict) else {}

    def count(key: str) -> float:
        value = meta.get(key)
        return float(value) if isinstance(value, int | float) else 0.0

    return {
        "requests": 1.0,
        "input_tokens": count("promptTokenCount"),
        # Thinking models bill their thoughts as output.
        "output_tokens": count("candidatesTokenCount") + count("thoughtsTokenCount"),
    }


def response_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A `JsonShape` schema in Gemini's dialect: upper-case type names, and each object's
    properties in order (`propertyOrdering`); it has no `additionalProperties`."""
    written: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            written[key] = str(value).upper()
        elif key == "properties":
            written[key] = {name: response_schema(inner) for name, inner in value.items()}
            written["propertyOrdering"] = list(value)
        elif key == "items":
            written[key] = response_schema(value)
        elif key != "additionalProperties":
            written[key] = value
    return written
