"""ElevenLabsNarrator against a local server answering as the ElevenLabs API, with real audio."""

from __future__ import annotations

import base64
import time
import wave
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from autoclip.errors import InputError
from autoclip.options import Language, Vertical
from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import (
    BudgetExceededError,
    PermanentProviderError,
    RetriableProviderError,
)
from autoclip.providers.cloud.http import Meter
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.narration.base import Narrator, SceneNarration, TimingSource, VoiceRequest
from autoclip.providers.narration.elevenlabs import (
    DEFAULT_VOICES,
    VERTICAL_VOICES,
    CharacterTimes,
    ElevenLabsNarrator,
    ElevenLabsSettings,
    engine_timings,
)
from autoclip.providers.narration.track import read_wav
from providers.fake_speech import (
    ELEVENLABS_BAD_KEY,
    ELEVENLABS_BUSY,
    ELEVENLABS_QUOTA,
    ELEVENLABS_SERVER_ERROR,
    ELEVENLABS_UNAVAILABLE,
    ELEVENLABS_VALIDATION,
    LEAD_S,
    TAIL_S,
    alignment_for,
    elevenlabs_answer,
    elevenlabs_error,
    elevenlabs_speech,
    elevenlabs_too_many,
    tone,
)
from providers.fakes import FakeProvider, ListMeter, Reply, Sleeps, local_client

KEY = "sk_3f9a1c0d7e5b4a2f8c6d0e1b9a7c5d3e1f0a2b4c6d8e0f1a"
EN = "Sleep is the best way for your body and brain to recover."
KO = "잠은 몸과 뇌를 회복시키는 가장 좋은 방법입니다."
Usage = list[tuple[str, dict[str, float]]]


