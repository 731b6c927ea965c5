"""Choosing a narrator from the language and the user's voice option."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoclip.errors import InputError
from autoclip.options import Language
from autoclip.providers.narration.espeak import EspeakNarrator
from autoclip.providers.narration.piper import PiperNarrator, default_model
from autoclip.providers.narration.registry import narrator_for, voice_choices


def test_language_defaults() -> None:
    assert isinstance(narrator_for(Language.EN, None), PiperNarrator)
    korean = narrator_for(Language.KO, None)
    assert isinstance(korean, EspeakNarrator)
    assert korean.voice == "ko"


def test_named_voices() -> None:
    english = narrator_for(Language.EN, "espeak:en-us")
    assert isinstance(english, EspeakNarrator)
    assert english.voice == "en-us"
    assert isinstance(narrator_for(Language.KO, "joe"), PiperNarrator)
    other = narrator_for(Language.EN, "espeak:fr")
    assert isinstance(other, EspeakNarrator)
    assert other.voice == "fr"


def test_model_path() -> None:
    narrator = narrator_for(Language.EN, str(default_model()))
    assert isinstance(narrator, PiperNarrator)
    assert narrator.model == default_model()


def test_missing_model_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        narrator_for(Language.EN, str(tmp_path / "absent.onnx"))
    assert caught.value.field == "voice"
    assert "absent.onnx" in caught.value.message


@pytest.mark.parametrize("voice", ["bogus", "espeak:", "espeak:no-such-voice"])
def test_unknown_voice_lists_choices(voice: str) -> None:
    with pytest.raises(InputError) as caught:
        narrator_for(Language.EN, voice)
    assert caught.value.field == "voice"
    for choice in voice_choices():
        assert choice in caught.value.message
