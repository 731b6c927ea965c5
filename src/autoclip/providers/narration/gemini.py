"""Narration from Gemini's speech generation, with the same key as the Gemini script writer.

Wire format (https://ai.google.dev/gemini-api/docs/speech-generation):

    POST {base_url}/v1beta/models/{speech_model}:generateContent
    x-goog-api-key: {api_key}
    {"contents": [{"role": "user", "parts": [{"text": "..."}]}],
     "generationConfig": {"responseModalities": ["AUDIO"],
                          "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig":
                                                           {"voiceName": "Kore"}}}}}

    200 {"candidates": [{"content": {"role": "model", "parts": [{"inlineData":
             {"mimeType": "audio/L16;codec=pcm;rate=24000", "data": "<base64 PCM>"}}]},
                         "finishReason": "STOP"|"SAFETY"|...}],
         "usageMetadata": {"promptTokenCount", "candidatesTokenCount", ...},
         "promptFeedback": {"blockReason": "..."}}            (when the text is blocked)
    4xx/5xx {"error": {"code", "message", "status": "RESOURCE_EXHAUSTED"|...,
                       "details": [{"@type": "...RetryInfo", "retryDelay": "30s"}]}}

Audio: raw 16-bit little-endian mono PCM, at the rate its MIME type names (24 kHz).

Timings: the answer has none, so the words are found in the audio by the aligner
(`narration.align.timings_from_audio`: `TimingSource.ALIGNED`, or spread over the voiced
span when it refuses), as for every audio-only voice. The text is sent as it
is: a model reads an instruction-like line ("Say cheerfully:") as a direction, so the
script's own words are the whole prompt. Prebuilt voices speak every supported language.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import SecretStr, field_validator

from autoclip.options import Language
from autoclip.providers.cloud.errors import PermanentProviderError, RefusedError
from autoclip.providers.cloud.http import HttpProvider, ServiceSettings
from autoclip.providers.narration.align import timings_from_audio
from autoclip.providers.narration.base import NarratorName, SceneNarration, Voice, VoiceRequest
from autoclip.providers.narration.speech import base64_audio, pcm16, requested_voice, speakable
from autoclip.providers.narration.track import write_wav
from autoclip.providers.text.gemini import API_VERSION, REFUSALS, flagged_categories

SERVICE = "gemini-speech"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
# Generally available; the 2.5 preview speech models are shut down on 18 December 2026.
DEFAULT_MODEL = "gemini-3.8-flash-tts"
VOICE_PREFIX = "gemini:"
DEFAULT_RATE = 24000  # when the MIME type names none
# "Kore" is firm and clear, "Charon" an informative narrator's voice.
DEFAULT_VOICES: dict[Language, str] = {Language.KO: "Kore", Language.EN: "Charon"}
# The prebuilt voices (the same 30 in every language), for listing to a person choosing one.
PREBUILT_VOICES = (
    "Achernar", "Achird", "Algenib", "Algieba", "Alnilam", "Aoede", "Autonoe", "Callirrhoe",
    "Charon", "Despina", "Enceladus", "Erinome", "Fenrir", "Gacrux", "Iapetus", "Kore",
    "Laomedeia", "Leda", "Orus", "Puck", "Pulcherrima", "Rasalgethi", "Sadachbia",
    "Sadaltager", "Schedar", "Sulafat", "Umbriel", "Vindemiatrix", "Zephyr",
    "Zubenelgenubi",
)  # fmt: skip
TIMING_VERSION = 2  # 2: aligned

_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_VOICE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_RATE = re.compile(r"rate=(\d{4,6})")


class GeminiSpeechSettings(ServiceSettings):
    api_key: SecretStr
    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    voice: str | None = None  # None: the language's default (DEFAULT_VOICES)

    @field_validator("model")
    @classmethod
    def _plain_model_name(cls, value: str) -> str:
        value = value.strip().removeprefix("models/")
        if not _MODEL_NAME.match(value):
            raise ValueError("a model name such as gemini-3.8-flash-tts")
        return value

    @field_validator("voice")
    @classmethod
    def _voice_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().removeprefix(VOICE_PREFIX)
        if not _VOICE_NAME.match(value):
            raise ValueError("a prebuilt voice name such as Kore")
        return value


class GeminiNarrator(HttpProvider[GeminiSpeechSettings]):
    """Narrates with a Gemini speech model; see the module doc for the wire format."""

    name = NarratorName.GEMINI
    service = SERVICE

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.settings.api_key.get_secret_value()}

    def voice_for(self, request: VoiceRequest) -> str:
        voice = requested_voice(request, VOICE_PREFIX, _VOICE_NAME, "a Gemini voice name")
        if voice is not None:
            return voice
        return self.settings.voice or DEFAULT_VOICES[request.language]

    def identity(self, request: VoiceRequest) -> str:
        text_hash = hashlib.sha256(request.text.encode()).hexdigest()[:16]
        return (
            f"{SERVICE}/{urlsplit(self.settings.base_url).netloc}/{self.settings.model}"
            f"/{self.voice_for(request)}/timing-{TIMING_VERSION}/{text_hash}"
        )

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        text, _words = speakable(request)
        body = {
            "contents": [{"role": "user", "parts": [{"text": text}]}],
            "generationConfig": {
                "responseModalities": ["AUDIO"],
                "speechConfig": {
                    "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": self.voice_for(request)}}
                },
            },
        }
        path = f"/{API_VERSION}/models/{quote(self.settings.model, safe='')}:generateContent"
        answer = self.http.post_json(path, body)
        self.http.report_usage({"requests": 1, "characters": len(text)})
        data, mime = audio_part(answer)
        pcm = pcm16(SERVICE, base64_audio(SERVICE, data, "inlineData.data"))
        match = _RATE.search(mime)
        rate = int(match.group(1)) if match else DEFAULT_RATE
        write_wav(out_wav, pcm, rate)
        timings, source = timings_from_audio(text, pcm, rate, request.language)
        return SceneNarration(
            wav_path=out_wav,
            sample_rate=rate,
            duration=pcm.size / rate,
            words=timings,
            timing_source=source,
        )

    def voices(self, language: Language) -> list[Voice]:
        """Gemini's prebuilt voices (every one speaks every supported language), the one
        used by default first."""
        default = self.settings.voice or DEFAULT_VOICES[language]
        names = [default, *(name for name in PREBUILT_VOICES if name != default)]
        return [
            Voice(self.name, f"{VOICE_PREFIX}{name}", f"{name} (Gemini)", language)
            for name in names
        ]


def audio_part(answer: dict[str, Any]) -> tuple[Any, str]:
    """The first candidate's audio: its base64 data and MIME type. A blocked prompt or a
    refusal is a `RefusedError`; an answer without audio the provider's permanent error."""
    feedback = answer.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        raise RefusedError(
            SERVICE,
            "the provider refused the text",
            detail=f"blockReason {feedback['blockReason']}",
        )
    candidates = answer.get("candidates")
    candidate = candidates[0] if isinstance(candidates, list) and candidates else None
    if not isinstance(candidate, dict):
        raise PermanentProviderError(SERVICE, "the answer has no candidates")
    reason = str(candidate.get("finishReason") or "")
    if reason in REFUSALS:
        raise RefusedError(
            SERVICE,
            "the provider refused to speak the text",
            detail=f"finishReason {reason}{flagged_categories(candidate)}",
        )
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    for part in parts if isinstance(parts, list) else []:
        inline = part.get("inlineData") if isinstance(part, dict) else None
        if isinstance(inline, dict) and str(inline.get("mimeType", "")).startswith("audio/"):
            mime = str(inline["mimeType"])
            if "L16" not in mime and "pcm" not in mime:
                raise PermanentProviderError(SERVICE, f"unexpected audio type {mime}")
            return inline.get("data"), mime
    raise PermanentProviderError(
        SERVICE, "the answer has no audio part", detail=f"finishReason {reason or 'none'}"
    )
