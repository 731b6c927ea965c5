"""One scene's own picture: a file the user chose for that scene (the storyboard's "replace
the picture"), shown instead of whatever the visual chain would make.

An image is cropped to cover the frame and moves as every still does (the renderer's slow
zoom); a clip is trimmed or looped to the scene like stock footage. The file is copied
into the stage cache entry, so the entry holds all it needs: a worker on another machine
that takes it from the shared cache renders it without the original file.

Its identity is the file's content and the frame size, nothing of the scene's place or
words: moving the scene, or editing its words, keeps its visual; a new picture makes only
this scene's visual again.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 # only for the exception type of ffmpeg's timeout
from functools import cached_property
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from autoclip.errors import InputError, MediaError
from autoclip.kit.ffmpeg import media_info
from autoclip.pipeline.cache import file_fingerprint
from autoclip.providers.visuals.base import Visual, VisualKind, VisualRequest
from autoclip.providers.visuals.cards import save_png
from autoclip.providers.visuals.library import clip_frame, cover

PICTURE_VERSION = "picture-1"
PICTURE_SOURCE = "picture"  # as `served` records it; not a chain's name


class PictureVisual:
    """The visual source of one scene whose picture is `path`; `field` names the scene's
    `picture_id` in errors ("scenes.2.picture_id")."""

    name = PICTURE_SOURCE

    def __init__(self, path: Path, field: str) -> None:
        self.path = path
        self.field = field

    @cached_property
    def _fingerprint(self) -> str:
        return file_fingerprint(self.path)

    @cached_property
    def _kind(self) -> tuple[VisualKind, float | None]:
        try:
            with Image.open(self.path) as image:
                image.verify()
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
            pass
        else:
            return VisualKind.STILL, None
        try:
            duration, kinds = media_info(self.path)
        except (MediaError, OSError, subprocess.TimeoutExpired):
            kinds, duration = set(), None
        if "video" not in kinds:
            raise InputError(self.field, "is neither an image nor a video clip")
        return VisualKind.CLIP, duration

    def identity(self, request: VisualRequest) -> str:
        width, height = request.size
        return "\x1f".join((PICTURE_VERSION, self._fingerprint, f"{width}x{height}"))

    def make(self, request: VisualRequest, out_dir: Path) -> Visual:
        kind, duration = self._kind
        still = out_dir / "picture.png"
        if kind is VisualKind.STILL:
            save_png(cover(self.path, request.size), still)
            return Visual(kind=VisualKind.STILL, path=still, still_path=still, origin="picture")
        clip = out_dir / f"clip{self.path.suffix.lower() or '.mp4'}"
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, clip)
        clip_frame(clip, duration, request.size, still)
        return Visual(kind=VisualKind.CLIP, path=clip, still_path=still, origin="picture")
