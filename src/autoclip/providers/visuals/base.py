"""The contract every visual source fulfils (one image or clip per scene), and their names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol, TypedDict

from autoclip.options import Language, Vertical
from autoclip.script.model import Scene, SceneKind

ATTRIBUTION_FILE = "attribution.json"  # written beside a visual that is someone's work


class VisualName(StrEnum):
    """The visual sources, by the name chains, options and `served` records use."""

    CARDS = "cards"  # designed title cards, drawn here
    LIBRARY = "library"  # the user's own folder of images and clips (--assets)
    GEMINI = "gemini"  # images drawn by a Gemini image model
    PEXELS = "pexels"  # stock clips and photos


class VisualKind(StrEnum):
    STILL = "still"  # an image: the renderer moves it slowly (Ken Burns)
    CLIP = "clip"  # a video clip: the renderer trims or loops it to the scene


@dataclass(frozen=True)
class CardLayout:
    """How a template or brand changes a designed card (`providers/visuals/cards.py`)."""

    title_box: tuple[int, int, int, int] | None = None  # left, top, right, bottom pixels
    accent: str | None = None  # #RRGGBB over the vertical's accent
    progress: bool = True

    def identity(self) -> str:
        return f"{self.title_box}|{self.accent}|{self.progress}"


@dataclass(frozen=True)
class VisualRequest:
    scene: Scene
    kind: SceneKind
    number: int  # 1-based position in the timeline (scene_{number}.png)
    total: int
    title: str
    language: Language
    vertical: Vertical
    size: tuple[int, int]  # output frame size (width, height)
    # Stock items earlier scenes of this content show ("pexels:video:4321"), cached ones
    # included, for a source that avoids showing one twice. Not part of the identity.
    shown: frozenset[str] = frozenset()
    # A template's or brand's card design; None: AutoClip's own. Only cards use it.
    card: CardLayout | None = None


@dataclass(frozen=True)
class Visual:
    kind: VisualKind
    path: Path  # for a CLIP, the clip; the scene's PNG still is written either way
    still_path: Path  # scene_{n}.png: the image itself, or the clip's representative frame
    origin: str  # "card", or the asset file name


class Attribution(TypedDict):
    """What `attribution.json` holds, for visuals that are someone's work (stock footage):
    the credit a published video gives (Pexels' API guidelines ask for it; its license
    does not require it)."""

    provider: str  # "pexels"
    kind: str  # "video" or "photo"
    id: int
    url: str  # the item's page on pexels.com
    author: str
    author_url: str
    license: str
    license_url: str


def read_attribution(folder: Path) -> Attribution | None:
    """The attribution a stock visual left in `folder`, or None when there is none (a card,
    an image drawn by a model) or the file is not one."""
    try:
        data = json.loads((folder / ATTRIBUTION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    texts = ("provider", "kind", "url", "author", "author_url", "license", "license_url")
    if not all(isinstance(data.get(key), str) for key in texts):
        return None
    return Attribution(
        provider=data["provider"],
        kind=data["kind"],
        id=data["id"],
        url=data["url"],
        author=data["author"],
        author_url=data["author_url"],
        license=data["license"],
        license_url=data["license_url"],
    )


def stock_key(attribution: Attribution) -> str:
    """How `VisualRequest.shown` names a stock item: "pexels:video:4321"."""
    return f"{attribution['provider']}:{attribution['kind']}:{attribution['id']}"


def credit_line(attribution: Attribution) -> str:
    """A credit for a video description: "Video by Jane Doe on Pexels: <page>"."""
    return (
        f"{attribution['kind'].capitalize()} by {attribution['author']} on"
        f" {attribution['provider'].capitalize()}: {attribution['url']}"
    )


class VisualSource(Protocol):
    @property
    def name(self) -> str: ...

    def identity(self, request: VisualRequest) -> str:
        """Changes whenever this source would make a different visual (stage cache key)."""
        ...

    def make(self, request: VisualRequest, out_dir: Path) -> Visual:
        """Write the scene's visual into `out_dir` and describe it."""
        ...
