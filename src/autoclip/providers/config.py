"""What an operator sets per cloud provider: one group of settings per service account.

Each group is a nested part of `autoclip.settings.Settings`, set as
`AUTOCLIP_<PROVIDER>__<FIELD>` (`AUTOCLIP_ELEVENLABS__STABILITY=0.4`). One account may
serve several capabilities (Gemini writes scripts and draws images with one key), so the
groups are per provider, not per capability; the registries (`providers/*/registry.py`)
build each backend's own settings from them.

`FLAT_FIELDS` are the spellings from before the groups existed, `AUTOCLIP_<PROVIDER>_<FIELD>`
(`AUTOCLIP_ELEVENLABS_STABILITY`): they keep working. New fields are nested only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr

from autoclip.providers.cloud.http import CallSettings

OPENAI_HOST = "api.openai.com"


class ProviderConfig(CallSettings):
    """A provider's account, and how long and how often its calls are tried
    (`AUTOCLIP_GEMINI__TIMEOUT_S`, `__MAX_ATTEMPTS`, `__DEADLINE_S`)."""

    # A misspelt field (`AUTOCLIP_ELEVENLABS__STABILTY`) is an error, not silently unused.
    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = None

    def calls(self) -> dict[str, Any]:
        """The call settings, as keyword arguments of a backend's own settings."""
        return {name: getattr(self, name) for name in CallSettings.model_fields}


class GeminiConfig(ProviderConfig):
    base_url: str = "https://generativelanguage.googleapis.com"
    model: str = Field(default="gemini-2.5-flash", description="Writes scripts.")
    image_model: str = Field(default="gemini-2.5-flash-image", description="Draws scenes.")
    speech_model: str = Field(
        default="gemini-3.8-flash-tts", description="Narrates (the gemini narrator)."
    )
    voice: str | None = Field(
        default=None, description="A prebuilt voice such as Kore; default: one per language."
    )


class OpenAIConfig(ProviderConfig):
    """OpenAI, or any server speaking its protocol (Ollama, vLLM, LM Studio, Kokoro)."""

    api_key: SecretStr | None = Field(
        default=None, description="Not needed by local servers (Ollama, vLLM, LM Studio)."
    )
    base_url: str = "https://api.openai.com"
    model: str = Field(default="gpt-4o-mini", description="Writes scripts.")
    speech_model: str = "gpt-4o-mini-tts"
    voice: str | None = Field(default=None, description="Default: one per language.")

    @property
    def usable(self) -> bool:
        """OpenAI's own API needs a key; a server named by another base URL (Ollama, vLLM
        on this machine) may take none. So keyless means a base URL set to such a server:
        an install with neither does not count OpenAI as configured."""
        return self.api_key is not None or urlsplit(self.base_url).hostname != OPENAI_HOST


class ElevenLabsConfig(ProviderConfig):
    base_url: str = "https://api.elevenlabs.io"
    model: str = "eleven_multilingual_v2"
    voice_id: str | None = Field(
        default=None, description="Default: a premade voice per vertical and language."
    )
    stability: float = Field(default=0.5, ge=0, le=1)
    similarity_boost: float = Field(default=0.75, ge=0, le=1)
    style: float = Field(default=0.0, ge=0, le=1)
    speaker_boost: bool = True


class GoogleTTSConfig(ProviderConfig):
    """Google Cloud Text-to-Speech: an API key, or a service account's OAuth access token."""

    api_key: SecretStr | None = Field(default=None, description="Or access_token.")
    access_token: SecretStr | None = Field(
        default=None, description="A bearer token (gcloud auth print-access-token)."
    )
    base_url: str = "https://texttospeech.googleapis.com"
    voice: str | None = Field(
        default=None, description="Such as ko-KR-Neural2-A; default: one per language."
    )
    speaking_rate: float = Field(default=1.0, ge=0.25, le=4.0)
    pitch: float = Field(default=0.0, ge=-20.0, le=20.0, description="Semitones.")


class ClovaConfig(ProviderConfig):
    """NAVER CLOVA Voice Premium: an application's client id and secret."""

    client_id: str | None = None
    client_secret: SecretStr | None = None
    base_url: str = "https://naveropenapi.apigw.ntruss.com"
    speaker: str | None = Field(default=None, description="Such as nara; default per language.")
    speed: int = Field(default=0, ge=-5, le=5, description="-5 fastest (2x), 5 slowest.")
    pitch: int = Field(default=0, ge=-5, le=5)
    volume: int = Field(default=0, ge=-5, le=5)


class PexelsConfig(ProviderConfig):
    base_url: str = "https://api.pexels.com"


# The groups, by their name in `Settings` and in variables (AUTOCLIP_GEMINI__MODEL).
GROUPS: dict[str, type[ProviderConfig]] = {
    "gemini": GeminiConfig,
    "openai": OpenAIConfig,
    "elevenlabs": ElevenLabsConfig,
    "google_tts": GoogleTTSConfig,
    "clova": ClovaConfig,
    "pexels": PexelsConfig,
}
# The fields each group had as flat variables (AUTOCLIP_GEMINI_API_KEY): kept as they are.
FLAT_FIELDS: dict[str, tuple[str, ...]] = {
    "gemini": ("api_key", "base_url", "model", "image_model"),
    "openai": ("api_key", "base_url", "model", "speech_model", "voice"),
    "elevenlabs": (
        "api_key",
        "base_url",
        "model",
        "voice_id",
        "stability",
        "similarity_boost",
        "style",
        "speaker_boost",
    ),
    "pexels": ("api_key", "base_url"),
    # Named so by the issue that added them (AUTOCLIP_GOOGLE_TTS_API_KEY,
    # AUTOCLIP_CLOVA_CLIENT_ID); their other fields are nested only.
    "google_tts": ("api_key", "base_url"),
    "clova": ("client_id", "client_secret", "base_url"),
}
