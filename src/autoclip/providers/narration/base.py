"""The contract every narrator fulfils, their names, and the timings they return."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from autoclip.options import Language, Vertical


class NarratorName(StrEnum):
    """The narrators, by the name chains, options and `served` records use."""

    PIPER = "piper"  # English (its bundled voice), or any Piper model
    ESPEAK = "espeak"  # Korean, English and many more
    ELEVENLABS = "elevenlabs"
    OPENAI = "openai"  # OpenAI's speech endpoint, or a server speaking its protocol
    GOOGLE = "google"  # Google Cloud Text-to-Speech: Neural2, WaveNet, Chirp 3 HD
    GEMINI = "gemini"  # Gemini's speech generation
    CLOVA = "clova"  # NAVER CLOVA Voice Premium


class TimingSource(StrEnum):
    ENGINE = "engine"  # the voice engine said when each word starts
    ALIGNED = "aligned"  # found in the audio by `narration.align` (voices that give none)
    SPREAD = "spread"  # phrase timings spread over words by `narration.timing.spread_words`


class WordTiming(BaseModel):
    """One spoken word: `text` is the word as written in the script, times in seconds."""

    text: str
    start: float
    end: float


class SceneNarration(BaseModel):
    """One scene's voice: a mono 16-bit WAV file and the timing of every word in it."""

    wav_path: Path
    sample_rate: int
    duration: float
    words: list[WordTiming]
    timing_source: TimingSource


@dataclass(frozen=True)
class VoiceRequest:
    text: str
    language: Language
    voice: str | None = None  # a voice name or a path to a Piper .onnx model
    vertical: Vertical | None = None  # lets a cloud narrator pick a voice that suits it


@dataclass(frozen=True)
class Voice:
    """A voice a person may choose: `id` is what the `voice` option takes (`joe`,
    `espeak:ko`, `elevenlabs:<voice id>`, `openai:<voice>`)."""

    narrator: str
    id: str
    name: str  # as a person reads it in a list of voices
    language: Language


class Narrator(Protocol):
    @property
    def name(self) -> str: ...

    def voices(self, language: Language) -> list[Voice]:
        """The voices this narrator offers for `language`, from what it knows (no network
        call: a page that lists voices must not wait on a provider, nor pay one)."""
        ...

    def identity(self, request: VoiceRequest) -> str:
        """Changes whenever this narrator would say `request` differently (stage cache key)."""
        ...

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        """Speak `request.text` into `out_wav`; every word of the text gets a timing."""
        ...
