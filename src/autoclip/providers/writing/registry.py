"""The script writers by name: `offline`, `gemini`, `openai`. Chains of them are put
together and tried by `autoclip.pipeline.chains`."""

from __future__ import annotations

from autoclip.providers.cloud.http import Meter
from autoclip.providers.text.gemini import GeminiScriptWriter
from autoclip.providers.text.openai import OpenAIScriptWriter
from autoclip.providers.writing.base import ScriptWriter
from autoclip.script.offline import OfflineScriptWriter
from autoclip.settings import Settings

WRITERS = ("offline", "gemini", "openai")


def script_writer(name: str, settings: Settings, meter: Meter | None = None) -> ScriptWriter:
    """The writer called `name`, its paid calls reported to `meter`. Raises
    `ConfigurationError` when it needs a setting (a key) that is not given."""
    if name == "gemini":
        return GeminiScriptWriter(settings.gemini_settings(), meter=meter)
    if name == "openai":
        return OpenAIScriptWriter(settings.openai_settings(), meter=meter)
    return OfflineScriptWriter()
