"""Which script writer writes: `AUTOCLIP_SCRIPT_WRITER`, a name or a comma-separated
fallback chain (`gemini,openai,offline`).

A chain tries each writer in turn. It moves on when a provider cannot be reached or keeps
failing (retries exhausted, circuit open), when the content's budget is spent, and when a
writer cannot take the input (the offline writer and a topic); a permanent refusal (bad
key, a policy block) ends it, because the next writer would not make that right either.
"""

from __future__ import annotations

import logging

from autoclip.errors import ConfigurationError
from autoclip.options import GenerateOptions
from autoclip.providers.errors import ProviderError, RetriableProviderError, moves_on
from autoclip.providers.gemini import GeminiScriptWriter
from autoclip.providers.http import Meter
from autoclip.providers.openai_compat import OpenAIScriptWriter
from autoclip.script.model import Script
from autoclip.script.offline import OfflineScriptWriter
from autoclip.script.writer import ScriptWriter, SourceMaterial
from autoclip.settings import Settings

WRITERS = ("offline", "gemini", "openai")
log = logging.getLogger("autoclip.script")


def writer_names(settings: Settings) -> list[str]:
    names = [n.strip() for n in settings.script_writer.split(",") if n.strip()]
    unknown = [n for n in names if n not in WRITERS]
    if not names or unknown:
        raise ConfigurationError(
            f"AUTOCLIP_SCRIPT_WRITER: unknown writer {', '.join(unknown) or '(none)'} "
            f"(choose from {', '.join(WRITERS)}, or a comma-separated chain)"
        )
    return names


def takes_topics(settings: Settings) -> bool:
    """Whether any writer in the chain can write from a topic alone (a language model)."""
    return any(name != "offline" for name in writer_names(settings))


def _one(name: str, settings: Settings, meter: Meter | None) -> ScriptWriter:
    if name == "gemini":
        return GeminiScriptWriter(settings.gemini_settings(), meter=meter)
    if name == "openai":
        return OpenAIScriptWriter(settings.openai_settings(), meter=meter)
    return OfflineScriptWriter()


def script_writer_for(
    settings: Settings, names: list[str] | None = None, *, meter: Meter | None = None
) -> ScriptWriter:
    """The writer chain `names` (default: as configured), its paid calls reported to `meter`."""
    writers = [_one(name, settings, meter) for name in names or writer_names(settings)]
    return writers[0] if len(writers) == 1 else FallbackScriptWriter(writers)


class FallbackScriptWriter:
    name = "chain"

    def __init__(self, writers: list[ScriptWriter]) -> None:
        self.writers = writers
        self.used: str | None = None  # who wrote the last script

    def identity(self) -> str:
        return "chain(" + "|".join(writer.identity() for writer in self.writers) + ")"

    def write(self, source: SourceMaterial, options: GenerateOptions) -> Script:
        failures: list[str] = []
        retry_afters: list[float | None] = []
        for writer in self.writers:
            if source.text is None and isinstance(writer, OfflineScriptWriter):
                failures.append("offline: needs a text, not a topic")
                continue
            try:
                script = writer.write(source, options)
            except ProviderError as error:
                if not moves_on(error):
                    raise
                log.warning("script writer %s failed (%s); trying the next", writer.name, error)
                failures.append(f"{writer.name}: {error}")
                retry_afters.append(getattr(error, "retry_after", None))
                continue
            self.used = writer.name
            return script
        # Ask to be called again when the soonest of them said it would take calls again.
        waits = [wait for wait in retry_afters if wait is not None]
        raise RetriableProviderError(
            "script",
            "every script writer failed: " + "; ".join(failures),
            retry_after=min(waits) if waits else None,
        )
