"""OpenAITextModel, and the model script writer over it, against a local server answering
as a chat-completions API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pydantic import SecretStr

from autoclip.options import GenerateOptions, Language, Length
from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import PermanentProviderError, RetriableProviderError
from autoclip.providers.text.openai import OpenAISettings, OpenAITextModel
from autoclip.providers.writing.base import ScriptWriter, SourceMaterial
from autoclip.providers.writing.model import ModelScriptWriter
from providers.fakes import (
    OPENAI_SERVER_ERROR,
    FakeProvider,
    ListMeter,
    Reply,
    Sleeps,
    local_client,
    openai_answer,
    openai_error,
    openai_script,
    sample_script,
)

KEY = "sk-proj-test-0123456789abcdefABCDEF"
EN_TEXT = "Sleep is the foundation of health. Adults need seven hours or more a night."
KO_TEXT = "수면은 건강의 기초입니다. 성인은 하루 일곱 시간 이상 자는 것이 좋습니다."
EN = GenerateOptions(language=Language.EN)
KO = GenerateOptions(language=Language.KO)


def text_model(
    server: FakeProvider,
    sleeps: Sleeps,
    *,
    api_key: str | None = KEY,
    base_url: str | None = None,
    model: str = "gpt-4o-mini",
    timeout_s: float = 2.0,
    usage: list[tuple[str, dict[str, float]]] | None = None,
    **extra: Any,
) -> OpenAITextModel:
    settings = OpenAISettings(
        api_key=SecretStr(api_key) if api_key is not None else None,
        base_url=base_url or server.base_url,
        model=model,
        timeout_s=timeout_s,
        deadline_s=30,
        **extra,
    )

    return OpenAITextModel(
        settings,
        client=local_client(),
        breaker=CircuitBreaker(),
        meter=ListMeter(usage),
        sleep=sleeps,
        clock=time.monotonic,
        jitter=lambda: 1.0,
    )


def writer(server: FakeProvider, sleeps: Sleeps, **settings: Any) -> ModelScriptWriter:
    return ModelScriptWriter(text_model(server, sleeps, **settings))


def messages(server: FakeProvider, index: int = 0) -> list[dict[str, str]]:
    found = server.requests[index].json()["messages"]
    assert isinstance(found, list)
    return found


def test_english_script_over_the_documented_wire_format(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(openai_script("en"))
    usage: list[tuple[str, dict[str, float]]] = []
    script = writer(server, sleeps, usage=usage).write(SourceMaterial(text=EN_TEXT), EN)
    assert script.language is Language.EN
    assert len(script.scenes) == 6
    assert script.hashtags == ["#sleep", "#health"]

    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.query == {}
    body = request.json()
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0.7
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert system["role"] == "system"
    assert "exactly 6 body scenes" in system["content"]
    assert "JSON" in system["content"]  # json_object mode requires the word in the messages
    assert user["role"] == "user"
    assert EN_TEXT in user["content"]
    assert usage == [("openai", {"requests": 1.0, "input_tokens": 640.0, "output_tokens": 380.0})]


def test_korean_script_in_a_json_fence(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(openai_script("ko", fenced=True))  # as some local models answer
    script = writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), KO)
    assert script.language is Language.KO
    assert len(script.scenes) == 6
    assert "정확히 6개" in messages(server)[0]["content"]


def test_a_local_server_without_a_key(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(openai_script("en"))
    ollama = writer(
        server, sleeps, api_key=None, base_url=server.base_url + "/v1/", model="llama3.1"
    )
    ollama.write(SourceMaterial(topic="sleep"), EN)
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert "authorization" not in request.headers
    assert request.json()["model"] == "llama3.1"
    assert messages(server)[1]["content"] == "Write the script about this topic: sleep"


def test_structured_outputs_send_a_strict_json_schema(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(openai_script("en", scenes=14))
    options = GenerateOptions(language=Language.EN, length=Length.MID)
    writer(server, sleeps, response_format="json_schema").write(
        SourceMaterial(text=EN_TEXT), options
    )
    response_format = server.requests[0].json()["response_format"]
    assert response_format["type"] == "json_schema"
    spec = response_format["json_schema"]
    assert spec["name"] == "script"
    assert spec["strict"] is True
    schema = spec["schema"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    scene = schema["properties"]["scenes"]["items"]
    assert scene["additionalProperties"] is False
    assert set(scene["required"]) == set(scene["properties"])


def test_temperature_can_be_left_to_the_model(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(openai_script("en"))
    writer(server, sleeps, temperature=None).write(SourceMaterial(text=EN_TEXT), EN)
    assert "temperature" not in server.requests[0].json()


def test_429_with_retry_after_then_a_server_error_then_success(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    rate_limited = openai_error(
        429, "Rate limit reached for gpt-4o-mini on requests per min (RPM).", "requests",
        "rate_limit_exceeded",
    )  # fmt: skip
    server.queue(
        Reply(429, rate_limited.body, headers={"Retry-After": "2"}),
        OPENAI_SERVER_ERROR,
        openai_script("en"),
    )
    writer(server, sleeps).write(SourceMaterial(text=EN_TEXT), EN)
    assert sleeps.waits == [2.0, 2.0]  # as asked, then the second backoff step
    assert len(server.requests) == 3


def test_exhausted_retries_are_retriable(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(OPENAI_SERVER_ERROR, OPENAI_SERVER_ERROR)
    with pytest.raises(RetriableProviderError, match="server_error: The server had an error"):
        writer(server, sleeps, max_attempts=2).write(SourceMaterial(text=EN_TEXT), EN)


def test_a_slow_answer_is_retried(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(200, openai_answer("{}"), delay_s=1.0), openai_script("en"))
    writer(server, sleeps, timeout_s=0.3).write(SourceMaterial(text=EN_TEXT), EN)
    assert len(server.requests) == 2


def test_a_bad_key_is_permanent_and_the_key_stays_hidden(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(
        openai_error(
            401,
            f"Incorrect API key provided: {KEY}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        )
    )
    with pytest.raises(PermanentProviderError) as caught:
        writer(server, sleeps).write(SourceMaterial(text=EN_TEXT), EN)
    error = caught.value
    assert error.status == 401
    assert "invalid_request_error: Incorrect API key provided: ***." in str(error)
    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert len(server.requests) == 1


def test_ollama_error_strings_are_read(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(404, {"error": 'model "llama9" not found, try pulling it first'}))
    with pytest.raises(PermanentProviderError, match="try pulling it first"):
        writer(server, sleeps, api_key=None).write(SourceMaterial(text=EN_TEXT), EN)


def test_a_truncated_answer_gets_one_repair(server: FakeProvider, sleeps: Sleeps) -> None:
    whole = json.dumps(sample_script("en"))
    server.queue(Reply(200, openai_answer(whole[:300], finish="length")), openai_script("en"))
    script = writer(server, sleeps).write(SourceMaterial(text=EN_TEXT), EN)
    assert len(script.scenes) == 6
    repair = messages(server, 1)
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "user"]
    assert repair[2]["content"] == whole[:300]
    assert "cut off" in repair[3]["content"]


def test_a_failed_repair_is_permanent(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(200, openai_answer("Sure! Here it is:")), Reply(200, openai_answer(None)))
    with pytest.raises(PermanentProviderError, match="unusable after a repair") as caught:
        writer(server, sleeps).write(SourceMaterial(text=EN_TEXT), EN)
    assert "empty" in caught.value.detail
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (openai_answer(None, finish="content_filter"), "finish_reason content_filter"),
        (openai_answer(None, refusal="I can't help with that."), "I can't help with that."),
    ],
)
def test_refusals_are_permanent(
    server: FakeProvider, sleeps: Sleeps, answer: dict[str, Any], detail: str
) -> None:
    server.queue(Reply(200, answer))
    with pytest.raises(PermanentProviderError, match="refused") as caught:
        writer(server, sleeps).write(SourceMaterial(topic="x"), EN)
    assert caught.value.detail == detail
    assert len(server.requests) == 1


def test_identity_names_the_server_and_model(server: FakeProvider, sleeps: Sleeps) -> None:
    script_writer: ScriptWriter = writer(server, sleeps)  # the contract, checked by mypy
    assert script_writer.name == "openai"
    base = script_writer.identity()
    assert base == writer(server, sleeps, base_url=server.base_url + "/v1").identity()
    assert base != writer(server, sleeps, model="gpt-4o").identity()
    assert base != writer(server, sleeps, base_url="http://127.0.0.1:1").identity()
    assert base != writer(server, sleeps, response_format="json_schema").identity()
    assert KEY not in base


def test_the_key_never_shows(server: FakeProvider, sleeps: Sleeps) -> None:
    openai = text_model(server, sleeps)
    shown = (repr(openai), repr(openai.settings), openai.settings.model_dump_json())
    for text in (*shown, repr(ModelScriptWriter(openai))):
        assert KEY not in text
