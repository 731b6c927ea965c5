"""Who does each stage's work: the script writer, narrator and visual chains of one generation.

Each capability is a comma-separated fallback chain of provider names, chosen per content
(API options, CLI flags), else by configuration (`AUTOCLIP_SCRIPT_WRITER`,
`AUTOCLIP_NARRATOR`, `AUTOCLIP_VISUALS`). The offline engines are the defaults and the
usual last links. Every paid call reports to one `UsageMeter`, which holds the content's
budget: once it is spent, a chain moves on to a free provider.

When a chain moves on (`autoclip.providers.cloud.errors.moves_on`): the provider could not be
reached or kept failing (retries exhausted, circuit open), the budget is spent, or it had
nothing for this input (no stock result for a scene); a narrator that does not speak the
language is left out of the chain. A permanent refusal
(bad key, a policy block) ends the chain, because the next provider would not make that
right either, and a user should hear about a broken key rather than get a silent fallback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from autoclip.errors import ConfigurationError, InputError
from autoclip.options import Language
from autoclip.providers.cloud.errors import ProviderError, moves_on
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.narration.base import Narrator
from autoclip.providers.narration.espeak import EspeakNarrator
from autoclip.providers.narration.piper import PiperNarrator
from autoclip.providers.narration.registry import narrator_for
from autoclip.providers.visuals.base import VisualSource
from autoclip.providers.visuals.cards import CardVisualSource
from autoclip.providers.visuals.library import AssetLibrary, LibraryVisualSource
from autoclip.providers.writing.base import ScriptWriter, SourceMaterial
from autoclip.providers.writing.model import ModelScriptWriter
from autoclip.providers.writing.registry import WRITERS, script_writer
from autoclip.safety import LanguageModelReviewer
from autoclip.script.offline import TOPIC_NEEDS_MODEL
from autoclip.settings import Settings

NARRATORS = ("piper", "espeak", "elevenlabs", "openai")
VISUALS = ("cards", "library", "gemini", "pexels")
# A voice option naming a cloud voice picks that provider: "elevenlabs:<voice id>".
CLOUD_VOICE_PREFIXES = {"elevenlabs:": "elevenlabs", "openai:": "openai"}
ESPEAK_DEFAULT = {Language.KO: "ko", Language.EN: "en-us"}
P = TypeVar("P")
R = TypeVar("R")
log = logging.getLogger("autoclip.providers")


def parse_chain(value: str | Sequence[str], allowed: Sequence[str], field_name: str) -> list[str]:
    """`"a,b"` or `["a", "b"]` as a list of known names; `InputError(field_name)` if not."""
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [name.strip() for name in names if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if not names or unknown:
        raise InputError(
            field_name,
            f"unknown provider {', '.join(unknown) or '(none)'}; choose from "
            f"{', '.join(allowed)}, or a comma-separated fallback chain",
        )
    if len(set(names)) != len(names):
        raise InputError(field_name, "a provider appears twice in the chain")
    return names


def _configured(value: str, allowed: Sequence[str], variable: str) -> list[str]:
    try:
        return parse_chain(value, allowed, variable)
    except InputError as error:
        raise ConfigurationError(f"{variable}: {error.message}") from None


def first_that_serves(chain: Sequence[P], work: Callable[[P], R], what: str) -> tuple[P, R]:
    """`work(provider)` with each provider of `chain` in turn, until one serves: the
    provider that did and what it made. Moves on only while `moves_on(error)` says so;
    the last provider's error, or one that ends the chain, is raised as it is."""
    for position, provider in enumerate(chain, start=1):
        try:
            return provider, work(provider)
        except ProviderError as error:
            if position == len(chain) or not moves_on(error):
                raise
            name = getattr(provider, "name", type(provider).__name__)
            log.warning("%s %s failed (%s); trying the next", what, name, error)
    raise ValueError(f"no {what} to try: the chain is empty")


def takes_topics(writer_names: Sequence[str]) -> bool:
    """Whether a writer chain can write from a topic alone: it has a language model."""
    return any(name != "offline" for name in writer_names)


# The setting each cloud provider cannot work without. (The OpenAI-compatible ones work
# keyless against local servers such as Ollama.)
REQUIRED_KEYS = {
    "gemini": "gemini_api_key",
    "elevenlabs": "elevenlabs_api_key",
    "pexels": "pexels_api_key",
}


def unconfigured(settings: Settings, chain: str) -> list[str]:
    """The providers of `chain` that lack their key here, as their settings' names."""
    names = [name.strip() for name in chain.split(",")]
    return [
        f"AUTOCLIP_{REQUIRED_KEYS[name].upper()}"
        for name in names
        if name in REQUIRED_KEYS and getattr(settings, REQUIRED_KEYS[name]) is None
    ]


def check_voice(language: Language, voice: str) -> None:
    """Raise `InputError("voice")` for a voice no narrator has: a cloud voice must name a
    plain voice id, a local one must exist."""
    provider = _cloud_provider(voice)
    if provider is None:
        narrator_for(language, voice)
    elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", voice.split(":", 1)[1]):
        raise InputError("voice", f"not a {provider} voice name: {voice!r}")


