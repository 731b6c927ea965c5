"""Which narrator speaks a language, and the voice names a user may choose from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from autoclip.errors import InputError
from autoclip.options import Language
from autoclip.providers.narration.base import Narrator
from autoclip.providers.narration.espeak import ESPEAK_PREFIX, EspeakNarrator, has_voice
from autoclip.providers.narration.piper import PiperNarrator

# Named voices. Piper sounds far more natural but its packaged voice is English only;
# Korean is spoken by eSpeak NG. Any other eSpeak voice is reachable as "espeak:<name>",
# any Piper model as a path to its .onnx file.
VOICES: dict[str, Callable[[], Narrator]] = {
    "joe": PiperNarrator,
    "espeak:ko": lambda: EspeakNarrator("ko"),
    "espeak:en-us": lambda: EspeakNarrator("en-us"),
    "espeak:en": lambda: EspeakNarrator("en"),
}

DEFAULT_VOICE: dict[Language, str] = {
    Language.EN: "joe",
    Language.KO: "espeak:ko",
}


def voice_choices() -> list[str]:
    return [*VOICES, "espeak:<voice>", "<path to a Piper model>.onnx"]


def narrator_for(language: Language, voice: str | None) -> Narrator:
    """The narrator for `language`, or for the explicitly chosen `voice`.

    Raises `InputError("voice", ...)` for a missing .onnx file or an unknown voice name.
    """
    if voice is None:
        return VOICES[DEFAULT_VOICE[language]]()
    if voice.endswith(".onnx"):
        model = Path(voice).expanduser()
        if not model.is_file():
            raise InputError("voice", f"Piper model not found: {model}")
        return PiperNarrator(model)
    if voice in VOICES:
        return VOICES[voice]()
    name = voice.removeprefix(ESPEAK_PREFIX)
    if voice.startswith(ESPEAK_PREFIX) and name and has_voice(name):
        # eSpeak has over a hundred voices, too many to list; any it knows is accepted.
        return EspeakNarrator(name)
    raise InputError(
        "voice", f"unknown voice {voice!r}; choose one of: {', '.join(voice_choices())}"
    )
