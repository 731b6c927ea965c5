"""Who does each stage's work: the script writer, narrator and visual chains of one generation.

Each capability is a fallback chain of provider names (`providers.chain`), chosen per
content (API options, CLI flags), else by configuration (`AUTOCLIP_SCRIPT_WRITER`,
`AUTOCLIP_NARRATOR`, `AUTOCLIP_VISUALS`), and parsed once, where it is given, into a list
of the capability's names. The offline engines are the defaults and the usual last links.
Every paid call reports to one `UsageMeter`, which holds the content's budget: once it is
spent, a chain moves on to a free provider. A narrator that does not speak the language
is left out of the chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr, ValidationError

from autoclip.errors import ConfigurationError
from autoclip.options import Language
from autoclip.providers.chain import parse_chain
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.narration.base import Narrator, NarratorName
from autoclip.providers.narration.registry import cloud_narrator_of, narrator, narrator_for
from autoclip.providers.narration.spoken import ReadingNarrator
from autoclip.providers.visuals.base import VisualName, VisualSource
from autoclip.providers.visuals.library import AssetLibrary
from autoclip.providers.visuals.registry import visual_source
from autoclip.providers.writing.base import (
    TOPIC_NEEDS_MODEL,
    ScriptWriter,
    SourceMaterial,
    WriterName,
)
from autoclip.providers.writing.model import ModelScriptWriter
from autoclip.providers.writing.registry import script_writer, takes_topics
from autoclip.safety import LanguageModelReviewer
from autoclip.settings import Settings
from autoclip.speech.lexicon import Lexicon

P = TypeVar("P")
R = TypeVar("R")
log = logging.getLogger("autoclip.providers")

# The key each cloud provider cannot work without, by its name in any chain (Gemini writes
# and draws with one key). The OpenAI-compatible ones (writer and narrator) work keyless
# only against a server named by its own base URL, such as a local Ollama.
REQUIRED_KEYS: dict[str, Callable[[Settings], SecretStr | str | bool | None]] = {
    "gemini": lambda settings: settings.gemini.api_key,
    "openai": lambda settings: settings.openai.usable,
    "elevenlabs": lambda settings: settings.elevenlabs.api_key,
    "pexels": lambda settings: settings.pexels.api_key,
    "google": lambda s: s.google_tts.api_key or s.google_tts.access_token,
    "clova": lambda settings: settings.clova.client_secret and settings.clova.client_id,
}
# The variable to set for each, where it is not AUTOCLIP_<NAME>_API_KEY.
KEY_VARIABLES = {
    "openai": "AUTOCLIP_OPENAI_API_KEY, or AUTOCLIP_OPENAI_BASE_URL of a keyless local server",
    "google": "AUTOCLIP_GOOGLE_TTS_API_KEY",
    "clova": "AUTOCLIP_CLOVA_CLIENT_ID and AUTOCLIP_CLOVA_CLIENT_SECRET",
}


def unconfigured(settings: Settings, names: Iterable[str]) -> list[str]:
    """The providers of a chain that lack their key here, as the variables to set."""
    return [
        KEY_VARIABLES.get(name, f"AUTOCLIP_{name.upper()}_API_KEY")
        for name in names
        if name in REQUIRED_KEYS and not REQUIRED_KEYS[name](settings)
    ]


# The names each chain takes, by the chain's name in options, flags and projects.
CHAIN_NAMES: dict[str, type[StrEnum]] = {
    "writer": WriterName,
    "narrator": NarratorName,
    "visuals": VisualName,
}


@dataclass(frozen=True)
class ProviderChoice:
    """A content's own choice of chains; None means "as configured"."""

    writer: list[WriterName] | None = None
    narrator: list[NarratorName] | None = None
    visuals: list[VisualName] | None = None

    @classmethod
    def parse(
        cls,
        writer: str | None = None,
        narrator: str | None = None,
        visuals: str | None = None,
    ) -> ProviderChoice:
        """Chains as given (`"gemini,offline"`); `InputError` naming the field for an unknown
        or repeated provider name."""
        return cls(
            writer=None if writer is None else parse_chain(writer, WriterName, "writer"),
            narrator=None if narrator is None else parse_chain(narrator, NarratorName, "narrator"),
            visuals=None if visuals is None else parse_chain(visuals, VisualName, "visuals"),
        )


