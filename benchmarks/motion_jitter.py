"""How smooth is the Ken Burns move? Track features through the real render chain.

Renders one 1080x1920 still with five soft dots for a 3 s scene (so the zoom runs at the
fastest rate a short scene gets) and follows each dot's intensity-weighted centroid. A
perfect move is a smooth curve; the report gives the largest distance of any dot from a
cubic fitted to its own path.

Two chains, in the same process: the shipped one (`render.frames.video_frames`, the
frames exactly as the encoder receives them), and the `zoompan` chain it replaced (a 2x
supersampled still, `zoompan` with the same zoom and focus), as the baseline.

    .venv/bin/python benchmarks/motion_jitter.py
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.providers.visuals.base import VisualKind
from autoclip.render.frames import cover_filters, video_frames
from autoclip.render.graph import Filter
from autoclip.render.motion import Move
from autoclip.render.timeline import plan_timeline
from autoclip.render.video import SceneInput

SIZE = (1080, 1920)
DOTS = [(150, 200), (900, 300), (200, 1700), (950, 1650)]
BACKGROUND = 20
WINDOW = 50
SECONDS = 3.0


def write_still(folder: Path) -> Path:
    still = Image.new("L", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(still)
    for x, y in DOTS:
        draw.ellipse([x - 8, y - 8, x + 8, y + 8], fill=255)
    still.filter(ImageFilter.GaussianBlur(3)).convert("RGB").save(folder / "still.png")
    return folder / "still.png"


def shipped_frames(folder: Path) -> npt.NDArray[np.float64]:
    write_still(folder)
    timeline = plan_timeline([0], SECONDS)
    scenes = [SceneInput(VisualKind.STILL, Path("still.png"))]
    lumas = [frame.y.astype(np.float64) for frame in video_frames(scenes, timeline, SIZE, folder)]
    return np.stack(lumas)


def zoompan_frames(folder: Path, supersample: int) -> npt.NDArray[np.float64]:
    """The chain shipped before: the still supersampled, then `zoompan` (whole-pixel crops)."""
    width, height = SIZE
    write_still(folder)
    frames = plan_timeline([0], SECONDS).total_frames
    move = Move.for_scene(0, frames)
    (start, end), (focus_x, focus_y) = move.zoom, move.focus
    chain = [
        Filter.of("movie", filename="still.png"),
        *cover_filters(width * supersample, height * supersample),
        Filter.of(
            "zoompan",
            z=f"{start}+({end - start:.4f})*on/{frames - 1}",
            x=f"(iw-iw/zoom)*{focus_x}",
            y=f"(ih-ih/zoom)*{focus_y}",
            d=frames,
            s=f"{width}x{height}",
            fps=30,
        ),
    ]
    graph = ",".join(f.render() for f in chain)
    args = ["-filter_complex", graph, "-frames:v", str(frames)]
    run_ffmpeg([*args, "-f", "rawvideo", "-pix_fmt", "gray", "frames.raw"], cwd=folder)
    raw = np.fromfile(folder / "frames.raw", np.uint8)
    return raw.reshape(-1, height, width).astype(np.float64)


def track(frames: npt.NDArray[np.float64], start: tuple[int, int]) -> npt.NDArray[np.float64]:
    cx, cy = float(start[0]), float(start[1])
    path = []
    for frame in frames:
        # The background as the frame has it: limited-range luma puts gray 20 at 33, and
        # any level left under the window pulls the centroid to the window's (whole-pixel)
        # centre, which would be measured as jitter.
        background = float(np.median(frame))
        x0, y0 = int(cx) - WINDOW // 2, int(cy) - WINDOW // 2
        window = np.clip(frame[y0 : y0 + WINDOW, x0 : x0 + WINDOW] - background, 0, None)
        ys, xs = np.mgrid[y0 : y0 + WINDOW, x0 : x0 + WINDOW]
        cx, cy = (window * xs).sum() / window.sum(), (window * ys).sum() / window.sum()
        path.append((cx, cy))
    return np.array(path)


def worst_deviation(frames: npt.NDArray[np.float64]) -> float:
    worst = 0.0
    for dot in DOTS:
        path = track(frames, dot)
        t = np.arange(len(path))
        for axis in range(2):
            smooth = np.polyval(np.polyfit(t, path[:, axis], 3), t)
            worst = max(worst, float(np.abs(path[:, axis] - smooth).max()))
    return worst


def main() -> None:
    report = {}
    runs: dict[str, Callable[[Path], npt.NDArray[np.float64]]] = {
        "shipped (in-process sub-pixel warp)": shipped_frames,
        "before: zoompan on a 2x still": partial(zoompan_frames, supersample=2),
        "before: zoompan on a 1x still": partial(zoompan_frames, supersample=1),
    }
    for name, make in runs.items():
        with tempfile.TemporaryDirectory(prefix="autoclip-jitter-") as folder:
            frames = make(Path(folder))
        report[f"{name}: worst deviation (px)"] = round(worst_deviation(frames), 3)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
