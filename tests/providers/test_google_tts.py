"""GoogleNarrator against a local server answering as Cloud Text-to-Speech (v1beta1)."""

from __future__ import annotations

import base64
import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from autoclip.errors import InputError
from autoclip.options import Language
from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import PermanentProviderError, RetriableProviderError
from autoclip.providers.narration.base import TimingSource, VoiceRequest
from autoclip.providers.narration.google import (
    KNOWN_VOICES,
    GoogleNarrator,
    GoogleTTSSettings,
    marked_ssml,
)
from providers.fake_speech import (
    LEAD_S,
    WORD_S,
    google_error,
    google_speech,
    google_voices,
)
from providers.fakes import FakeProvider, ListMeter, Reply, Sleeps, local_client

KEY = "AIzaSy-google-tts-test-key-0123456789"
KO = "오늘 밤 푹 자고 싶으신가요?"
EN = "Keep the bedroom dark & cool."
KO_WORDS = len(KO.split())
Usage = list[tuple[str, dict[str, float]]]


def narrator(
    server: FakeProvider, sleeps: Sleeps, usage: Usage | None = None, **settings: Any
) -> GoogleNarrator:
    settings.setdefault("api_key", SecretStr(KEY))
    return GoogleNarrator(
        GoogleTTSSettings(base_url=server.base_url, timeout_s=2.0, deadline_s=30, **settings),
        client=local_client(),
        breaker=CircuitBreaker(),
        meter=ListMeter(usage),
        sleep=sleeps,
        clock=time.monotonic,
        jitter=lambda: 1.0,
    )


