"""Narration from NAVER CLOVA Voice Premium: the Korean voices Korean creators know.

Wire format (https://api.ncloud-docs.com/docs/en/ai-naver-clovavoice-ttspremium):

    POST {base_url}/tts-premium/v1/tts
    X-NCP-APIGW-API-KEY-ID: {client_id}
    X-NCP-APIGW-API-KEY: {client_secret}
    Content-Type: application/x-www-form-urlencoded
    speaker=nara&text=...&volume=0&speed=0&pitch=0&format=wav&sampling-rate=24000

    200 the audio: a WAV file (format=wav) or MP3 (the default)
    4xx/5xx {"error": {"errorCode": "VS05", "message": "text parameter is needed."}}
            the gateway's own: 401 {"error": {"errorCode": "200", "message":
            "Authentication Failed"}}, 429 "400" Quota Exceeded / "420" Rate Limited,
            503 "500" Endpoint Error, 504 "510" Endpoint Timeout

`speed` runs from -5 (twice as fast) to 5 (half as fast), `pitch` and `volume` -5 to 5.
The text may be at most 2,000 characters, which a scene never nears; a longer one is
refused before any call. WAV at 24 kHz is asked for: no decoder, sample-exact.

Timings: the answer has none, so the words are found in the audio by the aligner
(`narration.align.timings_from_audio`: `TimingSource.ALIGNED`, or spread over the voiced
span when it refuses), as for every audio-only voice.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from autoclip.errors import InputError
from autoclip.options import Language
from autoclip.providers.cloud.http import HttpProvider, ServiceSettings
from autoclip.providers.narration.align import timings_from_audio
from autoclip.providers.narration.base import NarratorName, SceneNarration, Voice, VoiceRequest
from autoclip.providers.narration.speech import requested_voice, speakable, wav_samples
from autoclip.providers.narration.track import write_wav

SERVICE = "clova"
DEFAULT_BASE_URL = "https://naveropenapi.apigw.ntruss.com"
PATH = "/tts-premium/v1/tts"
VOICE_PREFIX = "clova:"
SAMPLE_RATE = 24000
MAX_CHARACTERS = 2000
DEFAULT_VOICES: dict[Language, str] = {
    Language.KO: "nara",  # 아라: the best-known Korean female voice
    Language.EN: "clara",  # an English female voice
}
# Speakers of each language, from the Premium API's list (a few of its many).
SPEAKERS: dict[Language, tuple[str, ...]] = {
    Language.KO: (
        "nara", "nminyoung", "nyejin", "mijin", "jinho", "nminsang", "nsinu", "njiyun",
        "nsujin", "njinho", "njihun", "njooahn", "nseonghoon", "njihwan", "nsiyoon", "ngaram",
        "vara", "vmikyung", "vdain", "vyuna", "vgoeun", "vdaeseong",
    ),
    Language.EN: ("clara", "matt", "danna", "djoey"),
}  # fmt: skip
TIMING_VERSION = 2  # 2: aligned

_SPEAKER = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class ClovaSettings(ServiceSettings):
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    base_url: str = DEFAULT_BASE_URL
    speaker: str | None = None  # None: the language's default (DEFAULT_VOICES)
    speed: int = Field(default=0, ge=-5, le=5)
    pitch: int = Field(default=0, ge=-5, le=5)
    volume: int = Field(default=0, ge=-5, le=5)

    @field_validator("speaker")
    @classmethod
    def _speaker_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().removeprefix(VOICE_PREFIX)
        if not _SPEAKER.match(value):
            raise ValueError("a speaker such as nara")
        return value


class ClovaNarrator(HttpProvider[ClovaSettings]):
    """Narrates with CLOVA Voice Premium; see the module doc for the wire format."""

    name = NarratorName.CLOVA
    service = SERVICE

    def auth_headers(self) -> dict[str, str]:
        return {
            "X-NCP-APIGW-API-KEY-ID": self.settings.client_id,
            "X-NCP-APIGW-API-KEY": self.settings.client_secret.get_secret_value(),
        }

    def voice_for(self, request: VoiceRequest) -> str:
        voice = requested_voice(request, VOICE_PREFIX, _SPEAKER, "a CLOVA speaker")
        if voice is not None:
            return voice
        return self.settings.speaker or DEFAULT_VOICES[request.language]

    def identity(self, request: VoiceRequest) -> str:
        s = self.settings
        text_hash = hashlib.sha256(request.text.encode()).hexdigest()[:16]
        return (
            f"{SERVICE}/{urlsplit(s.base_url).netloc}/{self.voice_for(request)}"
            f"/speed{s.speed}/pitch{s.pitch}/volume{s.volume}"
            f"/timing-{TIMING_VERSION}/{text_hash}"
        )

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        text, _words = speakable(request)
        if len(text) > MAX_CHARACTERS:
            raise InputError(
                "narration",
                f"a scene of {len(text)} characters is more than CLOVA's {MAX_CHARACTERS}",
            )
        s = self.settings
        form = {
            "speaker": self.voice_for(request),
            "text": text,
            "volume": s.volume,
            "speed": s.speed,
            "pitch": s.pitch,
            "format": "wav",
            "sampling-rate": SAMPLE_RATE,
        }
        # NAVER documents the body, not its Content-Type (audio/wav or octet-stream): any
        # is taken, and what is not a WAV file (a proxy's page) fails as one.
        audio = self.http.post_bytes(PATH, form, form=True, accept="")
        self.http.report_usage({"requests": 1, "characters": len(text)})
        pcm, rate = wav_samples(SERVICE, audio)
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
        """The Premium speakers of `language`, the one used by default first."""
        default = self.settings.speaker or DEFAULT_VOICES[language]
        names = [default, *(name for name in SPEAKERS[language] if name != default)]
        return [
            Voice(self.name, f"{VOICE_PREFIX}{name}", f"{name} (CLOVA)", language) for name in names
        ]
