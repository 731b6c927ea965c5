"""The offline writer: an extractive script from the user's own text, no model needed.

The language work (reading the text, choosing sentences, hooks, metadata, sizing) is
`autoclip.script.offline`'s; this backend gives it its name and identity in chains, and
refuses a bare topic, which only a language model can write from.
"""

from __future__ import annotations

from autoclip.errors import ConfigurationError
from autoclip.options import GenerateOptions
from autoclip.providers.writing.base import TOPIC_NEEDS_MODEL, SourceMaterial, WriterName
from autoclip.script import phrasebook
from autoclip.script.model import Script
from autoclip.script.offline import OFFLINE_WRITER_VERSION, write_script


class OfflineScriptWriter:
    name = WriterName.OFFLINE

    def identity(self) -> str:
        return f"{self.name}/{OFFLINE_WRITER_VERSION}/phrasebook-{phrasebook.PHRASEBOOK_VERSION}"

    def write(self, source: SourceMaterial, options: GenerateOptions) -> Script:
        if source.text is None:
            raise ConfigurationError(TOPIC_NEEDS_MODEL)
        return write_script(
            source.text, options, title_hint=source.title_hint, origin=source.origin
        )
