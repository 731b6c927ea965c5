"""Shared builders for the visuals tests: requests and real media files made on the spot."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.options import Language, Vertical
from autoclip.providers.visuals.base import VisualRequest
from autoclip.script.model import Scene, SceneKind


def make_request(
    text: str = "수면의 질을 높이는 세 가지 습관",
    *,
    kind: SceneKind = SceneKind.BODY,
    number: int = 2,
    total: int = 5,
    vertical: Vertical = Vertical.TECH,
    size: tuple[int, int] = (1080, 1920),
    language: Language = Language.KO,
    keywords: list[str] | None = None,
    narration: str = "오늘은 잠에 대해 이야기합니다.",
    visual: str = "침실 풍경",
) -> VisualRequest:
    scene = Scene(narration=narration, on_screen_text=text, visual=visual, keywords=keywords or [])
    return VisualRequest(
        scene=scene,
        kind=kind,
        number=number,
        total=total,
        title="잠 못 드는 밤, 이것부터 바꾸세요",
        language=language,
        vertical=vertical,
        size=size,
    )


def write_image(
    path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (320, 240)
) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def write_clip(path: Path, seconds: int = 2) -> Path:
    """A real H.264 clip from ffmpeg's test pattern."""
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=320x240:rate=25:duration={seconds}",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(path),
        ],
        timeout=60,
    )
    return path
