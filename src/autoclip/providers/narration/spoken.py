"""Any narrator, given the text as it is read aloud rather than as it is written.

`ReadingNarrator` wraps one link of a narrator chain: it sends the narrator the reading of
each scene (`speech.reading.read_aloud`: the project's pronunciation dictionary, then the
language's normaliser) and gives back timings for the written words, which the captions
show. Everything else (name, `service` for the budget, voices, `close`) is the narrator's.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from autoclip.kit.emoji import has_emoji
from autoclip.options import Language
from autoclip.providers.narration.base import Narrator, SceneNarration, Voice, VoiceRequest
from autoclip.speech.lexicon import Lexicon
from autoclip.speech.reading import READING_VERSION, Reading, read_aloud


class ReadingNarrator:
    def __init__(self, narrator: Narrator, lexicon: Lexicon | None = None) -> None:
        self.narrator = narrator
        self.lexicon = dict(lexicon or {})

    @property
    def name(self) -> str:
        return self.narrator.name

    def voices(self, language: Language) -> list[Voice]:
        return self.narrator.voices(language)

    def __getattr__(self, attribute: str) -> Any:
        # Only called for what this class lacks: the narrator's `service`, `close`.
        return getattr(self.narrator, attribute)

    def __repr__(self) -> str:
        return f"ReadingNarrator({self.narrator!r})"

    def reading(self, request: VoiceRequest) -> Reading:
        return read_aloud(request.text, request.language, self.lexicon)

    def _spoken(self, request: VoiceRequest, reading: Reading) -> VoiceRequest:
        # A text of symbols alone reads as nothing: the narrator gets it as written and
        # says what it can (or refuses an empty text, naming it).
        return replace(request, text=reading.text or request.text)

    def identity(self, request: VoiceRequest) -> str:
        reading = self.reading(request)
        identity = (
            f"{self.narrator.identity(self._spoken(request, reading))}/reading-{READING_VERSION}"
        )
        if any(has_emoji(word) for word in reading.written):
            # The same voice, but other words shown (emoji are kept in the written words):
            # a narration cached for the text without them must not be reused.
            shown = hashlib.sha256("\x1f".join(reading.written).encode("utf-8")).hexdigest()
            identity += f"/shown-{shown[:16]}"
        return identity

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        reading = self.reading(request)
        narration = self.narrator.narrate(self._spoken(request, reading), out_wav)
        if not reading.text:
            return narration
        words = reading.written_timings(narration.words)
        return narration.model_copy(update={"words": words})
