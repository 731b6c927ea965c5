"""Narration from OpenAI's speech endpoint, or any server speaking its protocol.

Wire format (https://platform.openai.com/docs/api-reference/audio/createSpeech):

    POST {base_url}/v1/audio/speech
    Authorization: Bearer {api_key}            (left out when no key is set: local servers)
    {"model": "gpt-4o-mini-tts", "input": "...", "voice": "alloy",
     "response_format": "wav" | "pcm", "speed": 1.0,         (speed only when set)
     "instructions": "..."}                    (only when set; gpt-4o-mini-tts only)

    200 the audio bytes: Content-Type audio/wav (or audio/pcm)
    4xx/5xx {"error": {"message", "type", "param", "code"}}

Audio: `wav` by default. Its header states the sample rate, which OpenAI-compatible
servers choose for themselves (OpenAI uses 24 kHz, others 22.05 or 44.1 kHz); OpenAI
streams it with placeholder sizes (0xFFFFFFFF) in the header, so the data is read to the
end of the body. `pcm` (raw 16-bit little-endian mono, no header) is the alternative when
the rate is known; `pcm_sample_rate` says which (OpenAI documents 24 kHz).

Timings: the endpoint returns none, so the words (the whitespace-split words of the text)
are found in the audio by the aligner (`narration.align`, `TimingSource.ALIGNED`), or,
when it cannot align them, spread over the voiced span of the audio by
`narration.timing.spread_words` (`TimingSource.SPREAD`). As with the local narrators,
characters the caption font cannot draw (emoji) are removed before the text is sent.

`base_url` is the server's root; a trailing `/v1` is dropped as for the chat provider.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from autoclip.options import Language
from autoclip.providers.cloud.http import HttpProvider, ServiceSettings, bearer
from autoclip.providers.narration.align import timings_from_audio
from autoclip.providers.narration.base import NarratorName, SceneNarration, Voice, VoiceRequest
from autoclip.providers.narration.speech import pcm16, requested_voice, speakable, wav_samples
from autoclip.providers.narration.track import write_wav
from autoclip.providers.text.openai import DEFAULT_BASE_URL, server_root

SERVICE = "openai-speech"
PATH = "/v1/audio/speech"
DEFAULT_MODEL = "gpt-4o-mini-tts"
# A request's voice may name an OpenAI voice explicitly: "openai:<voice>".
VOICE_PREFIX = "openai:"
# Voices every OpenAI speech model has (tts-1 lacks the newer ones); all of them speak
# Korean as well as English.
DEFAULT_VOICES: dict[Language, str] = {
    Language.EN: "alloy",
    Language.KO: "nova",
}
# The built-in voices, from OpenAI's text-to-speech guide: tts-1 and tts-1-hd have the
# first six; gpt-4o-mini-tts has them all.
TTS1_VOICES = ("alloy", "echo", "fable", "nova", "onyx", "shimmer")
BUILTIN_VOICES = (*TTS1_VOICES, "ash", "ballad", "coral", "sage", "verse")
# Changes when the timing rule changes, so that cached narrations are remade.
TIMING_VERSION = 2  # 2: aligned

_VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class OpenAISpeechSettings(ServiceSettings):
    api_key: SecretStr | None = None  # local servers (Kokoro, Speaches) usually need none
    base_url: str = DEFAULT_BASE_URL
    model: str = Field(default=DEFAULT_MODEL, min_length=1)
    voice: str | None = None  # None: the language's default (DEFAULT_VOICES)
    response_format: Literal["wav", "pcm"] = "wav"
    pcm_sample_rate: int = Field(default=24000, ge=8000, le=96000)  # only for "pcm"
    speed: float | None = Field(default=None, ge=0.25, le=4.0)  # None: the voice's own pace
    instructions: str | None = None  # how to speak, e.g. "calm and warm"; gpt-4o-mini-tts

    @field_validator("base_url")
    @classmethod
    def _server_root(cls, value: str) -> str:
        # The same servers answer chat and speech: one rule for what a base URL means.
        return server_root(value)

    @field_validator("voice")
    @classmethod
    def _plain_voice(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().removeprefix(VOICE_PREFIX)
        if not _VOICE_NAME.match(value):
            raise ValueError("a voice name such as alloy")
        return value


class OpenAISpeechNarrator(HttpProvider[OpenAISpeechSettings]):
    """Narrates with an OpenAI speech model; see the module doc for the wire format."""

    name = NarratorName.OPENAI
    service = SERVICE

    def auth_headers(self) -> dict[str, str]:
        return bearer(self.settings.api_key)

    def voices(self, language: Language) -> list[Voice]:
        """OpenAI's built-in voices (each speaks Korean and English), those of its model;
        another server speaking this protocol (Kokoro, Speaches) has voices of its own,
        so for it only the configured or default one is listed."""
        settings = self.settings
        if settings.base_url.rstrip("/") != DEFAULT_BASE_URL.rstrip("/"):
            names = [settings.voice or DEFAULT_VOICES[language]]
        else:
            names = list(TTS1_VOICES if settings.model.startswith("tts-1") else BUILTIN_VOICES)
            if settings.voice and settings.voice not in names:
                names.insert(0, settings.voice)
        return [
            Voice(self.name, f"{VOICE_PREFIX}{name}", f"{name.capitalize()} (OpenAI)", language)
            for name in names
        ]

    def voice_for(self, request: VoiceRequest) -> str:
        """The request's `openai:<voice>`, else the configured voice, else the default.

        Voices of other engines ("joe", "espeak:ko") are ignored rather than sent.
        """
        voice = requested_voice(request, VOICE_PREFIX, _VOICE_NAME, "an OpenAI voice name")
        if voice is not None:
            return voice
        return self.settings.voice or DEFAULT_VOICES[request.language]

    def identity(self, request: VoiceRequest) -> str:
        # The same model name on another server (a local Kokoro "tts-1") sounds different.
        settings = self.settings
        speed = "default" if settings.speed is None else f"{settings.speed:g}"
        audio: str = settings.response_format
        if audio == "pcm":
            audio += f"{settings.pcm_sample_rate}"
        instructions = hashlib.sha256((settings.instructions or "").encode()).hexdigest()[:8]
        text_hash = hashlib.sha256(request.text.encode()).hexdigest()[:16]
        return (
            f"{SERVICE}/{urlsplit(settings.base_url).netloc}/{settings.model}"
            f"/{self.voice_for(request)}/{audio}/speed-{speed}/instructions-{instructions}"
            f"/timing-{TIMING_VERSION}/{text_hash}"
        )

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        text, _words = speakable(request)
        settings = self.settings
        body: dict[str, Any] = {
            "model": settings.model,
            "input": text,
            "voice": self.voice_for(request),
            "response_format": settings.response_format,
        }
        if settings.speed is not None:
            body["speed"] = settings.speed
        if settings.instructions:
            body["instructions"] = settings.instructions
        # The Content-Type must be audio: a JSON or HTML page answered with 200 (a proxy's
        # error page) is rejected by the kit instead of being decoded as noise.
        audio = self.http.post_bytes(PATH, body, accept="audio/")
        self.http.report_usage({"requests": 1, "characters": len(text)})
        if settings.response_format == "wav":
            pcm, rate = wav_samples(SERVICE, audio)
        else:
            pcm, rate = pcm16(SERVICE, audio), settings.pcm_sample_rate
        write_wav(out_wav, pcm, rate)
        words, source = timings_from_audio(text, pcm, rate, request.language)
        return SceneNarration(
            wav_path=out_wav,
            sample_rate=rate,
            duration=pcm.size / rate,
            words=words,
            timing_source=source,
        )
