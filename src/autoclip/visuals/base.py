"""The contract every visual source fulfils: one image or clip per scene."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from autoclip.options import Language, Vertical
from autoclip.script.model import Scene, SceneKind


class VisualKind(StrEnum):
    STILL = "still"  # an image: the renderer moves it slowly (Ken Burns)
    CLIP = "clip"  # a video clip: the renderer trims or loops it to the scene


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


@dataclass(frozen=True)
class Visual:
    kind: VisualKind
    path: Path  # for a CLIP, the clip; the scene's PNG still is written either way
    still_path: Path  # scene_{n}.png: the image itself, or the clip's representative frame
    origin: str  # "card", or the asset file name


class VisualSource(Protocol):
    name: str

    def identity(self, request: VisualRequest) -> str:
        """Changes whenever this source would make a different visual (stage cache key)."""
        ...

    def make(self, request: VisualRequest, out_dir: Path) -> Visual:
        """Write the scene's visual into `out_dir` and describe it."""
        ...
