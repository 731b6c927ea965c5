"""The script writers by name: the offline writer, and one per language model."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autoclip.providers.cloud.http import Meter
from autoclip.providers.text.base import TextModelName
from autoclip.providers.text.registry import text_model
from autoclip.providers.writing.base import ScriptWriter, WriterName
from autoclip.providers.writing.model import ModelScriptWriter
from autoclip.providers.writing.offline import OfflineScriptWriter
from autoclip.settings import Settings


def _model_writer(name: TextModelName) -> Callable[[Settings, Meter | None], ScriptWriter]:
    def build(settings: Settings, meter: Meter | None) -> ScriptWriter:
        return ModelScriptWriter(text_model(name, settings, meter))

    return build


WRITERS: dict[WriterName, Callable[[Settings, Meter | None], ScriptWriter]] = {
    WriterName.OFFLINE: lambda _settings, _meter: OfflineScriptWriter(),
    WriterName.GEMINI: _model_writer(TextModelName.GEMINI),
    WriterName.OPENAI: _model_writer(TextModelName.OPENAI),
}


def script_writer(name: WriterName, settings: Settings, meter: Meter | None = None) -> ScriptWriter:
    """The writer called `name`, its paid calls reported to `meter`. Raises
    `ConfigurationError` when it needs a setting (a key) that is not given."""
    return WRITERS[name](settings, meter)


def takes_topics(names: Sequence[WriterName]) -> bool:
    """Whether a writer chain can write from a topic alone: it has a language model."""
    return any(name != WriterName.OFFLINE for name in names)
