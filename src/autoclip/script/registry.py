"""The script writers by name: `offline`, `gemini`, `openai`. Chains of them are put
together and tried by `autoclip.pipeline.providers`."""

from __future__ import annotations

from autoclip.providers.gemini import GeminiScriptWriter
from autoclip.providers.http import Meter
from autoclip.providers.openai_compat import OpenAIScriptWriter
from autoclip.script.offline import OfflineScriptWriter
from autoclip.script.writer import ScriptWriter
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
