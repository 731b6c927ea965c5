"""Narration from Google Cloud Text-to-Speech, with the time of every word from SSML marks.

Wire format (https://cloud.google.com/text-to-speech/docs/reference/rest/v1beta1/text/synthesize):

    POST {base_url}/v1beta1/text:synthesize
    X-Goog-Api-Key: {api_key}            or   Authorization: Bearer {access_token}
    {"input": {"ssml": "<speak><mark name=\"w0\"/>오늘 <mark name=\"w1\"/>밤</speak>"},
     "voice": {"languageCode": "ko-KR", "name": "ko-KR-Neural2-A"},
     "audioConfig": {"audioEncoding": "LINEAR16", "sampleRateHertz": 24000,
                     "speakingRate": 1.0, "pitch": 0.0},
     "enableTimePointing": ["SSML_MARK"]}

    200 {"audioContent": "<base64 of a WAV file: LINEAR16 comes with its header>",
         "timepoints": [{"markName": "w0", "timeSeconds": 0.05}, ...],
         "audioConfig": {...}}
    4xx/5xx {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT",
                       "details": [...]}}           (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE)

    GET {base_url}/v1/voices?languageCode=ko-KR
    200 {"voices": [{"languageCodes": ["ko-KR"], "name": "ko-KR-Neural2-A",
                     "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000}, ...]}

Timings: a `<mark>` goes before each whitespace-split word (an eojeol in Korean), and the
service answers the time it reached each mark: a word starts at its mark and ends where
the next word's mark is (the last one where the voice falls silent). Words whose mark is
missing share the span of the timed word before them (`spread_words`, by spoken weight).
Chirp 3 HD voices take no SSML, so they get plain text, and their words (or those of an
answer without usable timepoints) are found in the audio by the aligner, as for every
audio-only voice (`narration.align.timings_from_audio`). The key travels in a header,
never in `?key=`.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from autoclip.options import Language
from autoclip.providers.cloud.errors import PermanentProviderError, ProviderError
from autoclip.providers.cloud.http import HttpProvider, ServiceSettings, bearer
from autoclip.providers.narration.align import timings_from_audio
from autoclip.providers.narration.base import (
    NarratorName,
    SceneNarration,
    TimingSource,
    Voice,
    VoiceRequest,
    WordTiming,
)
from autoclip.providers.narration.speech import (
    base64_audio,
    pcm16,
    requested_voice,
    speakable,
    wav_samples,
)
from autoclip.providers.narration.timing import (
    in_order,
    spread_words,
    voiced_span,
)
from autoclip.providers.narration.track import Pcm, write_wav

SERVICE = "google-tts"
DEFAULT_BASE_URL = "https://texttospeech.googleapis.com"
SYNTHESIZE_PATH = "/v1beta1/text:synthesize"  # time pointing is a v1beta1 feature
VOICES_PATH = "/v1/voices"
VOICE_PREFIX = "google:"
SAMPLE_RATE = 24000  # every Neural2, WaveNet and Chirp 3 HD voice's natural rate
# Neural2 voices: the most natural of those that take SSML marks.
DEFAULT_VOICES: dict[Language, str] = {
    Language.KO: "ko-KR-Neural2-A",  # female
    Language.EN: "en-US-Neural2-J",  # male
}
LANGUAGE_CODES: dict[Language, str] = {Language.KO: "ko-KR", Language.EN: "en-US"}
# Listed while voices.list cannot be fetched: voices the service has had for years.
KNOWN_VOICES: dict[Language, tuple[str, ...]] = {
    Language.KO: (
        "ko-KR-Neural2-A", "ko-KR-Neural2-B", "ko-KR-Neural2-C", "ko-KR-Wavenet-A",
        "ko-KR-Wavenet-B", "ko-KR-Wavenet-C", "ko-KR-Wavenet-D",
    ),
    Language.EN: (
        "en-US-Neural2-A", "en-US-Neural2-C", "en-US-Neural2-F", "en-US-Neural2-J",
        "en-US-Wavenet-D", "en-US-Wavenet-F",
    ),
}  # fmt: skip
NATURAL_FAMILIES = ("-Neural2-", "-Wavenet-", "-Chirp3-HD-")
# How long a fetched voice list is kept: voices are added a few times a year.
VOICE_LIST_TTL_S = 3600.0
# Changes when the timing rules below change, so that cached narrations are remade.
TIMING_VERSION = 2  # 2: aligned when there are no marks

_VOICE_NAME = re.compile(r"^([a-z]{2,3}-[A-Z]{2})-[A-Za-z0-9-]{1,60}$")


class GoogleTTSSettings(ServiceSettings):
    api_key: SecretStr | None = None
    access_token: SecretStr | None = None  # a service account's OAuth token instead
    base_url: str = DEFAULT_BASE_URL
    voice: str | None = None  # None: the language's default (DEFAULT_VOICES)
    speaking_rate: float = Field(default=1.0, ge=0.25, le=4.0)
    pitch: float = Field(default=0.0, ge=-20.0, le=20.0)  # semitones

    @model_validator(mode="after")
    def _one_credential(self) -> GoogleTTSSettings:
        if self.api_key is None and self.access_token is None:
            raise ValueError("an API key or an access token is needed")
        return self

    @field_validator("voice")
    @classmethod
    def _voice_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().removeprefix(VOICE_PREFIX)
        if not _VOICE_NAME.match(value):
            raise ValueError("a voice name such as ko-KR-Neural2-A")
        return value


@dataclass(frozen=True)
class GoogleVoice:
    """One voice of `voices.list`."""

    name: str
    language_codes: tuple[str, ...]
    gender: str
    sample_rate: int


log = logging.getLogger("autoclip.providers")
# voices.list answers, by base URL and language code, with when they were fetched.
_VOICE_LISTS: dict[tuple[str, str], tuple[float, list[GoogleVoice]]] = {}
_VOICE_LISTS_LOCK = threading.Lock()


def language_code(voice: str) -> str:
    """The BCP-47 code a voice name starts with: ko-KR of ko-KR-Neural2-A."""
    match = _VOICE_NAME.match(voice)
    assert match is not None  # voice_for checked it
    return match.group(1)


def _natural(voice: str) -> bool:
    return any(family in voice for family in NATURAL_FAMILIES)


def takes_ssml(voice: str) -> bool:
    """Chirp 3 HD voices read plain text only (no SSML, so no marks)."""
    return "-Chirp" not in voice


class GoogleNarrator(HttpProvider[GoogleTTSSettings]):
    """Narrates with Google Cloud Text-to-Speech; see the module doc for the wire format."""

    name = NarratorName.GOOGLE
    service = SERVICE

    def auth_headers(self) -> dict[str, str]:
        if self.settings.api_key is not None:
            return {"X-Goog-Api-Key": self.settings.api_key.get_secret_value()}
        return bearer(self.settings.access_token)

    def voice_for(self, request: VoiceRequest) -> str:
        """The request's `google:<voice>`, else the configured voice, else the language's.
        Voices of other engines are ignored rather than sent."""
        voice = requested_voice(request, VOICE_PREFIX, _VOICE_NAME, "a Google voice name")
        if voice is not None:
            return voice
        return self.settings.voice or DEFAULT_VOICES[request.language]

    def identity(self, request: VoiceRequest) -> str:
        settings = self.settings
        text_hash = hashlib.sha256(request.text.encode()).hexdigest()[:16]
        return (
            f"{SERVICE}/{urlsplit(settings.base_url).netloc}/{self.voice_for(request)}"
            f"/rate-{settings.speaking_rate:g}/pitch-{settings.pitch:g}"
            f"/timing-{TIMING_VERSION}/{text_hash}"
        )

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        text, words = speakable(request)
        voice = self.voice_for(request)
        marked = takes_ssml(voice)
        body: dict[str, Any] = {
            "input": {"ssml": marked_ssml(words)} if marked else {"text": text},
            "voice": {"languageCode": language_code(voice), "name": voice},
            "audioConfig": {
                "audioEncoding": "LINEAR16",
                "sampleRateHertz": SAMPLE_RATE,
                "speakingRate": self.settings.speaking_rate,
                "pitch": self.settings.pitch,
            },
        }
        if marked:
            body["enableTimePointing"] = ["SSML_MARK"]
        answer = self.http.post_json(SYNTHESIZE_PATH, body)
        # Billed by the characters of the text; <mark> tags are not billed.
        self.http.report_usage({"requests": 1, "characters": len(text)})
        pcm, rate = self._audio(answer)
        write_wav(out_wav, pcm, rate)
        timings = mark_timings(words, answer.get("timepoints"), pcm, rate) if marked else None
        source = TimingSource.ENGINE
        if timings is None:
            timings, source = timings_from_audio(text, pcm, rate, request.language)
        return SceneNarration(
            wav_path=out_wav,
            sample_rate=rate,
            duration=pcm.size / rate,
            words=timings,
            timing_source=source,
        )

    def _audio(self, answer: dict[str, Any]) -> tuple[Pcm, int]:
        audio = base64_audio(SERVICE, answer.get("audioContent"), "audioContent")
        if audio.startswith(b"RIFF"):
            return wav_samples(SERVICE, audio)
        # LINEAR16 is documented with its WAV header; raw samples are read as they are.
        return pcm16(SERVICE, audio), SAMPLE_RATE

    def voices(self, language: Language) -> list[Voice]:
        """The natural voices `voices.list` has for `language` (one call an hour at most,
        the voices known here while it fails), the one used by default first."""
        default = self.settings.voice or DEFAULT_VOICES[language]
        names = [voice.name for voice in self.listed_voices(language)]
        if default.startswith(LANGUAGE_CODES[language]):
            names = [default, *(name for name in names if name != default)]
        return [
            Voice(self.name, f"{VOICE_PREFIX}{name}", f"{name} (Google)", language)
            for name in names
        ]

    def listed_voices(self, language: Language) -> list[GoogleVoice]:
        """The service's natural voices for `language` (`voices.list`: Neural2, WaveNet and
        Chirp 3 HD; the robotic Standard ones are left out), fetched at most once an hour
        per process; the voices known here (`KNOWN_VOICES`) while the service cannot say."""
        code = LANGUAGE_CODES[language]
        key = (self.settings.base_url, code)
        with _VOICE_LISTS_LOCK:
            cached = _VOICE_LISTS.get(key)
        if cached is not None and time.monotonic() - cached[0] < VOICE_LIST_TTL_S:
            return cached[1]
        try:
            answer = self.http.get_json(VOICES_PATH, {"languageCode": code})
            listed = [voice for voice in parse_voice_list(answer) if _natural(voice.name)]
        except ProviderError as error:
            log.warning("google-tts: no voice list (%s); the known voices are listed", error)
            return [GoogleVoice(name, (code,), "", SAMPLE_RATE) for name in KNOWN_VOICES[language]]
        with _VOICE_LISTS_LOCK:
            _VOICE_LISTS[key] = (time.monotonic(), listed)
        return listed


def marked_ssml(words: list[str]) -> str:
    """`<speak>` with `<mark name="w{i}"/>` before word i, each word XML-escaped."""
    # html.escape: &, <, > and quotes as XML character references (SSML is XML).
    marked = " ".join(
        f'<mark name="w{index}"/>{html.escape(word)}' for index, word in enumerate(words)
    )
    return f"<speak>{marked}</speak>"


def mark_timings(words: list[str], timepoints: Any, pcm: Pcm, rate: int) -> list[WordTiming] | None:
    """Each word from its mark to the next word's mark (the last to the end of the voice),
    or None when the answer has no usable timepoints."""
    if not isinstance(timepoints, list):
        return None
    duration = pcm.size / rate
    starts: dict[int, float] = {}
    for point in timepoints:
        if not isinstance(point, dict):
            continue
        name, seconds = point.get("markName"), point.get("timeSeconds", 0.0)
        if not (isinstance(name, str) and re.fullmatch(r"w\d+", name)):
            continue
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            continue
        index = int(name[1:])
        if 0 <= index < len(words) and 0 <= seconds <= duration:
            starts[index] = float(seconds)
    if not starts:
        return None
    voice_start, voice_end = voiced_span(pcm)
    end_of_voice = max(voice_end / rate if voice_end else duration, max(starts.values()))
    # A timed word and the untimed ones after it share the span up to the next mark;
    # untimed words before the first mark share the span from where the voice starts.
    anchors = sorted(starts)
    timings: list[WordTiming] = []
    if anchors[0] > 0:
        first = min(voice_start / rate, starts[anchors[0]])
        timings.extend(spread_words(words[: anchors[0]], first, starts[anchors[0]]))
    for number, index in enumerate(anchors):
        following = anchors[number + 1] if number + 1 < len(anchors) else len(words)
        end = starts[following] if following < len(words) else end_of_voice
        timings.extend(spread_words(words[index:following], starts[index], end))
    return in_order(timings, duration)


def parse_voice_list(answer: dict[str, Any]) -> list[GoogleVoice]:
    """The voices of a `voices.list` answer; entries not of the documented shape are
    skipped, and an answer with no `voices` list is the provider's error."""
    voices = answer.get("voices")
    if not isinstance(voices, list):
        raise PermanentProviderError(SERVICE, "the voice list has no voices array")
    listed: list[GoogleVoice] = []
    for entry in voices:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        codes = entry.get("languageCodes")
        rate = entry.get("naturalSampleRateHertz")
        listed.append(
            GoogleVoice(
                name=entry["name"],
                language_codes=tuple(c for c in codes if isinstance(c, str))
                if isinstance(codes, list)
                else (),
                gender=str(entry.get("ssmlGender") or "SSML_VOICE_GENDER_UNSPECIFIED"),
                sample_rate=rate if isinstance(rate, int) else 0,
            )
        )
    return sorted(listed, key=lambda voice: voice.name)
