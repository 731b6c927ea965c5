"""Narration from ElevenLabs text-to-speech, with the time of every character it spoke.

Wire format (https://elevenlabs.io/docs/api-reference/text-to-speech/convert-with-timestamps):

    POST {base_url}/v1/text-to-speech/{voice_id}/with-timestamps?output_format=pcm_24000
    xi-api-key: {api_key}
    {"text": "...", "model_id": "eleven_multilingual_v2",
     "language_code": "ko",                                  (only with `enforce_language`)
     "voice_settings": {"stability": 0.5, "similarity_boost": 0.75, "style": 0.0,
                        "use_speaker_boost": true, "speed": 1.0}}   (speed only when set)

    200 {"audio_base64": "...",
         "alignment": {"characters": ["H", "i", " ", ...],
                       "character_start_times_seconds": [0.0, 0.09, 0.15, ...],
                       "character_end_times_seconds": [0.09, 0.15, 0.2, ...]},
         "normalized_alignment": {...the same, for the text as normalised for speech...}}
    401 {"detail": {"status": "invalid_api_key" | "quota_exceeded", "message": "..."}}
    422 {"detail": [{"loc": ["body", "text"], "msg": "...", "type": "..."}]}
    429 {"detail": {"status": "too_many_concurrent_requests" | "system_busy", "message": "..."}}

Audio: `pcm_24000` by default: raw 16-bit little-endian mono samples, available on every
plan (only 44.1 kHz PCM needs a Pro plan), written into a WAV header without any decoder.
It is also sample-exact: an MP3 decoder may add or trim the encoder's delay (about 25 ms),
which would shift the audio against the alignment's times. `mp3_<rate>_<kbps>` formats
work too (decoded to WAV by ffmpeg) for accounts or proxies that serve only MP3.

Timings: the `alignment` characters concatenate to the text that was sent. Each script
word (the whitespace-split words of the text) starts when its first character starts and
ends when its last character ends (`TimingSource.ENGINE`). When the characters differ from
the text a little (dropped or normalised characters), runs of at least three equal
characters are matched to the text with `difflib`, and words left without a character
share the gap between their neighbours; when the alignment is missing, malformed or
matches under half of the text, the words are found in the audio by the aligner
(`narration.align`, `TimingSource.ALIGNED`) or, failing that, spread over its voiced span
(`TimingSource.SPREAD`).

Like the local narrators, characters the caption font cannot draw (emoji) are removed
before the text is sent, so the words timed are the words captions show.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import Field, SecretStr, field_validator

from autoclip.errors import MediaError
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.options import Language, Vertical
from autoclip.providers.cloud.errors import PermanentProviderError
from autoclip.providers.cloud.http import HttpProvider, ServiceSettings
from autoclip.providers.narration.align import timings_from_audio
from autoclip.providers.narration.base import (
    NarratorName,
    SceneNarration,
    TimingSource,
    Voice,
    VoiceRequest,
    WordTiming,
)
from autoclip.providers.narration.speech import pcm16, requested_voice, speakable
from autoclip.providers.narration.timing import fill_untimed, in_order
from autoclip.providers.narration.track import Pcm, read_wav, write_wav

SERVICE = "elevenlabs"
DEFAULT_BASE_URL = "https://api.elevenlabs.io"
DEFAULT_MODEL = "eleven_multilingual_v2"  # speaks Korean and English alike
DEFAULT_OUTPUT_FORMAT = "pcm_24000"
# A request's voice may name an ElevenLabs voice explicitly: "elevenlabs:<voice_id>".
VOICE_PREFIX = "elevenlabs:"
# Premade voices: every account has them, and with a multilingual model each speaks every
# supported language, so the defaults work without setting up a voice library.
DEFAULT_VOICES: dict[Language, str] = {
    Language.EN: "JBFqnCBsd6RMkjVDRZzb",  # "George", a male narrator's voice
    Language.KO: "EXAVITQu4vr4xnSDxMaL",  # "Sarah", a female voice
}
# A voice that suits the vertical, in either language (the multilingual model speaks both):
# soft and reassuring for senior health, steady for finance, a storyteller for history.
# Verticals not listed keep the language's default.
VERTICAL_VOICES: dict[Vertical, str] = {
    Vertical.SENIOR_HEALTH: "EXAVITQu4vr4xnSDxMaL",  # "Sarah"
    Vertical.FINANCE: "onwK4e9ZLuTAKqWW03F9",  # "Daniel", a steady news-reader's voice
    Vertical.HISTORY: "JBFqnCBsd6RMkjVDRZzb",  # "George"
}
# The names ElevenLabs gives the premade voices above, for a list of voices.
PREMADE_NAMES = {
    "JBFqnCBsd6RMkjVDRZzb": "George",
    "EXAVITQu4vr4xnSDxMaL": "Sarah",
    "onwK4e9ZLuTAKqWW03F9": "Daniel",
}
# Changes when the timing rules below change, so that cached narrations are remade.
TIMING_VERSION = 2  # 2: aligned when the answer has no usable alignment
# Below this share of the text's characters found in the alignment, the alignment belongs
# to some other text (normalised numbers, a proxy's rewrite): spread the words instead.
MIN_MATCHED_SHARE = 0.5
# Shorter runs of equal characters are what any two texts share by chance (common letters),
# so they neither time a word nor count as found.
MIN_MATCHED_RUN = 3
FFMPEG_TIMEOUT_S = 120.0

_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_VOICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_OUTPUT_FORMAT = re.compile(r"^(pcm_(\d{4,5})|mp3_(\d{4,5})_(\d{2,3}))$")
_WORD = re.compile(r"\S+")


class ElevenLabsSettings(ServiceSettings):
    api_key: SecretStr
    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    voice_id: str | None = None  # None: the premade voice of the language (DEFAULT_VOICES)
    output_format: str = DEFAULT_OUTPUT_FORMAT  # pcm_<rate> or mp3_<rate>_<kbps>
    stability: float = Field(default=0.5, ge=0, le=1)
    similarity_boost: float = Field(default=0.75, ge=0, le=1)
    style: float = Field(default=0.0, ge=0, le=1)
    use_speaker_boost: bool = True
    speed: float | None = Field(default=None, ge=0.7, le=1.2)  # None: the voice's own pace
    # Send the script's language as `language_code`. Only some models accept it (Turbo and
    # Flash v2.5); multilingual v2 rejects the request, so it is off by default.
    enforce_language: bool = False

    @field_validator("model")
    @classmethod
    def _plain_model_name(cls, value: str) -> str:
        value = value.strip()
        if not _MODEL_NAME.match(value):
            raise ValueError("a model id such as eleven_multilingual_v2")
        return value

    @field_validator("voice_id")
    @classmethod
    def _plain_voice_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().removeprefix(VOICE_PREFIX)
        if not _VOICE_ID.match(value):
            raise ValueError("a voice id such as JBFqnCBsd6RMkjVDRZzb")
        return value

    @field_validator("output_format")
    @classmethod
    def _known_output_format(cls, value: str) -> str:
        value = value.strip()
        if not _OUTPUT_FORMAT.match(value):
            raise ValueError("pcm_<sample rate> or mp3_<sample rate>_<kbps>, e.g. pcm_24000")
        return value


@dataclass(frozen=True)
class CharacterTimes:
    """An alignment flattened to one entry per character (an entry may hold several)."""

    text: str
    starts: list[float]
    ends: list[float]


class ElevenLabsNarrator(HttpProvider[ElevenLabsSettings]):
    """Narrates with ElevenLabs; see the module doc for the wire format and the timings."""

    name = NarratorName.ELEVENLABS
    service = SERVICE

    def auth_headers(self) -> dict[str, str]:
        return {"xi-api-key": self.settings.api_key.get_secret_value()}

    def voices(self, language: Language) -> list[Voice]:
        """The configured voice, if any, then the premade voices this module picks from.
        With a multilingual model every one of them speaks both languages. (An account's
        own voice library is not listed: that would be a call to ElevenLabs per page.)"""
        configured = self.settings.voice_id
        listed = dict(PREMADE_NAMES)
        if configured:  # first: it is the one used when no voice is chosen
            listed = {configured: listed.pop(configured, "Configured voice"), **listed}
        return [
            Voice(self.name, f"{VOICE_PREFIX}{voice_id}", f"{label} (ElevenLabs)", language)
            for voice_id, label in listed.items()
        ]

    def voice_for(self, request: VoiceRequest) -> str:
        """The request's `elevenlabs:<id>` voice, else the configured one, else the one for
        the vertical, else the language's.

        Voices of other engines ("joe", "espeak:ko") are not ElevenLabs', so they are
        ignored rather than sent.
        """
        voice = requested_voice(request, VOICE_PREFIX, _VOICE_ID, "an ElevenLabs voice id")
        if voice is not None:
            return voice
        if self.settings.voice_id:
            return self.settings.voice_id
        if request.vertical in VERTICAL_VOICES:
            return VERTICAL_VOICES[request.vertical]
        return DEFAULT_VOICES[request.language]

    def identity(self, request: VoiceRequest) -> str:
        settings = self.settings
        speed = "default" if settings.speed is None else f"{settings.speed:g}"
        language = request.language.value if settings.enforce_language else "auto"
        text_hash = hashlib.sha256(request.text.encode()).hexdigest()[:16]
        return (
            f"{SERVICE}/{settings.model}/{self.voice_for(request)}/{settings.output_format}"
            f"/s{settings.stability:g}/sb{settings.similarity_boost:g}/st{settings.style:g}"
            f"/boost-{settings.use_speaker_boost}/speed-{speed}/lang-{language}"
            f"/timing-{TIMING_VERSION}/{text_hash}"
        )

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        text, _words = speakable(request)
        answer = self._synthesize(text, request)
        # Billed by the characters sent, whether or not the answer turns out usable.
        self.http.report_usage({"requests": 1, "characters": len(text)})
        pcm, rate = self._audio(answer, out_wav)
        duration = pcm.size / rate
        timings: list[WordTiming] | None = None
        for key in ("alignment", "normalized_alignment"):
            times = character_times(answer.get(key))
            if times is not None:
                timings = engine_timings(text, times, duration)
                if timings is not None:
                    break
        source = TimingSource.ENGINE
        if timings is None:
            timings, source = timings_from_audio(text, pcm, rate, request.language)
        return SceneNarration(
            wav_path=out_wav,
            sample_rate=rate,
            duration=duration,
            words=timings,
            timing_source=source,
        )

    def _synthesize(self, text: str, request: VoiceRequest) -> dict[str, Any]:
        settings = self.settings
        voice_settings: dict[str, Any] = {
            "stability": settings.stability,
            "similarity_boost": settings.similarity_boost,
            "style": settings.style,
            "use_speaker_boost": settings.use_speaker_boost,
        }
        if settings.speed is not None:
            voice_settings["speed"] = settings.speed
        body: dict[str, Any] = {
            "text": text,
            "model_id": settings.model,
            "voice_settings": voice_settings,
        }
        if settings.enforce_language:
            body["language_code"] = request.language.value
        voice = quote(self.voice_for(request), safe="")
        query = urlencode({"output_format": settings.output_format})
        try:
            return self.http.post_json(f"/v1/text-to-speech/{voice}/with-timestamps?{query}", body)
        except PermanentProviderError as error:
            # ElevenLabs reports a spent character quota with an auth status (401), which
            # the kit would call a key problem: say what it is.
            if "quota_exceeded" in error.detail:
                raise PermanentProviderError(
                    SERVICE,
                    "the character quota is spent (top up or upgrade the plan)",
                    status=error.status,
                    detail=error.detail,
                ) from error
            raise

    def _audio(self, answer: dict[str, Any], out_wav: Path) -> tuple[Pcm, int]:
        """Decode `audio_base64` into `out_wav`; returns its samples and rate.

        The JSON parsed, so the body arrived whole (a cut or garbled body is retried by the
        kit): audio that is missing or undecodable here is the provider's fault, permanent.
        """
        encoded = answer.get("audio_base64")
        if not isinstance(encoded, str) or not encoded:
            raise PermanentProviderError(SERVICE, "the answer has no audio_base64")
        try:
            audio = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise PermanentProviderError(
                SERVICE, "the answer's audio_base64 is not base64", detail=encoded[:40]
            ) from None
        match = _OUTPUT_FORMAT.match(self.settings.output_format)
        assert match is not None  # the settings validated it
        if match.group(2) is not None:
            rate = int(match.group(2))
            pcm = pcm16(SERVICE, audio)
            write_wav(out_wav, pcm, rate)
            return pcm, rate
        return _decode_with_ffmpeg(audio, out_wav)


def _decode_with_ffmpeg(audio: bytes, out_wav: Path) -> tuple[Pcm, int]:
    """Compressed audio (MP3) to a mono 16-bit WAV at the audio's own sample rate."""
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    source = out_wav.with_name(out_wav.name + ".download")
    try:
        source.write_bytes(audio)
        run_ffmpeg(
            ["-i", str(source), "-vn", "-ac", "1", "-c:a", "pcm_s16le", str(out_wav)],
            timeout=FFMPEG_TIMEOUT_S,
            what="decoding the ElevenLabs audio",
        )
        pcm, rate = read_wav(out_wav)
    except MediaError as error:
        out_wav.unlink(missing_ok=True)
        raise PermanentProviderError(
            SERVICE, "the answer's audio could not be decoded", detail=error.message
        ) from error
    finally:
        source.unlink(missing_ok=True)
    if pcm.size == 0:
        raise PermanentProviderError(SERVICE, "the answer's audio is empty")
    return pcm, rate