def test_each_eojeol_is_timed_from_its_mark(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    words = KO.split()
    server.queue(google_speech(len(words)))
    usage: Usage = []
    narration = narrator(server, sleeps, usage, pitch=-2.0, speaking_rate=1.1).narrate(
        VoiceRequest(KO, Language.KO), tmp_path / "scene.wav"
    )

    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1beta1/text:synthesize")
    assert request.headers["x-goog-api-key"] == KEY
    assert KEY not in request.path
    assert not request.query
    body = request.json()
    assert body["input"] == {"ssml": marked_ssml(words)}
    assert body["input"]["ssml"].startswith('<speak><mark name="w0"/>오늘 <mark name="w1"/>밤')
    assert body["voice"] == {"languageCode": "ko-KR", "name": "ko-KR-Neural2-A"}
    assert body["audioConfig"] == {
        "audioEncoding": "LINEAR16",
        "sampleRateHertz": 24000,
        "speakingRate": 1.1,
        "pitch": -2.0,
    }
    assert body["enableTimePointing"] == ["SSML_MARK"]
    assert usage == [("google-tts", {"requests": 1.0, "characters": float(len(KO))})]

    assert narration.timing_source is TimingSource.ENGINE
    assert [w.text for w in narration.words] == words
    for index, word in enumerate(narration.words):
        assert word.start == pytest.approx(LEAD_S + index * WORD_S)
    for before, after in itertools.pairwise(narration.words):
        assert before.end == after.start
    # The last word ends where the voice does, not at the file's end.
    assert narration.words[-1].end == pytest.approx(LEAD_S + len(words) * WORD_S, abs=0.01)
    assert narration.duration == pytest.approx(LEAD_S + len(words) * WORD_S + 0.25, abs=1e-3)
    assert narration.sample_rate == 24000


def test_symbols_are_escaped_and_a_missing_mark_is_filled_in(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    words = EN.split()
    server.queue(google_speech(len(words), marks=[0, 1, 2, 3, 5]))  # no mark for "&"
    narration = narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "s.wav")
    body = server.requests[0].json()
    assert 'dark <mark name="w4"/>&amp; <mark' in body["input"]["ssml"]
    assert body["voice"]["name"] == "en-US-Neural2-J"
    assert [w.text for w in narration.words] == words
    amp = narration.words[4]
    assert narration.words[3].start < amp.start < narration.words[5].start
    assert amp.end == narration.words[5].start


def test_chirp_voices_get_plain_text_and_the_audio_only_timings(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(google_speech(KO_WORDS, marks=[]))
    request = VoiceRequest(KO, Language.KO, voice="google:ko-KR-Chirp3-HD-Aoede")
    narration = narrator(server, sleeps).narrate(request, tmp_path / "s.wav")
    body = server.requests[0].json()
    assert body["input"] == {"text": KO}
    assert "enableTimePointing" not in body
    assert body["voice"] == {"languageCode": "ko-KR", "name": "ko-KR-Chirp3-HD-Aoede"}
    assert narration.timing_source is TimingSource.SPREAD
    assert narration.words[0].start == pytest.approx(LEAD_S, abs=0.01)


def test_an_answer_without_timepoints_is_spread_and_raw_pcm_is_read(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(google_speech(KO_WORDS, marks=[], header=False))
    narration = narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")
    assert narration.timing_source is TimingSource.SPREAD
    assert narration.duration == pytest.approx(LEAD_S + KO_WORDS * WORD_S + 0.25, abs=1e-3)


def test_a_bearer_token_instead_of_a_key(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(google_speech(KO_WORDS))
    token = "ya29.a0-service-account-token"
    google = narrator(server, sleeps, api_key=None, access_token=SecretStr(token))
    google.narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")
    assert server.requests[0].headers["authorization"] == f"Bearer {token}"
    assert "x-goog-api-key" not in server.requests[0].headers
    with pytest.raises(ValidationError, match="an API key or an access token"):
        GoogleTTSSettings()


def test_rate_limits_and_server_errors_are_retried_after_the_wait_asked_for(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(
        google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", {"Retry-After": "2"}),
        google_error(503, "UNAVAILABLE", "The service is currently unavailable."),
        google_speech(KO_WORDS),
    )
    narration = narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")
    assert sleeps.waits == [2.0, 2.0]  # Retry-After, then the backoff (jitter 1.0, 2nd try)
    assert len(server.requests) == 3
    assert narration.timing_source is TimingSource.ENGINE


def test_a_cut_body_and_a_timeout_are_retried(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    answer = google_speech(KO_WORDS)
    server.queue(
        Reply(200, answer.body, truncate=True),
        Reply(200, answer.body, delay_s=3.0),  # past the 2 s timeout
        answer,
    )
    narration = narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")
    assert len(server.requests) == 3
    assert len(narration.words) == KO_WORDS


def test_errors_that_retrying_cannot_fix(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    out = tmp_path / "s.wav"
    google = narrator(server, sleeps)
    server.queue(google_error(400, "INVALID_ARGUMENT", "Invalid SSML: unclosed tag."))
    with pytest.raises(PermanentProviderError, match="INVALID_ARGUMENT: Invalid SSML"):
        google.narrate(VoiceRequest(KO, Language.KO), out)
    server.queue(
        google_error(403, "PERMISSION_DENIED", "Cloud Text-to-Speech API has not been used")
    )
    with pytest.raises(PermanentProviderError, match="HTTP 403"):
        google.narrate(VoiceRequest(KO, Language.KO), out)
    server.queue(Reply(200, {"audioContent": "%%% not base64 %%%", "timepoints": []}))
    with pytest.raises(PermanentProviderError, match="audioContent is not base64"):
        google.narrate(VoiceRequest(KO, Language.KO), out)
    server.queue(Reply(200, {"timepoints": []}))
    with pytest.raises(PermanentProviderError, match="no audioContent"):
        google.narrate(VoiceRequest(KO, Language.KO), out)
    odd = base64.b64encode(b"RIFF\x00\x00").decode()
    server.queue(Reply(200, {"audioContent": odd}))
    with pytest.raises(PermanentProviderError, match="not a PCM WAV"):
        google.narrate(VoiceRequest(KO, Language.KO), out)
    assert sleeps.waits == []
    with pytest.raises(InputError, match="voice"):
        google.narrate(VoiceRequest(KO, Language.KO, voice="google:<speak>"), out)


def test_server_errors_past_the_attempts_are_retriable(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(*[google_error(500, "INTERNAL", "Internal error encountered.")] * 3)
    with pytest.raises(RetriableProviderError, match="gave up after 3 attempts"):
        narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")


def test_the_voice_list_is_fetched_once_and_kept(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(
        google_voices(
            "ko-KR-Wavenet-A", "ko-KR-Standard-A", "ko-KR-Neural2-A", "ko-KR-Chirp3-HD-Kore"
        )
    )
    google = narrator(server, sleeps)
    first = google.listed_voices(Language.KO)
    second = google.listed_voices(Language.KO)
    # The robotic Standard voices are left out.
    assert [v.name for v in first] == [
        "ko-KR-Chirp3-HD-Kore",
        "ko-KR-Neural2-A",
        "ko-KR-Wavenet-A",
    ]
    assert first == second
    (request,) = server.requests
    assert (request.method, request.path, request.query) == (
        "GET",
        "/v1/voices",
        {"languageCode": ["ko-KR"]},
    )


def test_while_the_voice_list_cannot_be_fetched_the_known_voices_are_listed(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(*[google_error(503, "UNAVAILABLE", "The service is currently unavailable.")] * 3)
    google = narrator(server, sleeps)
    listed = google.listed_voices(Language.EN)
    assert [v.name for v in listed] == list(KNOWN_VOICES[Language.EN])
    server.queue(google_voices("en-US-Neural2-J"))
    # Not kept: the next listing asks again.
    assert [v.name for v in google.listed_voices(Language.EN)] == ["en-US-Neural2-J"]
