"""Any OpenAI-compatible chat-completions server as a `TextModel`: OpenAI, Ollama, vLLM, ….

Wire format (https://platform.openai.com/docs/api-reference/chat/create):

    POST {base_url}/v1/chat/completions
    Authorization: Bearer {api_key}            (left out when no key is set, as for Ollama)
    {"model": ..., "messages": [{"role": "system"|"user"|"assistant", "content": ...}],
     "response_format": {"type": "json_object"}
                        | {"type": "json_schema", "json_schema": {"name", "strict", "schema"}},
     "temperature": 0.7}

    200 {"id", "object": "chat.completion", "model",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "{...}",
                                              "refusal": null},
                      "finish_reason": "stop"|"length"|"content_filter"|...}],
         "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}
    4xx/5xx {"error": {"message", "type", "param", "code"}}   (Ollama: {"error": "..."})

A `JsonShape` asks for JSON mode (`json_object`, which every such server has), or with
`response_format="json_schema"` for structured outputs in their strict form (`strict_schema`).

`base_url` is the server's root; a trailing `/v1` (the OpenAI SDK's convention) is dropped
so that both spellings work (`server_root`; the speech narrator shares the rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from autoclip.providers.cloud.errors import RefusedError
from autoclip.providers.cloud.http import HttpProvider, ServiceSettings, bearer
from autoclip.providers.text.base import Completion, JsonShape, TextModelName, Turn

SERVICE = "openai"
DEFAULT_BASE_URL = "https://api.openai.com"
PATH = "/v1/chat/completions"
_ROLES = {"user": "user", "model": "assistant"}


class OpenAISettings(ServiceSettings):
    api_key: SecretStr | None = None  # local servers (Ollama, vLLM) usually need none
    base_url: str = DEFAULT_BASE_URL
    model: str = Field(default="gpt-4o-mini", min_length=1)
    # None leaves it out: some models accept only their default temperature.
    temperature: float | None = Field(default=0.7, ge=0, le=2)
    # json_object works everywhere; json_schema (structured outputs) where supported.
    response_format: Literal["json_object", "json_schema"] = "json_object"

    @field_validator("base_url")
    @classmethod
    def _server_root(cls, value: str) -> str:
        return server_root(value)  # runs after `ServiceSettings`' check of the URL


def server_root(base_url: str) -> str:
    """The server's root: the OpenAI SDK's spelling with `/v1` works too."""
    return base_url.removesuffix("/v1")


class OpenAITextModel(HttpProvider[OpenAISettings]):
    """A chat-completions model as a `TextModel`; see the module doc for the wire format."""

    name = TextModelName.OPENAI
    service = SERVICE

    def auth_headers(self) -> dict[str, str]:
        return bearer(self.settings.api_key)

    def identity(self) -> str:
        # The same model name on another server (a local "llama3" or a proxy) may differ.
        settings = self.settings
        temperature = "default" if settings.temperature is None else f"{settings.temperature:g}"
        return (
            f"{SERVICE}/{urlsplit(settings.base_url).netloc}/{settings.model}"
            f"/t{temperature}/{settings.response_format}"
        )

    def complete(
        self, system: str, turns: Sequence[Turn], *, shape: JsonShape | None = None
    ) -> Completion:
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": [
                {"role": "system", "content": system},
                *({"role": _ROLES[turn.role], "content": turn.text} for turn in turns),
            ],
        }
        if self.settings.temperature is not None:
            body["temperature"] = self.settings.temperature
        if shape is not None:
            body["response_format"] = self._response_format(shape)
        answer = self.http.post_json(PATH, body)
        self.http.report_usage(_usage(answer))
        return _read(answer)

    def _response_format(self, shape: JsonShape) -> dict[str, Any]:
        if self.settings.response_format == "json_object":
            return {"type": "json_object"}
        return {
            "type": "json_schema",
            "json_schema": {
                "name": shape.name,
                "strict": True,
                "schema": strict_schema(shape.schema),
            },
        }


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A `JsonShape` schema as strict structured outputs take it: without the bounds on an
    array's length, which not every server's strict mode accepts."""
    written: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            written[key] = {name: strict_schema(inner) for name, inner in value.items()}
        elif key == "items":
            written[key] = strict_schema(value)
        elif key not in ("minItems", "maxItems"):
            written[key] = value
    return written


def _read(answer: dict[str, Any]) -> Completion:
    choices = answer.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return Completion("")
    choice = choices[0]
    reason = str(choice.get("finish_reason") or "")
    message = choice.get("message")
    message = message if isinstance(message, dict) else {}
    refusal = message.get("refusal")
    if reason == "content_filter" or (isinstance(refusal, str) and refusal.strip()):
        raise RefusedError(
            SERVICE,
            "the provider refused to answer",
            detail=refusal.strip() if isinstance(refusal, str) else f"finish_reason {reason}",
        )
    content = message.get("content")
    return Completion(content if isinstance(content, str) else "", truncated=reason == "length")


def _usage(answer: dict[str, Any]) -> dict[str, float]:
    usage = answer.get("usage")
    usage = usage if isinstance(usage, dict) else {}

    def count(key: str) -> float:
        value = usage.get(key)
        return float(value) if isinstance(value, int | float) else 0.0

    return {
        "requests": 1.0,
        "input_tokens": count("prompt_tokens"),
        "output_tokens": count("completion_tokens"),
    }
