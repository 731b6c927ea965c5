"""OpenAISpeechNarrator against a local server answering as OpenAI's /v1/audio/speech."""

from __future__ import annotations

import io
import itertools
import time
import wave
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from autoclip.errors import InputError
from autoclip.options import Language
from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import (
    BudgetExceededError,
    PermanentProviderError,
    RetriableProviderError,
)
from autoclip.providers.cloud.http import Meter
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.narration.base import Narrator, SceneNarration, TimingSource, VoiceRequest
from autoclip.providers.narration.espeak import speak_timed
from autoclip.providers.narration.openai import (
    DEFAULT_VOICES,
    OpenAISpeechNarrator,
    OpenAISpeechSettings,
)
from autoclip.providers.narration.timing import spoken_weight
from autoclip.providers.narration.track import Pcm
from providers.fake_speech import LEAD_S, TAIL_S, openai_speech, streamed_wav, tone
from providers.fakes import (
    OPENAI_SERVER_ERROR,
    FakeProvider,
    ListMeter,
    Reply,
    Sleeps,
    local_client,
    openai_error,
)

KEY = "sk-proj-speech-test-key-0123456789abcdef"
EN = "Sleep is the best way for your body and brain to recover."
KO = "잠은 몸과 뇌를 회복시키는 가장 좋은 방법입니다."
TONE_S = 1.5  # the voiced part of `openai_speech()`
Usage = list[tuple[str, dict[str, float]]]


def narrator(
    server: FakeProvider,
    sleeps: Sleeps,
    *,
    api_key: str | None = KEY,
    usage: Usage | None = None,
    meter: Meter | None = None,
    base_url: str | None = None,
    **settings: Any,
) -> OpenAISpeechNarrator:
    return OpenAISpeechNarrator(
        OpenAISpeechSettings(
            api_key=SecretStr(api_key) if api_key is not None else None,
            base_url=base_url or server.base_url,
            timeout_s=5.0,
            deadline_s=30,
            **settings,
        ),
        client=local_client(),
        breaker=CircuitBreaker(),
        meter=meter if meter is not None else ListMeter(usage),
        sleep=sleeps,
        clock=time.monotonic,
        jitter=lambda: 1.0,
    )


def assert_spread_over_the_tone(narration: SceneNarration, text: str) -> None:
    """Every word timed, in order, contiguous, sharing the tone by spoken weight (a tone is
    not speech: the aligner refuses it and the words are spread)."""
    words = narration.words
    assert narration.timing_source is TimingSource.SPREAD
    assert [word.text for word in words] == text.split()
    assert words[0].start == pytest.approx(LEAD_S, abs=1e-3)
    assert words[-1].end == pytest.approx(LEAD_S + TONE_S, abs=1e-3)
    for before, after in itertools.pairwise(words):
        assert before.end == after.start
    total = sum(spoken_weight(word) for word in text.split())
    for word in words:
        share = (word.end - word.start) / (words[-1].end - words[0].start)
        assert share == pytest.approx(spoken_weight(word.text) / total)


def wav_format(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path), "rb") as wav:
        return (
            wav.getnchannels(),
            wav.getsampwidth(),
            wav.getframerate(),
            wav.getnframes() / wav.getframerate(),
        )


@pytest.mark.parametrize(
    ("text", "language"), [(EN, Language.EN), (KO, Language.KO)], ids=["english", "korean"]
)
def test_a_wav_answer_over_the_documented_wire_format(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, text: str, language: Language
) -> None:
    server.queue(openai_speech(TONE_S))  # with OpenAI's streamed header (0xFFFFFFFF sizes)
    usage: Usage = []
    out = tmp_path / "scene.wav"
    narration = narrator(server, sleeps, usage=usage).narrate(VoiceRequest(text, language), out)

    seconds = LEAD_S + TONE_S + TAIL_S
    assert wav_format(out) == (1, 2, 24000, seconds)
    assert (narration.sample_rate, narration.duration) == (24000, seconds)
    assert_spread_over_the_tone(narration, text)

    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == "/v1/audio/speech"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "model": "gpt-4o-mini-tts",
        "input": text,
        "voice": DEFAULT_VOICES[language],
        "response_format": "wav",
    }
    assert usage == [("openai-speech", {"requests": 1.0, "characters": float(len(text))})]


def speech_wav(pcm: Pcm, rate: int) -> bytes:
    body = io.BytesIO()
    with wave.open(body, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.astype("<i2").tobytes())
    return streamed_wav(body.getvalue())