def character_times(block: Any) -> CharacterTimes | None:
    """The alignment's characters and times, or None if it is missing or malformed
    (arrays of different lengths, times that are not finite non-negative numbers)."""
    if not isinstance(block, dict):
        return None
    characters = block.get("characters")
    starts = block.get("character_start_times_seconds")
    ends = block.get("character_end_times_seconds")
    if not (isinstance(characters, list) and isinstance(starts, list) and isinstance(ends, list)):
        return None
    if not characters or not len(characters) == len(starts) == len(ends):
        return None
    text: list[str] = []
    flat_starts: list[float] = []
    flat_ends: list[float] = []
    for char, start, end in zip(characters, starts, ends, strict=True):
        if not isinstance(char, str) or not _is_time(start) or not _is_time(end):
            return None
        # An entry is documented as one character; a longer one times all of its characters.
        for single in char:
            text.append(single)
            flat_starts.append(float(start))
            flat_ends.append(float(max(start, end)))
    return CharacterTimes("".join(text), flat_starts, flat_ends)


def _is_time(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def engine_timings(text: str, times: CharacterTimes, duration: float) -> list[WordTiming] | None:
    """Each whitespace-split word of `text` timed by its characters in `times`, or None if
    too little of `text` is found there (see the module doc)."""
    if times.text == text:
        position: list[int | None] = list(range(len(text)))
    else:
        position = [None] * len(text)
        matcher = difflib.SequenceMatcher(None, text, times.text, autojunk=False)
        for block in matcher.get_matching_blocks():
            if block.size < MIN_MATCHED_RUN:
                continue
            for offset in range(block.size):
                position[block.a + offset] = block.b + offset
    words: list[str] = []
    spans: list[tuple[float, float] | None] = []
    letters = matched = 0
    for found in _WORD.finditer(text):
        inside = [p for p in position[found.start() : found.end()] if p is not None]
        letters += found.end() - found.start()
        matched += len(inside)
        words.append(found.group())
        # A word runs from its first character's start to its last character's end.
        spans.append((times.starts[inside[0]], times.ends[inside[-1]]) if inside else None)
    if not words or matched < MIN_MATCHED_SHARE * letters:
        return None
    return in_order(fill_untimed(words, spans, 0.0, duration), duration)
