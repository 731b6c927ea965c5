"""The narrators by name, and the voices a user may choose from.

`narrator(name, ...)` builds one link of a narrator chain for a language, or None when
that narrator does not speak it (the bundled Piper voice is English only). A voice option
is either a local voice (`joe`, `espeak:<voice>`, a Piper `.onnx` model), used alone, or
a cloud voice (`elevenlabs:<voice id>`, `openai:<voice>`, `google:<voice>`,
`gemini:<voice>`, `clova:<speaker>`) that puts its narrator first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from autoclip.errors import ConfigurationError, InputError
from autoclip.options import Language
from autoclip.providers.cloud.http import Meter
from autoclip.providers.narration.base import Narrator, NarratorName
from autoclip.providers.narration.clova import VOICE_PREFIX as CLOVA_VOICE
from autoclip.providers.narration.clova import ClovaNarrator, ClovaSettings
from autoclip.providers.narration.elevenlabs import VOICE_PREFIX as ELEVENLABS_VOICE
from autoclip.providers.narration.elevenlabs import ElevenLabsNarrator, ElevenLabsSettings
from autoclip.providers.narration.espeak import ESPEAK_PREFIX, EspeakNarrator, has_voice
from autoclip.providers.narration.gemini import VOICE_PREFIX as GEMINI_VOICE
from autoclip.providers.narration.gemini import GeminiNarrator, GeminiSpeechSettings
from autoclip.providers.narration.google import VOICE_PREFIX as GOOGLE_VOICE
from autoclip.providers.narration.google import GoogleNarrator, GoogleTTSSettings
from autoclip.providers.narration.openai import VOICE_PREFIX as OPENAI_VOICE
from autoclip.providers.narration.openai import OpenAISpeechNarrator, OpenAISpeechSettings
from autoclip.providers.narration.piper import PiperNarrator
from autoclip.settings import Settings

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
ESPEAK_DEFAULT = {Language.KO: "ko", Language.EN: "en-us"}
# A voice option naming a cloud voice picks that narrator: "elevenlabs:<voice id>".
CLOUD_VOICE_PREFIXES = {
    ELEVENLABS_VOICE: NarratorName.ELEVENLABS,
    OPENAI_VOICE: NarratorName.OPENAI,
    GOOGLE_VOICE: NarratorName.GOOGLE,
    GEMINI_VOICE: NarratorName.GEMINI,
    CLOVA_VOICE: NarratorName.CLOVA,
}
_CLOUD_VOICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def voice_choices() -> list[str]:
    return [*VOICES, "espeak:<voice>", "<path to a Piper model>.onnx"]


def narrator_for(language: Language, voice: str | None) -> Narrator:
    """The local narrator for `language`, or for the explicitly chosen `voice`.

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


def cloud_narrator_of(voice: str) -> NarratorName | None:
    """The cloud narrator a voice option names (`elevenlabs:<id>`), or None for a local one."""
    for prefix, name in CLOUD_VOICE_PREFIXES.items():
        if voice.startswith(prefix):
            return name
    return None


def check_voice(language: Language, voice: str) -> None:
    """Raise `InputError("voice")` for a voice no narrator has: a cloud voice must name a
    plain voice id, a local one must exist."""
    provider = cloud_narrator_of(voice)
    if provider is None:
        narrator_for(language, voice)
    elif not _CLOUD_VOICE.fullmatch(voice.split(":", 1)[1]):
        raise InputError("voice", f"not a {provider} voice name: {voice!r}")


Build = Callable[[Settings, Language, Meter | None], Narrator | None]


def _piper(_settings: Settings, language: Language, _meter: Meter | None) -> Narrator | None:
    # The bundled Piper voice is English; Korean goes to the next in the chain.
    return PiperNarrator() if language is Language.EN else None


def _espeak(_settings: Settings, language: Language, _meter: Meter | None) -> Narrator:
    return EspeakNarrator(ESPEAK_DEFAULT[language])