@pytest.mark.parametrize(
    ("text", "language", "voice"),
    [(EN, Language.EN, "en+f3"), (KO, Language.KO, "ko+f3")],
    ids=["english", "korean"],
)
def test_speech_gets_its_word_times_from_the_aligner(
    server: FakeProvider,
    sleeps: Sleeps,
    tmp_path: Path,
    text: str,
    language: Language,
    voice: str,
) -> None:
    # Real speech this time, by a voice whose word times are known: eSpeak's female
    # variant, slower and higher than the aligner's reference.
    pcm, rate, truth = speak_timed(text, voice, 145, 70)
    server.queue(Reply(200, speech_wav(pcm, rate), content_type="audio/wav"))
    narration = narrator(server, sleeps).narrate(VoiceRequest(text, language), tmp_path / "a.wav")

    assert narration.timing_source is TimingSource.ALIGNED
    assert [word.text for word in narration.words] == text.split()
    for found, true in zip(narration.words, truth, strict=True):
        assert found.start == pytest.approx(true.start, abs=0.15), found.text
        assert found.end == pytest.approx(true.end, abs=0.15), found.text


def test_a_stereo_wav_of_another_rate_is_mixed_down(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(openai_speech(TONE_S, rate=44100, channels=2, streamed=False))
    out = tmp_path / "scene.wav"
    narration = narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), out)
    channels, width, rate, seconds = wav_format(out)
    assert (channels, width, rate) == (1, 2, 44100)
    assert seconds == narration.duration == pytest.approx(LEAD_S + TONE_S + TAIL_S, abs=1e-4)
    assert_spread_over_the_tone(narration, EN)


def test_a_pcm_answer(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(openai_speech(TONE_S, codec="pcm"))
    out = tmp_path / "scene.wav"
    narration = narrator(server, sleeps, response_format="pcm").narrate(
        VoiceRequest(KO, Language.KO), out
    )
    assert server.requests[0].json()["response_format"] == "pcm"
    assert wav_format(out) == (1, 2, 24000, LEAD_S + TONE_S + TAIL_S)
    assert_spread_over_the_tone(narration, KO)


def test_options_reach_the_request(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(openai_speech(), openai_speech())
    speech = narrator(
        server,
        sleeps,
        model="tts-1",
        voice="openai:onyx",
        speed=1.25,
        instructions="Speak calmly, like a bedtime story.",
    )
    speech.narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    speech.narrate(VoiceRequest(EN, Language.EN, voice="openai:shimmer"), tmp_path / "b.wav")
    configured, requested = (request.json() for request in server.requests)
    assert configured == {
        "model": "tts-1",
        "input": EN,
        "voice": "onyx",
        "response_format": "wav",
        "speed": 1.25,
        "instructions": "Speak calmly, like a bedtime story.",
    }
    assert requested["voice"] == "shimmer"


def test_no_key_sends_no_authorization(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(openai_speech())
    local = narrator(server, sleeps, api_key=None, base_url=server.base_url + "/v1/")
    assert local.http.base_url == server.base_url  # "/v1" is the path's, not the root's
    local.narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    (request,) = server.requests
    assert request.path == "/v1/audio/speech"
    assert "authorization" not in request.headers


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, {"error": {"message": "upstream failed"}}),  # JSON where audio should be
        Reply(200, "<html>Sign in</html>", content_type="text/html"),
        Reply(200, b"", content_type="audio/wav"),
    ],
    ids=["json", "html", "empty"],
)
def test_an_answer_that_is_not_audio_is_rejected(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, reply: Reply
) -> None:
    server.queue(reply)
    usage: Usage = []
    with pytest.raises(PermanentProviderError, match=r"expected audio/\* content"):
        narrator(server, sleeps, usage=usage).narrate(
            VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
        )
    assert len(server.requests) == 1
    assert usage == []
    assert not (tmp_path / "a.wav").exists()


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(200, b"ID3\x04 an mp3, not a wav", content_type="audio/wav"), "not a PCM WAV"),
        (Reply(200, tone(0.5, codec="wav")[:44], content_type="audio/wav"), "holds no audio"),
    ],
    ids=["not-wav", "no-samples"],
)
def test_audio_that_is_not_a_usable_wav_is_permanent(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, reply: Reply, problem: str
) -> None:
    server.queue(reply)
    with pytest.raises(PermanentProviderError, match=problem):
        narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")


