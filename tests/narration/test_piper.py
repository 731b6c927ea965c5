"""Piper with the packaged Joe voice: real synthesis, real alignments."""

from __future__ import annotations

import wave
from pathlib import Path

from autoclip.options import Language
from autoclip.providers.narration import piper
from autoclip.providers.narration.base import TimingSource, VoiceRequest
from autoclip.providers.narration.piper import PiperNarrator, default_model

TEXT = "In 2024, people in the U.S. slept 6.8 hours — out of the 8 that Dr. Smith advises! 🚀"


def test_every_word_is_timed_in_order(tmp_path: Path) -> None:
    out = tmp_path / "scene.wav"
    narration = PiperNarrator().narrate(VoiceRequest(TEXT, Language.EN), out)

    assert narration.timing_source is TimingSource.ENGINE
    # The emoji is not spoken and so is not a caption word; punctuation stays on its word.
    assert [w.text for w in narration.words] == TEXT.split()[:-1]
    previous_end = 0.0
    for word in narration.words:
        assert previous_end <= word.start <= word.end <= narration.duration
        previous_end = word.end
    # "2024," is read as four words and must span all of them, well beyond a short word.
    year = narration.words[1]
    assert year.end - year.start > 0.6
    assert narration.words[-1].end > narration.duration - 1.0


def test_wav_matches_reported_duration(tmp_path: Path) -> None:
    out = tmp_path / "scene.wav"
    narration = PiperNarrator().narrate(VoiceRequest("Hello there.", Language.EN), out)
    with wave.open(str(out), "rb") as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        assert wav.getframerate() == narration.sample_rate == 22050
        assert wav.getnframes() / wav.getframerate() == narration.duration
    assert 0.5 < narration.duration < 3.0


def test_identity_names_model_and_changes_with_text() -> None:
    narrator = PiperNarrator()
    first = narrator.identity(VoiceRequest("One.", Language.EN))
    assert default_model().name in first
    assert str(default_model().stat().st_size) in first
    assert first != narrator.identity(VoiceRequest("Two.", Language.EN))
    assert first != PiperNarrator(length_scale=1.2).identity(VoiceRequest("One.", Language.EN))


def test_explicit_model_path_in_request(tmp_path: Path) -> None:
    request = VoiceRequest("Testing a model path.", Language.EN, voice=str(default_model()))
    narration = PiperNarrator().narrate(request, tmp_path / "scene.wav")
    assert [w.text for w in narration.words] == ["Testing", "a", "model", "path."]


def test_release_frees_the_voice_and_the_next_narration_loads_it_again(tmp_path: Path) -> None:
    narrator = PiperNarrator()
    first = narrator.narrate(VoiceRequest("Hello there.", Language.EN), tmp_path / "a.wav")
    assert piper._VOICES  # loaded once, kept for the next scene
    narrator.release()
    assert not piper._VOICES
    again = narrator.narrate(VoiceRequest("Hello there.", Language.EN), tmp_path / "b.wav")
    # Piper samples its noise, so the same words come out a little different each time
    assert [w.text for w in again.words] == [w.text for w in first.words] == ["Hello", "there."]
    assert abs(again.duration - first.duration) < 0.3
