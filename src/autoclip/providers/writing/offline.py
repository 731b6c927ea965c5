"""The offline writer as a script-writing backend: extractive, from the user's own text.

The writing itself (choosing sentences, hooks, sizing the script) is
`autoclip.script.offline`'s; this backend gives it its name in chains.
"""

from __future__ import annotations

from autoclip.options import GenerateOptions
from autoclip.providers.writing.base import SourceMaterial, WriterName
from autoclip.script.model import Script
from autoclip.script.offline import OfflineScriptWriter


class OfflineWriter:
    name = WriterName.OFFLINE

    def __init__(self) -> None:
        self._writer = OfflineScriptWriter()

    def identity(self) -> str:
        return self._writer.identity()

    def write(self, source: SourceMaterial, options: GenerateOptions) -> Script:
        """`ConfigurationError` for a bare topic: that needs a language model."""
        return self._writer.write(source, options)
