"""The language models by name, built from their settings groups (`Settings.gemini`, ...)."""

from __future__ import annotations

from collections.abc import Callable

from autoclip.errors import ConfigurationError
from autoclip.providers.cloud.http import Meter
from autoclip.providers.text.base import TextModel, TextModelName
from autoclip.providers.text.gemini import GeminiSettings, GeminiTextModel
from autoclip.providers.text.openai import OpenAISettings, OpenAITextModel
from autoclip.settings import Settings


def _gemini(settings: Settings, meter: Meter | None) -> TextModel:
    config = settings.gemini
    if config.api_key is None:
        raise ConfigurationError("the gemini script writer needs AUTOCLIP_GEMINI_API_KEY")
    return GeminiTextModel(
        GeminiSettings(
            **config.calls(), api_key=config.api_key, base_url=config.base_url, model=config.model
        ),
        meter=meter,
    )


def _openai(settings: Settings, meter: Meter | None) -> TextModel:
    config = settings.openai
    if not config.usable:
        raise ConfigurationError(
            "the openai script writer needs AUTOCLIP_OPENAI_API_KEY (or AUTOCLIP_OPENAI_BASE_URL "
            "set to a local server that takes no key)"
        )
    return OpenAITextModel(
        OpenAISettings(
            **config.calls(), api_key=config.api_key, base_url=config.base_url, model=config.model
        ),
        meter=meter,
    )


TEXT_MODELS: dict[TextModelName, Callable[[Settings, Meter | None], TextModel]] = {
    TextModelName.GEMINI: _gemini,
    TextModelName.OPENAI: _openai,
}


def text_model(name: TextModelName, settings: Settings, meter: Meter | None = None) -> TextModel:
    """The model called `name`, its paid calls reported to `meter`. `ConfigurationError`
    when it needs a setting (a key) that is not given."""
    return TEXT_MODELS[name](settings, meter)
