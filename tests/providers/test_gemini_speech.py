"""GeminiNarrator against a local server answering as Gemini's generateContent with audio."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from autoclip.options import Language
from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import (
    PermanentProviderError,
    RefusedError,
    RetriableProviderError,
)
from autoclip.providers.narration.base import TimingSource, VoiceRequest
from autoclip.providers.narration.gemini import GeminiNarrator, GeminiSpeechSettings
from providers.fake_speech import LEAD_S, TAIL_S, gemini_speech
from providers.fakes import (
    GEMINI_BAD_KEY,
    GEMINI_OVERLOADED,
    FakeProvider,
    ListMeter,
    Reply,
    Sleeps,
    gemini_rate_limited,
    local_client,
)

KEY = "AIzaSy-gemini-speech-test-key-0123456789"
KO = "잠들기 전에는 휴대폰을 멀리하세요."
Usage = list[tuple[str, dict[str, float]]]


def narrator(
    server: FakeProvider, sleeps: Sleeps, usage: Usage | None = None, **settings: Any
) -> GeminiNarrator:
    return GeminiNarrator(
        GeminiSpeechSettings(
            api_key=SecretStr(KEY), base_url=server.base_url, timeout_s=2.0, deadline_s=30,
            **settings,
        ),
        client=local_client(),
        breaker=CircuitBreaker(),
        meter=ListMeter(usage),
        sleep=sleeps,
        clock=time.monotonic,
        jitter=lambda: 1.0,
    )  # fmt: skip


def test_pcm_out_of_the_documented_answer(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(gemini_speech(1.5, mime="audio/L16;codec=pcm;rate=24000"))
    usage: Usage = []
    narration = narrator(server, sleeps, usage).narrate(
        VoiceRequest(KO, Language.KO), tmp_path / "scene.wav"
    )
    (request,) = server.requests
    assert request.path == "/v1beta/models/gemini-3.8-flash-tts:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert not request.query
    assert request.json() == {
        "contents": [{"role": "user", "parts": [{"text": KO}]}],
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
        },
    }
    assert usage == [("gemini-speech", {"requests": 1.0, "characters": float(len(KO))})]
    assert narration.sample_rate == 24000
    assert narration.duration == pytest.approx(LEAD_S + 1.5 + TAIL_S, abs=1e-3)
    assert narration.timing_source is TimingSource.SPREAD
    assert [w.text for w in narration.words] == KO.split()
    assert narration.words[0].start == pytest.approx(LEAD_S, abs=0.01)
    assert narration.words[-1].end == pytest.approx(LEAD_S + 1.5, abs=0.01)


def test_a_chosen_voice_and_another_rate(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(gemini_speech(1.0, mime="audio/L16;rate=16000"))  # tone made at 24 kHz
    narration = narrator(server, sleeps).narrate(
        VoiceRequest("Hello there.", Language.EN, voice="gemini:Puck"), tmp_path / "s.wav"
    )
    body = server.requests[0].json()
    assert body["generationConfig"]["speechConfig"]["voiceConfig"] == {
        "prebuiltVoiceConfig": {"voiceName": "Puck"}
    }
    assert narration.sample_rate == 16000
    assert narration.duration == pytest.approx((LEAD_S + 1.0 + TAIL_S) * 1.5, abs=1e-3)


def test_rate_limits_overload_and_cut_bodies_are_retried(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    answer = gemini_speech(1.0)
    server.queue(
        gemini_rate_limited(retry_delay="3s"),
        GEMINI_OVERLOADED,
        Reply(200, answer.body, truncate=True),
    )
    with pytest.raises(RetriableProviderError, match="gave up after 3 attempts"):
        narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")
    assert sleeps.waits == [3.0, 2.0]  # Google's RetryInfo, then the backoff
    server.queue(Reply(200, answer.body, delay_s=3.0), answer)
    narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")
    assert len(server.requests) == 5


def test_refusals_bad_keys_and_answers_without_audio_are_permanent(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    gemini, out = narrator(server, sleeps), tmp_path / "s.wav"
    request = VoiceRequest(KO, Language.KO)
    server.queue(GEMINI_BAD_KEY)
    with pytest.raises(PermanentProviderError, match="API key not valid"):
        gemini.narrate(request, out)
    server.queue(Reply(200, {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}))
    with pytest.raises(RefusedError, match="PROHIBITED_CONTENT"):
        gemini.narrate(request, out)
    server.queue(Reply(200, {"candidates": [{"finishReason": "SAFETY", "content": {}}]}))
    with pytest.raises(RefusedError, match="SAFETY"):
        gemini.narrate(request, out)
    text_only = {
        "candidates": [{"content": {"parts": [{"text": "I can't."}]}, "finishReason": "STOP"}]
    }
    server.queue(Reply(200, text_only))
    with pytest.raises(PermanentProviderError, match="no audio part"):
        gemini.narrate(request, out)
    inline = {"mimeType": "audio/L16;rate=24000", "data": "AAEC"}
    odd = {"candidates": [{"content": {"parts": [{"inlineData": inline}]}}]}
    server.queue(Reply(200, odd))  # three bytes: not 16-bit samples
    with pytest.raises(PermanentProviderError, match="not 16-bit samples"):
        gemini.narrate(request, out)
    assert sleeps.waits == []
