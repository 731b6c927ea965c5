"""The visual sources by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from autoclip.errors import ConfigurationError, InputError
from autoclip.providers.cloud.http import Meter
from autoclip.providers.visuals.base import VisualName, VisualSource
from autoclip.providers.visuals.cards import CardVisualSource
from autoclip.providers.visuals.gemini import GeminiImageSettings, GeminiImageSource
from autoclip.providers.visuals.library import AssetLibrary, LibraryVisualSource
from autoclip.providers.visuals.pexels import PexelsSettings, PexelsVisualSource
from autoclip.settings import Settings

# The user's own assets: a folder (`--assets`), or a library already gathered (the
# service's media library).
Assets = Path | AssetLibrary | None
Build = Callable[[Settings, Assets, Meter | None], VisualSource]


def _cards(_settings: Settings, _assets: Assets, _meter: Meter | None) -> VisualSource:
    return CardVisualSource()


def _library(_settings: Settings, assets: Assets, _meter: Meter | None) -> VisualSource:
    if assets is None:
        raise InputError("assets", "the library visuals need a folder of assets")
    return LibraryVisualSource(assets if isinstance(assets, AssetLibrary) else AssetLibrary(assets))


def _gemini(settings: Settings, _assets: Assets, meter: Meter | None) -> VisualSource:
    config = settings.gemini
    if config.api_key is None:
        raise ConfigurationError("the gemini visuals need AUTOCLIP_GEMINI_API_KEY")
    return GeminiImageSource(
        GeminiImageSettings(
            **config.calls(),
            api_key=config.api_key,
            base_url=config.base_url,
            model=config.image_model,
        ),
        meter=meter,
    )


def _pexels(settings: Settings, _assets: Assets, meter: Meter | None) -> VisualSource:
    config = settings.pexels
    if config.api_key is None:
        raise ConfigurationError("the pexels visuals need AUTOCLIP_PEXELS_API_KEY")
    return PexelsVisualSource(
        PexelsSettings(**config.calls(), api_key=config.api_key, base_url=config.base_url),
        meter=meter,
    )


VISUALS: dict[VisualName, Build] = {
    VisualName.CARDS: _cards,
    VisualName.LIBRARY: _library,
    VisualName.GEMINI: _gemini,
    VisualName.PEXELS: _pexels,
}


def visual_source(
    name: VisualName, settings: Settings, assets: Assets, meter: Meter | None = None
) -> VisualSource:
    """The visual source called `name`; `assets` is the user's own folder (`--assets`).
    `ConfigurationError` when it needs a setting (a key) that is not given."""
    return VISUALS[name](settings, assets, meter)