def _elevenlabs(settings: Settings, _language: Language, meter: Meter | None) -> Narrator:
    config = settings.elevenlabs
    if config.api_key is None:
        raise ConfigurationError("the elevenlabs narrator needs AUTOCLIP_ELEVENLABS_API_KEY")
    return ElevenLabsNarrator(
        ElevenLabsSettings(
            **config.calls(),
            api_key=config.api_key,
            base_url=config.base_url,
            model=config.model,
            voice_id=config.voice_id,
            stability=config.stability,
            similarity_boost=config.similarity_boost,
            style=config.style,
            use_speaker_boost=config.speaker_boost,
        ),
        meter=meter,
    )


def _openai(settings: Settings, _language: Language, meter: Meter | None) -> Narrator:
    config = settings.openai
    if not config.usable:
        raise ConfigurationError(
            "the openai narrator needs AUTOCLIP_OPENAI_API_KEY (or AUTOCLIP_OPENAI_BASE_URL "
            "set to a local server that takes no key)"
        )
    return OpenAISpeechNarrator(
        OpenAISpeechSettings(
            **config.calls(),
            api_key=config.api_key,
            base_url=config.base_url,
            model=config.speech_model,
            voice=config.voice,
        ),
        meter=meter,
    )


def _google(settings: Settings, _language: Language, meter: Meter | None) -> Narrator:
    config = settings.google_tts
    if config.api_key is None and config.access_token is None:
        raise ConfigurationError(
            "the google narrator needs AUTOCLIP_GOOGLE_TTS_API_KEY"
            " (or AUTOCLIP_GOOGLE_TTS__ACCESS_TOKEN)"
        )
    return GoogleNarrator(
        GoogleTTSSettings(
            **config.calls(),
            api_key=config.api_key,
            access_token=config.access_token,
            base_url=config.base_url,
            voice=config.voice,
            speaking_rate=config.speaking_rate,
            pitch=config.pitch,
        ),
        meter=meter,
    )


def _gemini(settings: Settings, _language: Language, meter: Meter | None) -> Narrator:
    config = settings.gemini
    if config.api_key is None:
        raise ConfigurationError("the gemini narrator needs AUTOCLIP_GEMINI_API_KEY")
    return GeminiNarrator(
        GeminiSpeechSettings(
            **config.calls(),
            api_key=config.api_key,
            base_url=config.base_url,
            model=config.speech_model,
            voice=config.voice,
        ),
        meter=meter,
    )


def _clova(settings: Settings, _language: Language, meter: Meter | None) -> Narrator:
    config = settings.clova
    if not config.client_id or config.client_secret is None:
        raise ConfigurationError(
            "the clova narrator needs AUTOCLIP_CLOVA_CLIENT_ID and AUTOCLIP_CLOVA_CLIENT_SECRET"
        )
    return ClovaNarrator(
        ClovaSettings(
            **config.calls(),
            client_id=config.client_id,
            client_secret=config.client_secret,
            base_url=config.base_url,
            speaker=config.speaker,
            speed=config.speed,
            pitch=config.pitch,
            volume=config.volume,
        ),
        meter=meter,
    )


NARRATORS: dict[NarratorName, Build] = {
    NarratorName.PIPER: _piper,
    NarratorName.ESPEAK: _espeak,
    NarratorName.ELEVENLABS: _elevenlabs,
    NarratorName.OPENAI: _openai,
    NarratorName.GOOGLE: _google,
    NarratorName.GEMINI: _gemini,
    NarratorName.CLOVA: _clova,
}


def narrator(
    name: NarratorName, settings: Settings, language: Language, meter: Meter | None = None
) -> Narrator | None:
    """The narrator called `name` for `language`, or None when it does not speak it.
    `ConfigurationError` when it needs a setting (a key) that is not given."""
    return NARRATORS[name](settings, language, meter)