@dataclass(frozen=True)
class ProviderChoice:
    """A content's own choice of chains; None means "as configured"."""

    writer: str | None = None
    narrator: str | None = None
    visuals: str | None = None

    def validated(self) -> ProviderChoice:
        """Raises `InputError` naming the field for an unknown provider name."""
        for value, allowed, name in (
            (self.writer, WRITERS, "writer"),
            (self.narrator, NARRATORS, "narrator"),
            (self.visuals, VISUALS, "visuals"),
        ):
            if value is not None:
                parse_chain(value, allowed, name)
        return self


@dataclass
class Providers:
    settings: Settings = field(default_factory=Settings)
    choice: ProviderChoice = field(default_factory=ProviderChoice)
    meter: UsageMeter = field(default_factory=UsageMeter)

    def __post_init__(self) -> None:
        s, c = self.settings, self.choice
        writers = c.writer or s.script_writer
        self.writer_names = _configured(writers, WRITERS, "AUTOCLIP_SCRIPT_WRITER")
        self.narrator_names = _configured(c.narrator or s.narrator, NARRATORS, "AUTOCLIP_NARRATOR")
        self.visual_names = _configured(c.visuals or s.visuals, VISUALS, "AUTOCLIP_VISUALS")
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
        models = [writer for writer in self.writers if writer.name != "offline"]
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
        model = next((w for w in writers if isinstance(w, ModelScriptWriter)), None)
        return LanguageModelReviewer(model) if model is not None else None

    # -- narration ------------------------------------------------------------------------

    def narrators(self, language: Language, voice: str | None) -> list[Narrator]:
        """The narrator chain for `language`. A local voice option (a Piper model, an eSpeak
        voice) is used alone, as before chains existed; a cloud voice (`elevenlabs:<id>`)
        puts its provider first."""
        if voice is not None and not _cloud_provider(voice):
            return [narrator_for(language, voice)]
        names = list(self.narrator_names)
        preferred = _cloud_provider(voice) if voice else None
        if preferred is not None:
            names = [preferred, *(name for name in names if name != preferred)]
        chain = [
            self._built(narrator)
            for name in names
            if (narrator := _configuration(partial(self._narrator, name, language)))
        ]
        if not chain:
            raise ConfigurationError(
                f"no narrator in {','.join(names)} speaks {language.value}; add espeak"
            )
        return chain

    def _narrator(self, name: str, language: Language) -> Narrator | None:
        s = self.settings
        if name == "piper":
            # The bundled Piper voice is English; Korean goes to the next in the chain.
            return PiperNarrator() if language is Language.EN else None
        if name == "espeak":
            return EspeakNarrator(ESPEAK_DEFAULT[language])
        if name == "elevenlabs":
            from autoclip.providers.narration.elevenlabs import (
                ElevenLabsNarrator,
                ElevenLabsSettings,
            )

            if s.elevenlabs_api_key is None:
                raise ConfigurationError(
                    "the elevenlabs narrator needs AUTOCLIP_ELEVENLABS_API_KEY"
                )
            return ElevenLabsNarrator(
                ElevenLabsSettings(
                    api_key=s.elevenlabs_api_key,
                    base_url=s.elevenlabs_base_url,
                    model=s.elevenlabs_model,
                    voice_id=s.elevenlabs_voice_id,
                    stability=s.elevenlabs_stability,
                    similarity_boost=s.elevenlabs_similarity_boost,
                    style=s.elevenlabs_style,
                    use_speaker_boost=s.elevenlabs_speaker_boost,
                ),
                meter=self.meter,
            )
        from autoclip.providers.narration.openai import OpenAISpeechNarrator, OpenAISpeechSettings

        return OpenAISpeechNarrator(
            OpenAISpeechSettings(
                api_key=s.openai_api_key,
                base_url=s.openai_base_url,
                model=s.openai_speech_model,
                voice=s.openai_voice,
            ),
            meter=self.meter,
        )

    # -- visuals --------------------------------------------------------------------------

    def visual_sources(self, assets: Path | None) -> list[VisualSource]:
        """The visual chain; a folder of the user's own assets (`--assets`) goes first."""
        names = list(self.visual_names)
        if assets is not None and "library" not in names:
            names.insert(0, "library")
        return [
            self._built(_configuration(partial(self._visual_source, name, assets)))
            for name in names
        ]

    def _visual_source(self, name: str, assets: Path | None) -> VisualSource:
        s = self.settings
        if name == "cards":
            return CardVisualSource()
        if name == "library":
            if assets is None:
                raise InputError("assets", "the library visuals need a folder of assets")
            return LibraryVisualSource(AssetLibrary(assets))
        if name == "gemini":
            from autoclip.providers.visuals.gemini import GeminiImageSource

            return GeminiImageSource(s.gemini_image_settings(), meter=self.meter)
        from autoclip.providers.visuals.pexels import PexelsSettings, PexelsVisualSource

        if s.pexels_api_key is None:
            raise ConfigurationError("the pexels visuals need AUTOCLIP_PEXELS_API_KEY")
        return PexelsVisualSource(
            PexelsSettings(api_key=s.pexels_api_key, base_url=s.pexels_base_url),
            meter=self.meter,
        )


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


def _cloud_provider(voice: str) -> str | None:
    for prefix, name in CLOUD_VOICE_PREFIXES.items():
        if voice.startswith(prefix):
            return name
    return None