def narrator(
    server: FakeProvider,
    sleeps: Sleeps,
    *,
    usage: Usage | None = None,
    meter: Meter | None = None,
    timeout_s: float = 5.0,
    **settings: Any,
) -> ElevenLabsNarrator:
    return ElevenLabsNarrator(
        ElevenLabsSettings(
            api_key=SecretStr(KEY),
            base_url=server.base_url,
            timeout_s=timeout_s,
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


def expected_words(text: str, alignment: dict[str, Any]) -> list[tuple[str, float, float]]:
    """Each word of `text` with its first character's start and last character's end."""
    starts = alignment["character_start_times_seconds"]
    ends = alignment["character_end_times_seconds"]
    words: list[tuple[str, float, float]] = []
    position = 0
    for word in text.split():
        first = text.index(word, position)
        position = first + len(word)
        words.append((word, starts[first], ends[position - 1]))
    return words


def timed(narration: SceneNarration) -> list[tuple[str, float, float]]:
    return [(word.text, word.start, word.end) for word in narration.words]


def assert_mono_16_bit(path: Path, rate: int) -> float:
    """The WAV's duration, after checking that it is mono 16-bit at `rate`."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        assert wav.getframerate() == rate
        return wav.getnframes() / wav.getframerate()


def assert_spread_in_order(narration: SceneNarration, text: str) -> None:
    assert [word.text for word in narration.words] == text.split()
    previous = 0.0
    for word in narration.words:
        assert previous <= word.start < word.end <= narration.duration
        previous = word.end


@pytest.mark.parametrize(
    ("text", "language"), [(EN, Language.EN), (KO, Language.KO)], ids=["english", "korean"]
)
def test_a_sentence_over_the_documented_wire_format(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, text: str, language: Language
) -> None:
    spoken = elevenlabs_speech(text)
    server.queue(spoken.reply)
    usage: Usage = []
    out = tmp_path / "scene.wav"
    narration = narrator(server, sleeps, usage=usage).narrate(VoiceRequest(text, language), out)

    assert narration.wav_path == out
    assert narration.sample_rate == 24000
    assert narration.duration == spoken.seconds
    assert assert_mono_16_bit(out, 24000) == spoken.seconds
    assert narration.timing_source is TimingSource.ENGINE
    assert timed(narration) == expected_words(text, spoken.alignment)
    assert narration.words[0].start == LEAD_S
    assert narration.words[-1].end == spoken.seconds - TAIL_S

    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == f"/v1/text-to-speech/{DEFAULT_VOICES[language]}/with-timestamps"
    assert request.query == {"output_format": ["pcm_24000"]}
    assert request.headers["xi-api-key"] == KEY
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers
    assert request.json() == {
        "text": text,
        "model_id": "eleven_multilingual_v2",
        "voice_settings": {
            "stability": 0.5,
            "similarity_boost": 0.75,
            "style": 0.0,
            "use_speaker_boost": True,
        },
    }
    assert usage == [("elevenlabs", {"requests": 1.0, "characters": float(len(text))})]


def test_the_written_samples_are_the_ones_answered(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    spoken = elevenlabs_speech(EN)
    server.queue(spoken.reply)
    narration = narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    pcm, rate = read_wav(narration.wav_path)
    assert isinstance(spoken.reply.body, dict)
    answered = base64.b64decode(spoken.reply.body["audio_base64"])
    assert pcm.tobytes() == answered
    assert rate == 24000


def test_mp3_output_is_decoded_to_a_mono_wav(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    spoken = elevenlabs_speech(KO, codec="mp3", rate=44100)
    server.queue(spoken.reply)
    out = tmp_path / "scene.wav"
    narration = narrator(server, sleeps, output_format="mp3_44100_128").narrate(
        VoiceRequest(KO, Language.KO), out
    )
    assert server.requests[0].query == {"output_format": ["mp3_44100_128"]}
    assert narration.sample_rate == 44100
    # An MP3 frame is 1152 samples: the decoded length is within one frame of the tone's.
    assert narration.duration == pytest.approx(spoken.seconds, abs=1152 / 44100)
    assert assert_mono_16_bit(out, 44100) == narration.duration
    assert timed(narration) == expected_words(KO, spoken.alignment)
    assert not list(tmp_path.glob("*.download"))  # the compressed answer is not left behind


def test_voice_and_settings_reach_the_request(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(elevenlabs_speech(KO).reply, elevenlabs_speech(KO).reply)
    custom = narrator(
        server,
        sleeps,
        model="eleven_flash_v2_5",
        voice_id="elevenlabs:pNInz6obpgDQGcFmaJgB",
        output_format="pcm_22050",
        stability=0.3,
        similarity_boost=0.9,
        style=0.2,
        use_speaker_boost=False,
        speed=1.1,
        enforce_language=True,
    )
    custom.narrate(VoiceRequest(KO, Language.KO), tmp_path / "a.wav")
    custom.narrate(
        VoiceRequest(KO, Language.KO, voice="elevenlabs:Xb7hH8MSUJpSbSDYk0k2"), tmp_path / "b.wav"
    )

    configured, requested = server.requests
    assert configured.path == "/v1/text-to-speech/pNInz6obpgDQGcFmaJgB/with-timestamps"
    assert configured.query == {"output_format": ["pcm_22050"]}
    assert configured.json() == {
        "text": KO,
        "model_id": "eleven_flash_v2_5",
        "language_code": "ko",
        "voice_settings": {
            "stability": 0.3,
            "similarity_boost": 0.9,
            "style": 0.2,
            "use_speaker_boost": False,
            "speed": 1.1,
        },
    }
    assert requested.path == "/v1/text-to-speech/Xb7hH8MSUJpSbSDYk0k2/with-timestamps"


def test_voices_of_other_engines_are_not_sent(server: FakeProvider, sleeps: Sleeps) -> None:
    eleven = narrator(server, sleeps)
    assert (
        eleven.voice_for(VoiceRequest(EN, Language.EN, voice="joe")) == DEFAULT_VOICES[Language.EN]
    )
    assert (
        eleven.voice_for(VoiceRequest(KO, Language.KO, voice="espeak:ko"))
        == DEFAULT_VOICES[Language.KO]
    )
    with pytest.raises(InputError, match="voice"):
        eleven.voice_for(VoiceRequest(EN, Language.EN, voice="elevenlabs:../../v1/user"))


def test_emoji_are_not_sent_nor_timed(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    said = "Sleep well tonight."
    server.queue(elevenlabs_speech(said).reply)
    narration = narrator(server, sleeps).narrate(
        VoiceRequest("Sleep well 😴 tonight.", Language.EN), tmp_path / "a.wav"
    )
    assert server.requests[0].json()["text"] == said
    assert [word.text for word in narration.words] == ["Sleep", "well", "tonight."]


@pytest.mark.parametrize("text", ["", "   \n ", "😴 🌙"])
def test_nothing_to_say_is_the_users_to_fix(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, text: str
) -> None:
    with pytest.raises(InputError) as caught:
        narrator(server, sleeps).narrate(VoiceRequest(text, Language.EN), tmp_path / "a.wav")
    assert caught.value.field == "narration"
    assert server.requests == []


def test_429_with_retry_after_is_honoured(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(elevenlabs_too_many(retry_after="4"), elevenlabs_speech(EN).reply)
    narration = narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    assert narration.timing_source is TimingSource.ENGINE
    assert sleeps.waits == [4.0]
    assert len(server.requests) == 2


def test_server_errors_are_retried_then_succeed(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(ELEVENLABS_SERVER_ERROR, ELEVENLABS_UNAVAILABLE, elevenlabs_speech(EN).reply)
    usage: Usage = []
    narrator(server, sleeps, usage=usage).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    assert sleeps.waits == [1.0, 2.0]  # backoff with the jitter pinned at its top
    assert len(server.requests) == 3
    assert len(usage) == 1  # failed attempts are not billed


def test_exhausted_retries_are_retriable_with_the_providers_message(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(ELEVENLABS_BUSY, ELEVENLABS_BUSY, ELEVENLABS_BUSY)
    with pytest.raises(RetriableProviderError) as caught:
        narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    assert caught.value.status == 429
    assert "system_busy: We are experiencing heavy traffic" in str(caught.value)
    assert len(server.requests) == 3
    assert not (tmp_path / "a.wav").exists()


def test_a_slow_answer_is_retried(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(Reply(200, {}, delay_s=1.0), elevenlabs_speech(EN).reply)
    narration = narrator(server, sleeps, timeout_s=0.3).narrate(
        VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
    )
    assert narration.timing_source is TimingSource.ENGINE
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "garbled",
    [
        Reply(200, elevenlabs_speech(EN).reply.body, truncate=True),
        Reply(200, '{"audio_base64": "AAAA", "alignment": {"characters": ["S"'),
    ],
    ids=["truncated", "malformed"],
)
def test_a_garbled_body_is_retried(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, garbled: Reply
) -> None:
    server.queue(garbled, elevenlabs_speech(EN).reply)
    usage: Usage = []
    narration = narrator(server, sleeps, usage=usage).narrate(
        VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
    )
    assert narration.timing_source is TimingSource.ENGINE
    assert len(server.requests) == 2
    assert len(usage) == 1


def test_a_body_garbled_every_time_is_retriable(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(*[Reply(200, '{"audio_base64": "AAAA", "alignm')] * 3)
    with pytest.raises(RetriableProviderError, match="malformed JSON"):
        narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("reply", "status", "message"),
    [
        (ELEVENLABS_BAD_KEY, 401, "invalid_api_key: Invalid API key"),
        (ELEVENLABS_QUOTA, 401, "quota_exceeded: This request exceeds your quota"),
        (
            ELEVENLABS_VALIDATION,
            422,
            "body.voice_settings.stability: ensure this value is less than or equal to 1.0",
        ),
        (
            elevenlabs_error(404, "voice_not_found", "A voice with the voice_id x was not found."),
            404,
            "voice_not_found: A voice with the voice_id",
        ),
    ],
    ids=["bad-key", "quota", "validation", "no-voice"],
)
def test_request_errors_are_permanent_and_carry_the_detail(
    server: FakeProvider,
    sleeps: Sleeps,
    tmp_path: Path,
    reply: Reply,
    status: int,
    message: str,
) -> None:
    server.queue(reply)
    usage: Usage = []
    with pytest.raises(PermanentProviderError) as caught:
        narrator(server, sleeps, usage=usage).narrate(
            VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
        )
    error = caught.value
    assert error.service == "elevenlabs"
    assert error.status == status
    assert message in str(error)
    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert len(server.requests) == 1
    assert usage == []


def test_a_spent_quota_says_so(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(ELEVENLABS_QUOTA)
    with pytest.raises(PermanentProviderError, match="character quota is spent"):
        narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")


def test_a_bad_key_echoed_back_is_redacted(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(Reply(401, {"detail": {"status": "invalid_api_key", "message": f"key {KEY}"}}))
    with pytest.raises(PermanentProviderError) as caught:
        narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    assert KEY not in str(caught.value)
    assert "key ***" in str(caught.value)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"alignment": alignment_for(EN)}, "no audio_base64"),
        ({"audio_base64": "", "alignment": alignment_for(EN)}, "no audio_base64"),
        ({"audio_base64": "not base64!", "alignment": alignment_for(EN)}, "not base64"),
        ({"audio_base64": base64.b64encode(b"\x01\x02\x03").decode()}, "3 bytes"),
    ],
    ids=["missing", "empty", "not-base64", "odd-bytes"],
)
def test_an_answer_without_usable_audio_is_permanent(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, answer: dict[str, Any], problem: str
) -> None:
    server.queue(Reply(200, answer))
    usage: Usage = []
    with pytest.raises(PermanentProviderError, match=problem):
        narrator(server, sleeps, usage=usage).narrate(
            VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
        )
    assert len(server.requests) == 1
    assert len(usage) == 1  # the characters were billed all the same


def test_undecodable_mp3_is_permanent(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(Reply(200, elevenlabs_answer(b"ID3 but not an mp3 at all" * 10, None)))
    with pytest.raises(PermanentProviderError, match="could not be decoded"):
        narrator(server, sleeps, output_format="mp3_44100_128").narrate(
            VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
        )
    assert list(tmp_path.iterdir()) == []


def mismatched(text: str) -> dict[str, Any]:
    alignment = alignment_for(text)
    alignment["character_end_times_seconds"] = alignment["character_end_times_seconds"][:-3]
    return alignment


@pytest.mark.parametrize(
    ("alignment", "normalized"),
    [
        (mismatched(EN), mismatched(EN)),
        (None, None),
        ({"characters": "abc"}, {"characters": [], "character_start_times_seconds": []}),
        (alignment_for("Completely different words were spoken here instead."), None),
        (
            {**alignment_for(EN), "character_start_times_seconds": ["0"] * len(EN)},
            {**alignment_for(EN), "character_end_times_seconds": [-1.0] * len(EN)},
        ),
    ],
    ids=["lengths-differ", "missing", "malformed", "other-text", "bad-times"],
)
def test_an_unusable_alignment_spreads_the_words_over_the_voice(
    server: FakeProvider,
    sleeps: Sleeps,
    tmp_path: Path,
    alignment: dict[str, Any] | None,
    normalized: dict[str, Any] | None,
) -> None:
    spoken = elevenlabs_speech(EN)
    audio = tone(spoken.seconds - LEAD_S - TAIL_S, lead_s=LEAD_S, tail_s=TAIL_S)
    server.queue(Reply(200, elevenlabs_answer(audio, alignment, normalized)))
    narration = narrator(server, sleeps).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    assert narration.timing_source is TimingSource.SPREAD
    assert narration.duration == spoken.seconds
    assert_spread_in_order(narration, EN)
    # Spread over the tone, not the silences around it.
    assert narration.words[0].start == pytest.approx(LEAD_S, abs=1e-3)
    assert narration.words[-1].end == pytest.approx(spoken.seconds - TAIL_S, abs=1e-3)


def test_the_normalized_alignment_stands_in_for_a_broken_one(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    spoken = elevenlabs_speech(KO, alignment=mismatched(KO), normalized=alignment_for(KO))
    server.queue(spoken.reply)
    narration = narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "a.wav")
    assert narration.timing_source is TimingSource.ENGINE
    assert timed(narration) == expected_words(KO, alignment_for(KO))


def test_an_alignment_that_differs_a_little_still_times_every_word(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    # The provider dropped the final period and spelled "&" out; "&" alone has no match.
    text = "Rest & recover, then sleep."
    said = "Rest and recover, then sleep"
    spoken = elevenlabs_speech(text, alignment=alignment_for(said))
    server.queue(spoken.reply)
    narration = narrator(server, sleeps).narrate(
        VoiceRequest(text, Language.EN), tmp_path / "a.wav"
    )
    assert narration.timing_source is TimingSource.ENGINE
    expected = {word: (start, end) for word, start, end in expected_words(said, spoken.alignment)}
    words = {word.text: (word.start, word.end) for word in narration.words}
    assert [word.text for word in narration.words] == text.split()
    assert words["Rest"] == expected["Rest"]
    assert words["recover,"] == expected["recover,"]
    assert words["then"] == expected["then"]
    assert words["sleep."] == expected["sleep"]  # the period was not said: "p" ends it
    ampersand = words["&"]
    assert expected["Rest"][1] <= ampersand[0] <= ampersand[1] <= expected["recover,"][0]


def test_times_past_the_audio_are_kept_inside_it() -> None:
    times = CharacterTimes("a b", [0.0, 0.5, 0.4], [0.5, 0.6, 9.0])
    timings = engine_timings("a b", times, duration=2.0)
    assert timings is not None
    assert [(w.start, w.end) for w in timings] == [(0.0, 0.5), (0.5, 2.0)]


def test_a_spent_budget_refuses_before_calling(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    meter = UsageMeter(budget_usd=0.0)
    with pytest.raises(BudgetExceededError):
        narrator(server, sleeps, meter=meter).narrate(
            VoiceRequest(EN, Language.EN), tmp_path / "a.wav"
        )
    assert server.requests == []


def test_usage_is_priced_by_the_meter(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(elevenlabs_speech(EN).reply)
    meter = UsageMeter(budget_usd=1.0)
    narrator(server, sleeps, meter=meter).narrate(VoiceRequest(EN, Language.EN), tmp_path / "a.wav")
    (record,) = meter.records
    assert record.service == "elevenlabs"
    assert record.units == {"requests": 1.0, "characters": float(len(EN))}
    assert record.usd == pytest.approx(len(EN) * 0.30e-3)


def test_identity_follows_what_changes_the_output(server: FakeProvider, sleeps: Sleeps) -> None:
    eleven: Narrator = narrator(server, sleeps)  # the contract, checked by mypy
    assert eleven.name == "elevenlabs"
    request = VoiceRequest(KO, Language.KO)
    base = eleven.identity(request)
    assert base == narrator(server, sleeps).identity(request)
    assert DEFAULT_VOICES[Language.KO] in base
    assert "eleven_multilingual_v2" in base
    assert "pcm_24000" in base
    assert KEY not in base
    others = {
        narrator(server, sleeps, model="eleven_turbo_v2_5").identity(request),
        narrator(server, sleeps, voice_id="pNInz6obpgDQGcFmaJgB").identity(request),
        narrator(server, sleeps, output_format="pcm_16000").identity(request),
        narrator(server, sleeps, stability=0.9).identity(request),
        narrator(server, sleeps, similarity_boost=0.1).identity(request),
        narrator(server, sleeps, style=0.5).identity(request),
        narrator(server, sleeps, use_speaker_boost=False).identity(request),
        narrator(server, sleeps, speed=0.9).identity(request),
        narrator(server, sleeps, enforce_language=True).identity(request),
        eleven.identity(VoiceRequest(KO, Language.KO, voice="elevenlabs:pNInz6obpgDQGcFmaJgB")),
        eleven.identity(VoiceRequest(KO, Language.EN)),  # another default voice
        eleven.identity(VoiceRequest(KO + " 네.", Language.KO)),
    }
    assert base not in others
    assert len(others) == 11  # the explicit voice equals the configured one
    assert server.requests == []


def test_the_key_never_shows(server: FakeProvider, sleeps: Sleeps) -> None:
    eleven = narrator(server, sleeps)
    for text in (repr(eleven), repr(eleven.settings), str(eleven.settings), repr(eleven.http)):
        assert KEY not in text
    assert KEY not in eleven.settings.model_dump_json()


def test_settings_are_checked() -> None:
    settings = ElevenLabsSettings(api_key=SecretStr("k"), base_url="https://api.elevenlabs.io/")
    assert settings.base_url == "https://api.elevenlabs.io"
    assert (settings.model, settings.output_format) == ("eleven_multilingual_v2", "pcm_24000")
    assert (settings.stability, settings.similarity_boost, settings.style) == (0.5, 0.75, 0.0)
    assert settings.use_speaker_boost is True
    assert settings.speed is None
    assert settings.voice_id is None
    assert ElevenLabsSettings(api_key=SecretStr("k"), voice_id=" elevenlabs:abc123 ").voice_id == (
        "abc123"
    )
    for bad in (
        {"output_format": "wav"},
        {"output_format": "mp3_44100"},
        {"voice_id": "../voices"},
        {"model": "a/b"},
        {"stability": 1.5},
        {"speed": 2.0},
        {"base_url": "ftp://example.com"},
    ):
        with pytest.raises(ValidationError):
            ElevenLabsSettings(api_key=SecretStr("k"), **bad)
    with pytest.raises(ValidationError):
        ElevenLabsSettings.model_validate({})  # the key is required


def test_the_vertical_picks_a_voice_unless_one_is_configured() -> None:
    health = VoiceRequest(EN, Language.KO, vertical=Vertical.SENIOR_HEALTH)
    tech = VoiceRequest(EN, Language.KO, vertical=Vertical.TECH)
    default = ElevenLabsNarrator(ElevenLabsSettings(api_key=SecretStr(KEY)))
    chosen = ElevenLabsNarrator(ElevenLabsSettings(api_key=SecretStr(KEY), voice_id="abc123"))
    assert default.voice_for(health) == VERTICAL_VOICES[Vertical.SENIOR_HEALTH]
    assert default.voice_for(tech) == DEFAULT_VOICES[Language.KO]
    assert chosen.voice_for(health) == "abc123"
    finance = VoiceRequest(EN, Language.KO, vertical=Vertical.FINANCE)
    assert default.identity(finance) != default.identity(tech)  # another voice: remade
