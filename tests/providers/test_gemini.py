"""GeminiTextModel, and the model script writer over it, against a local server answering
as the Generative Language API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from autoclip.errors import InputError
from autoclip.options import GenerateOptions, Language, Length, Tone, Vertical
from autoclip.providers.cloud.breaker import BreakerState, CircuitBreaker
from autoclip.providers.cloud.errors import (
    PermanentProviderError,
    ProviderUnavailable,
    RetriableProviderError,
)
from autoclip.providers.text.gemini import GeminiSettings, GeminiTextModel
from autoclip.providers.writing.base import ScriptWriter, SourceMaterial
from autoclip.providers.writing.model import ModelScriptWriter
from providers.fakes import (
    GEMINI_BAD_KEY,
    GEMINI_INTERNAL,
    GEMINI_OVERLOADED,
    FakeClock,
    FakeProvider,
    ListMeter,
    Reply,
    Sleeps,
    gemini_answer,
    gemini_error,
    gemini_rate_limited,
    gemini_script,
    local_client,
    sample_script,
    state,
)

KEY = "AIzaSyD-gemini-test-key-0123456789abcdef"
KO_TEXT = (
    "수면은 건강의 기초입니다. 성인은 하루 일곱 시간 이상 자는 것이 좋습니다. "
    "잠들기 전 휴대폰 사용은 멜라토닌 분비를 줄입니다."
)
EN_TEXT = "Sleep is the foundation of health. Adults need seven hours or more a night."
KO = GenerateOptions(language=Language.KO, vertical=Vertical.SENIOR_HEALTH)
EN = GenerateOptions(language=Language.EN, tone=Tone.CASUAL)


def text_model(
    server: FakeProvider,
    sleeps: Sleeps,
    *,
    model: str = "gemini-2.5-flash",
    temperature: float = 0.7,
    timeout_s: float = 2.0,
    max_attempts: int = 3,
    breaker: CircuitBreaker | None = None,
    clock: FakeClock | None = None,
    usage: list[tuple[str, dict[str, float]]] | None = None,
) -> GeminiTextModel:
    settings = GeminiSettings(
        api_key=SecretStr(KEY),
        base_url=server.base_url,
        model=model,
        temperature=temperature,
        timeout_s=timeout_s,
        max_attempts=max_attempts,
        deadline_s=30,
    )

    return GeminiTextModel(
        settings,
        client=local_client(),
        breaker=breaker or CircuitBreaker(),
        meter=ListMeter(usage),
        sleep=sleeps,
        clock=clock or time.monotonic,
        jitter=lambda: 1.0,
    )


def writer(server: FakeProvider, sleeps: Sleeps, **settings: Any) -> ModelScriptWriter:
    return ModelScriptWriter(text_model(server, sleeps, **settings))


def system_text(body: dict[str, Any]) -> str:
    text = body["systemInstruction"]["parts"][0]["text"]
    assert isinstance(text, str)
    return text


def turns(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(turn["role"], turn["parts"][0]["text"]) for turn in body["contents"]]


def test_korean_script_over_the_documented_wire_format(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(gemini_script("ko"))
    usage: list[tuple[str, dict[str, float]]] = []
    script = writer(server, sleeps, usage=usage).write(
        SourceMaterial(text=KO_TEXT, title_hint="수면 건강"), KO
    )

    assert script.language is Language.KO
    assert len(script.scenes) == 6
    assert script.hook.narration == "잠을 잘 자는 비결, 알고 계십니까?"
    assert script.hashtags == ["#수면", "#건강", "#숙면팁"]
    assert script.scenes[0].keywords == ["sleep", "bedroom"]

    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert request.headers["content-type"] == "application/json"
    assert "key" not in request.query
    assert KEY not in request.path
    body = request.json()
    system = system_text(body)
    assert "정확히 6개" in system
    assert "시니어 건강" in system
    assert "JSON" in system
    ((role, user),) = turns(body)
    assert role == "user"
    assert KO_TEXT in user
    assert "수면 건강" in user
    assert "<source>" in user
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["temperature"] == 0.7
    schema = config["responseSchema"]
    assert schema["type"] == "OBJECT"
    assert set(schema["required"]) == {
        "title", "hook", "scenes", "cta", "description", "hashtags"
    }  # fmt: skip
    scenes = schema["properties"]["scenes"]
    assert (scenes["type"], scenes["minItems"], scenes["maxItems"]) == ("ARRAY", 4, 8)
    assert scenes["items"]["properties"]["narration"]["type"] == "STRING"
    assert usage == [("gemini", {"requests": 1.0, "input_tokens": 812.0, "output_tokens": 431.0})]


def test_english_script(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(gemini_script("en"))
    script = writer(server, sleeps).write(SourceMaterial(text=EN_TEXT), EN)
    assert script.language is Language.EN
    assert len(script.scenes) == 6
    assert script.title == "How to sleep well"
    system = system_text(server.requests[0].json())
    assert "exactly 6 body scenes" in system
    assert "friendly and relaxed" in system
    assert "in English" in system


def test_a_mid_length_video_asks_for_more_scenes(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(gemini_script("ko", scenes=14))
    options = GenerateOptions(language=Language.KO, length=Length.MID)
    script = writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), options)
    assert len(script.scenes) == 14
    body = server.requests[0].json()
    assert "정확히 14개" in system_text(body)
    scenes = body["generationConfig"]["responseSchema"]["properties"]["scenes"]
    assert (scenes["minItems"], scenes["maxItems"]) == (10, 20)


def test_topic_input(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(gemini_script("en"))
    script = writer(server, sleeps).write(SourceMaterial(topic="  sleep   hygiene "), EN)
    assert len(script.scenes) == 6
    ((_, user),) = turns(server.requests[0].json())
    assert user == "Write the script about this topic: sleep hygiene"


def test_an_empty_topic_is_the_users_to_fix(server: FakeProvider, sleeps: Sleeps) -> None:
    with pytest.raises(InputError, match="topic"):
        writer(server, sleeps).write(SourceMaterial(topic="  "), EN)
    assert server.requests == []


def test_a_long_text_is_summarised_first(server: FakeProvider, sleeps: Sleeps) -> None:
    long_text = "Sleep matters for memory and mood. " * 400  # 14 000 characters
    server.queue(Reply(200, gemini_answer("SUMMARY: sleep helps memory.")), gemini_script("en"))
    usage: list[tuple[str, dict[str, float]]] = []
    script = writer(server, sleeps, usage=usage).write(SourceMaterial(text=long_text), EN)
    assert len(script.scenes) == 6
    summarise, write = (request.json() for request in server.requests)
    assert "summarises" in system_text(summarise)
    assert "responseSchema" not in summarise["generationConfig"]
    assert "Sleep matters for memory" in turns(summarise)[0][1]
    ((_, user),) = turns(write)
    assert "SUMMARY: sleep helps memory." in user
    assert "Sleep matters for memory" not in user
    assert len(usage) == 2  # both calls are accounted for


def test_429_with_retry_after_is_honoured(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(gemini_rate_limited(retry_after="3"), gemini_script("ko"))
    script = writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), KO)
    assert len(script.scenes) == 6
    assert sleeps.waits == [3.0]
    assert len(server.requests) == 2


def test_server_errors_are_retried_then_succeed(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(GEMINI_INTERNAL, GEMINI_OVERLOADED, gemini_script("ko"))
    script = writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), KO)
    assert len(script.scenes) == 6
    assert sleeps.waits == [1.0, 2.0]


def test_exhausted_retries_are_retriable(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(GEMINI_OVERLOADED, GEMINI_OVERLOADED, GEMINI_OVERLOADED)
    with pytest.raises(RetriableProviderError) as caught:
        writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), KO)
    assert caught.value.status == 503
    assert "UNAVAILABLE: The model is overloaded" in str(caught.value)
    assert len(server.requests) == 3


def test_a_slow_answer_is_retried(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(200, gemini_answer("{}"), delay_s=1.0), gemini_script("ko"))
    script = writer(server, sleeps, timeout_s=0.3).write(SourceMaterial(text=KO_TEXT), KO)
    assert len(script.scenes) == 6
    assert len(server.requests) == 2


def test_malformed_json_gets_one_repair(server: FakeProvider, sleeps: Sleeps) -> None:
    bad = '{"title": "잠", "hook": {"narration": '
    server.queue(Reply(200, gemini_answer(bad)), gemini_script("ko"))
    script = writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), KO)
    assert len(script.scenes) == 6
    first, repair = (request.json() for request in server.requests)
    assert system_text(repair) == system_text(first)
    conversation = turns(repair)
    assert [role for role, _ in conversation] == ["user", "model", "user"]
    assert conversation[0] == turns(first)[0]
    assert conversation[1][1] == bad.strip()
    assert "not valid JSON" in conversation[2][1]
    assert "JSON" in conversation[2][1]
    assert "responseSchema" in repair["generationConfig"]


def test_an_answer_cut_at_the_token_limit_gets_one_repair(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    whole = json.dumps(sample_script("en"))
    server.queue(
        Reply(200, gemini_answer(whole[: len(whole) // 2], finish="MAX_TOKENS")),
        gemini_script("en"),
    )
    script = writer(server, sleeps).write(SourceMaterial(text=EN_TEXT), EN)
    assert script.language is Language.EN
    repair_request = turns(server.requests[1].json())[2][1]
    assert "cut off" in repair_request


def test_a_failed_repair_is_permanent(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(200, gemini_answer("not json")), Reply(200, gemini_answer("[1, 2")))
    with pytest.raises(PermanentProviderError, match="unusable after a repair") as caught:
        writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), KO)
    assert "not valid JSON" in caught.value.detail
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (sample_script("ko", scenes=2), "exactly 6"),
        (sample_script("en"), "not in Korean"),
        ({**sample_script("ko"), "hook": {"narration": ""}}, "hook"),
    ],
)
def test_a_script_off_the_brief_is_sent_back(
    server: FakeProvider, sleeps: Sleeps, answer: dict[str, Any], problem: str
) -> None:
    server.queue(
        Reply(200, gemini_answer(json.dumps(answer, ensure_ascii=False))), gemini_script("ko")
    )
    script = writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), KO)
    assert len(script.scenes) == 6
    assert problem in turns(server.requests[1].json())[2][1]


def test_a_script_too_long_for_a_short_is_sent_back(server: FakeProvider, sleeps: Sleeps) -> None:
    long = sample_script("en")
    for scene in long["scenes"]:
        scene["narration"] = " ".join(["word"] * 40)  # 16 s each, 96 s in all
    server.queue(Reply(200, gemini_answer(json.dumps(long))), gemini_script("en"))
    writer(server, sleeps).write(SourceMaterial(text=EN_TEXT), EN)
    assert "over the limit of 60 s" in turns(server.requests[1].json())[2][1]


@pytest.mark.parametrize(
    ("reply", "status", "message"),
    [
        (GEMINI_BAD_KEY, 400, "API key not valid. Please pass a valid API key."),
        (
            Reply(
                403, gemini_error(403, "PERMISSION_DENIED", "The caller does not have permission")
            ),
            403,
            "The caller does not have permission",
        ),
        (
            Reply(
                404,
                gemini_error(
                    404, "NOT_FOUND", "models/gemini-0 is not found for API version v1beta"
                ),
            ),
            404,
            "is not found",
        ),
    ],
)
def test_auth_and_request_errors_are_permanent(
    server: FakeProvider, sleeps: Sleeps, reply: Reply, status: int, message: str
) -> None:
    server.queue(reply)
    with pytest.raises(PermanentProviderError) as caught:
        writer(server, sleeps).write(SourceMaterial(text=KO_TEXT), KO)
    error = caught.value
    assert error.service == "gemini"
    assert error.status == status
    assert message in str(error)
    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert len(server.requests) == 1


def test_a_safety_stop_is_a_permanent_refusal(server: FakeProvider, sleeps: Sleeps) -> None:
    answer = gemini_answer("", finish="SAFETY")
    answer["candidates"][0]["safetyRatings"] = [
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}
    ]
    server.queue(Reply(200, answer))
    usage: list[tuple[str, dict[str, float]]] = []
    with pytest.raises(PermanentProviderError, match="refused") as caught:
        writer(server, sleeps, usage=usage).write(SourceMaterial(topic="x"), EN)
    assert "SAFETY" in caught.value.detail
    assert "HARM_CATEGORY_DANGEROUS_CONTENT" in caught.value.detail
    assert len(server.requests) == 1  # no repair: asking again would be refused again
    assert len(usage) == 1  # a refused prompt is still billed


def test_a_blocked_prompt_is_a_permanent_refusal(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(
        Reply(
            200,
            {
                "promptFeedback": {
                    "blockReason": "PROHIBITED_CONTENT",
                    "safetyRatings": [],
                },
                "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
            },
        )
    )
    with pytest.raises(PermanentProviderError, match="refused the prompt") as caught:
        writer(server, sleeps).write(SourceMaterial(topic="x"), EN)
    assert caught.value.detail == "blockReason PROHIBITED_CONTENT"


def test_the_breaker_opens_fails_fast_and_recovers(server: FakeProvider, sleeps: Sleeps) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=4, cooldown_s=30, clock=clock)
    gemini = writer(server, sleeps, max_attempts=2, breaker=breaker, clock=clock)
    server.queue(*[GEMINI_OVERLOADED] * 4)
    for _ in range(2):
        with pytest.raises(RetriableProviderError):
            gemini.write(SourceMaterial(text=KO_TEXT), KO)
    assert state(breaker) is BreakerState.OPEN

    with pytest.raises(ProviderUnavailable) as caught:
        gemini.write(SourceMaterial(text=KO_TEXT), KO)
    assert len(server.requests) == 4  # the third call never reached the server
    assert caught.value.retry_after == pytest.approx(30)

    clock.advance(30)
    server.queue(gemini_script("ko"))
    assert len(gemini.write(SourceMaterial(text=KO_TEXT), KO).scenes) == 6
    assert state(breaker) is BreakerState.CLOSED


def test_identity_follows_what_changes_the_output(server: FakeProvider, sleeps: Sleeps) -> None:
    script_writer: ScriptWriter = writer(server, sleeps)  # the contract, checked by mypy
    assert script_writer.name == "gemini"
    flash = script_writer.identity()
    assert flash == writer(server, sleeps).identity()
    assert flash != writer(server, sleeps, model="gemini-2.5-pro").identity()
    assert flash != writer(server, sleeps, temperature=0.2).identity()
    assert "gemini-2.5-flash" in flash
    assert "prompt-" in flash
    assert KEY not in flash


def test_the_key_never_shows(server: FakeProvider, sleeps: Sleeps) -> None:
    gemini = text_model(server, sleeps)
    shown = (repr(gemini), repr(gemini.settings), str(gemini.settings), repr(gemini.http))
    for text in (*shown, repr(ModelScriptWriter(gemini))):
        assert KEY not in text
    assert KEY not in gemini.settings.model_dump_json()


def test_settings_are_checked() -> None:
    settings = GeminiSettings(api_key=SecretStr("k"), model="models/gemini-2.0-flash")
    assert settings.model == "gemini-2.0-flash"
    assert settings.base_url == "https://generativelanguage.googleapis.com"
    with pytest.raises(ValidationError):
        GeminiSettings(api_key=SecretStr("k"), model="../../v1/files")
    with pytest.raises(ValidationError):
        GeminiSettings(api_key=SecretStr("k"), timeout_s=0)
    with pytest.raises(ValidationError):
        GeminiSettings.model_validate({})  # the key is required