@dataclass
class Providers:
    """The providers of one generation, by capability, built when first needed."""

    settings: Settings = field(default_factory=Settings)
    choice: ProviderChoice = field(default_factory=ProviderChoice)
    meter: UsageMeter = field(default_factory=UsageMeter)

    def __post_init__(self) -> None:
        s, c = self.settings, self.choice
        self.writer_names = c.writer or s.script_writer
        self.narrator_names = c.narrator or s.narrator
        self.visual_names = c.visuals or s.visuals
        self._made: list[Any] = []  # every provider built, to close their HTTP clients

    @classmethod
    def offline(cls) -> Providers:
        """The offline engines only, whatever the environment says."""
        settings = Settings(script_writer="offline", narrator="piper,espeak", visuals="cards")
        return cls(settings)

    def __enter__(self) -> Providers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP clients of every provider built."""
        for provider in self._made:
            close = getattr(provider, "close", None)
            if close is not None:
                close()
        self._made.clear()

    def _built(self, provider: P) -> P:
        self._made.append(provider)
        return provider

    # -- script -----------------------------------------------------------------------------

    @cached_property
    def writers(self) -> list[ScriptWriter]:
        """The writer chain, built on first use: rendering a given script needs no writer
        and so no writer's key."""
        return [
            self._built(_configuration(partial(script_writer, name, self.settings, self.meter)))
            for name in self.writer_names
        ]

    def takes_topics(self) -> bool:
        return takes_topics(self.writer_names)

    def writers_for(self, source: SourceMaterial) -> list[ScriptWriter]:
        """The writers that can take `source`: a topic alone needs a language model."""
        if source.text is not None:
            return self.writers
        models = [writer for writer in self.writers if writer.name != WriterName.OFFLINE]
        if not models:
            raise ConfigurationError(TOPIC_NEEDS_MODEL)
        return models

    def reviewer(self) -> LanguageModelReviewer | None:
        """The safety review by the first language model of the writer chain, if any."""
        if not self.settings.safety_model_review or not self.takes_topics():
            return None
        try:
            writers = self.writers
        except ConfigurationError as error:  # a given script, and no key to review it with
            log.warning("no model review of the script: %s", error)
            return None
        model = next((w.model for w in writers if isinstance(w, ModelScriptWriter)), None)
        return LanguageModelReviewer(model) if model is not None else None

    # -- narration ------------------------------------------------------------------------

    def narrators(
        self, language: Language, voice: str | None, lexicon: Lexicon | None = None
    ) -> list[Narrator]:
        """The narrator chain for `language`. A local voice option (a Piper model, an eSpeak
        voice) is used alone, as before chains existed; a cloud voice (`elevenlabs:<id>`)
        puts its provider first. Each narrator is given the text as it is read aloud, with
        the pronunciation dictionary `lexicon` (`ReadingNarrator`)."""
        preferred = cloud_narrator_of(voice) if voice is not None else None
        if voice is not None and preferred is None:
            return [ReadingNarrator(narrator_for(language, voice), lexicon)]
        names = list(self.narrator_names)
        if preferred is not None:
            names = [preferred, *(name for name in names if name != preferred)]
        chain: list[Narrator] = [
            ReadingNarrator(self._built(built), lexicon)
            for name in names
            if (
                built := _configuration(
                    partial(narrator, name, self.settings, language, self.meter)
                )
            )
        ]
        if not chain:
            raise ConfigurationError(
                f"no narrator in {','.join(names)} speaks {language.value}; add espeak"
            )
        return chain

    # -- visuals --------------------------------------------------------------------------

    def visual_sources(self, assets: Path | AssetLibrary | None) -> list[VisualSource]:
        """The visual chain; the user's own assets (`--assets`) go first."""
        names = list(self.visual_names)
        if assets is not None and VisualName.LIBRARY not in names:
            names.insert(0, VisualName.LIBRARY)
        return [
            self._built(
                _configuration(partial(visual_source, name, self.settings, assets, self.meter))
            )
            for name in names
        ]


def _configuration(build: Callable[[], R]) -> R:
    """`build()`, with a provider setting that does not validate (a malformed voice id or
    base URL in the environment) turned into the `ConfigurationError` it is."""
    try:
        return build()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigurationError(f"{error.title}: {problems}") from None
