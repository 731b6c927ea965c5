"""eSpeak NG through ctypes: Korean eojeol timings from WORD events."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from autoclip.errors import InputError
from autoclip.options import Language
from autoclip.providers.narration.base import TimingSource, VoiceRequest
from autoclip.providers.narration.espeak import EspeakNarrator, has_voice

KOREAN = "2024년 한국인의 평균 수면 시간은 6.8시간입니다. 정말요? 네, 사실입니다! 😴"


def test_every_eojeol_is_timed_in_order(tmp_path: Path) -> None:
    out = tmp_path / "scene.wav"
    narration = EspeakNarrator().narrate(VoiceRequest(KOREAN, Language.KO), out)

    assert narration.timing_source is TimingSource.ENGINE
    assert [w.text for w in narration.words] == KOREAN.split()[:-1]
    previous_end = 0.0
    for word in narration.words:
        assert previous_end <= word.start <= word.end <= narration.duration
        assert word.end > word.start
        previous_end = word.end
    with wave.open(str(out), "rb") as wav:
        assert wav.getframerate() == narration.sample_rate == 22050
        assert wav.getnframes() / wav.getframerate() == narration.duration


def test_sentence_pause_is_not_part_of_a_word(tmp_path: Path) -> None:
    narration = EspeakNarrator().narrate(
        VoiceRequest("첫 문장입니다. 두 번째 문장입니다.", Language.KO), tmp_path / "a.wav"
    )
    sentence_end, next_start = narration.words[1], narration.words[2]
    assert next_start.start - sentence_end.end > 0.1


def test_rate_changes_duration_and_identity(tmp_path: Path) -> None:
    request = VoiceRequest("천천히 그리고 또렷하게 말합니다", Language.KO)
    slow, fast = EspeakNarrator(rate=120), EspeakNarrator(rate=240)
    assert slow.identity(request) != fast.identity(request)
    slow_run = slow.narrate(request, tmp_path / "slow.wav")
    fast_run = fast.narrate(request, tmp_path / "fast.wav")
    assert slow_run.duration > fast_run.duration * 1.5


def test_english_voice_by_name(tmp_path: Path) -> None:
    request = VoiceRequest("Plain English words.", Language.EN, voice="espeak:en-us")
    narration = EspeakNarrator().narrate(request, tmp_path / "en.wav")
    assert [w.text for w in narration.words] == ["Plain", "English", "words."]


def test_unknown_voice_is_an_input_error(tmp_path: Path) -> None:
    assert has_voice("ko")
    assert not has_voice("no-such-voice")
    with pytest.raises(InputError) as caught:
        EspeakNarrator("no-such-voice").narrate(VoiceRequest("x", Language.KO), tmp_path / "x.wav")
    assert caught.value.field == "voice"