def test_odd_pcm_is_permanent(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(Reply(200, b"\x00\x01\x02", content_type="audio/pcm"))
    with pytest.raises(PermanentProviderError, match="3 bytes"):
        narrator(server, sleeps, response_format="pcm").narrate(
            VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
        )


def test_a_bad_key_is_permanent_with_the_providers_message(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(
        openai_error(
            401,
            f"Incorrect API key provided: {KEY}. You can find your API key at"
            " https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        )
    )
    with pytest.raises(PermanentProviderError) as caught:
        narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    error = caught.value
    assert (error.service, error.status) == ("openai-speech", 401)
    assert "invalid_request_error: Incorrect API key provided: ***" in str(error)
    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert len(server.requests) == 1


def test_429_and_500_are_retried(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    rate_limited = openai_error(
        429,
        "Rate limit reached for tts-1 in organization org-x.",
        "requests",
        "rate_limit_exceeded",
    )
    server.queue(
        Reply(429, rate_limited.body, headers={"Retry-After": "3"}),
        OPENAI_SERVER_ERROR,
        openai_speech(),
    )
    usage: Usage = []
    narration = narrator(server, sleeps, usage=usage).narrate(
        VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
    )
    assert narration.timing_source is TimingSource.SPREAD
    assert sleeps.waits == [3.0, 2.0]
    assert len(server.requests) == 3
    assert len(usage) == 1


def test_exhausted_retries_are_retriable(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(OPENAI_SERVER_ERROR, OPENAI_SERVER_ERROR, OPENAI_SERVER_ERROR)
    with pytest.raises(RetriableProviderError) as caught:
        narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    assert caught.value.status == 500
    assert "server_error: The server had an error" in str(caught.value)


def test_a_body_cut_short_is_retried(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    whole = openai_speech()
    server.queue(Reply(200, whole.body, content_type=whole.content_type, truncate=True), whole)
    narration = narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    assert narration.duration == LEAD_S + TONE_S + TAIL_S
    assert len(server.requests) == 2


def test_a_spent_budget_refuses_before_calling(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    with pytest.raises(BudgetExceededError):
        narrator(server, sleeps, meter=UsageMeter(budget_usd=0.0)).narrate(
            VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
        )
    assert server.requests == []


@pytest.mark.parametrize("text", ["", "  ", "😴"])
def test_nothing_to_say_is_the_users_to_fix(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, text: str
) -> None:
    with pytest.raises(InputError) as caught:
        narrator(server, sleeps).narrate(VoiceRequest(text, Language.KO), tmp_path / "a.wav")
    assert caught.value.field == "narration"
    assert server.requests == []


def test_voices_of_other_engines_are_not_sent(server: FakeProvider, sleeps: Sleeps) -> None:
    speech = narrator(server, sleeps)
    assert speech.voice_for(VoiceRequest(KO, Language.KO, voice="espeak:ko")) == "nova"
    assert speech.voice_for(VoiceRequest(EN, Language.EN, voice="joe")) == "alloy"
    with pytest.raises(InputError, match="voice"):
        speech.voice_for(VoiceRequest(EN, Language.EN, voice="openai:a b"))


def test_identity_follows_what_changes_the_output(server: FakeProvider, sleeps: Sleeps) -> None:
    speech: Narrator = narrator(server, sleeps)  # the contract, checked by mypy
    assert speech.name == "openai"  # as chains name it; usage is under "openai-speech"
    request = VoiceRequest(EN, Language.EN)
    base = speech.identity(request)
    assert base == narrator(server, sleeps).identity(request)
    assert KEY not in base
    others = {
        narrator(server, sleeps, model="tts-1").identity(request),
        narrator(server, sleeps, voice="echo").identity(request),
        narrator(server, sleeps, speed=1.1).identity(request),
        narrator(server, sleeps, instructions="whisper").identity(request),
        narrator(server, sleeps, response_format="pcm").identity(request),
        narrator(server, sleeps, response_format="pcm", pcm_sample_rate=22050).identity(request),
        narrator(server, sleeps, base_url="http://127.0.0.1:1").identity(request),
        speech.identity(VoiceRequest(EN, Language.EN, voice="openai:echo")),
        speech.identity(VoiceRequest(EN, Language.KO)),  # another default voice
        speech.identity(VoiceRequest(EN + " Really.", Language.EN)),
    }
    assert base not in others
    assert len(others) == 9  # the explicit voice equals the configured one
    # pcm_sample_rate means nothing for wav answers
    assert narrator(server, sleeps, pcm_sample_rate=22050).identity(request) == base


def test_the_key_never_shows(server: FakeProvider, sleeps: Sleeps) -> None:
    speech = narrator(server, sleeps)
    for text in (repr(speech), repr(speech.settings), str(speech.settings), repr(speech.http)):
        assert KEY not in text
    assert KEY not in speech.settings.model_dump_json()


def test_settings_are_checked() -> None:
    settings = OpenAISpeechSettings()
    assert settings.base_url == "https://api.openai.com"
    assert (settings.model, settings.response_format, settings.voice) == (
        "gpt-4o-mini-tts",
        "wav",
        None,
    )
    assert OpenAISpeechSettings(base_url="https://api.openai.com/v1/").base_url == (
        "https://api.openai.com"
    )
    assert OpenAISpeechSettings(voice="openai:coral").voice == "coral"
    for bad in (
        {"response_format": "mp3"},
        {"voice": "../x"},
        {"speed": 5.0},
        {"model": ""},
        {"base_url": "file:///etc"},
        {"pcm_sample_rate": 100},
    ):
        with pytest.raises(ValidationError):
            OpenAISpeechSettings(**bad)
