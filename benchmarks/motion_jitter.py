"""How smooth is the Ken Burns move? Track features through the real render chain.

Renders one 1080x1920 still with five soft dots through `build_render_args` (3 s, so the
zoom runs at the fastest rate a short scene gets), decodes the frames and follows each
dot's intensity-weighted centroid. A perfect move is a smooth curve; the report gives the
largest distance of any dot from a cubic fitted to its own path, for the shipped
supersampling factor and for 1x as the baseline, in the same process.

    .venv/bin/python benchmarks/motion_jitter.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

import autoclip.render.video as video
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.providers.visuals.base import VisualKind
from autoclip.render.audio import Loudness
from autoclip.render.timeline import plan_timeline

SIZE = (1080, 1920)
DOTS = [(150, 200), (900, 300), (200, 1700), (950, 1650)]
BACKGROUND = 20
WINDOW = 50


def render_frames(folder: Path, supersample: int) -> npt.NDArray[np.float64]:
    width, height = SIZE
    still = Image.new("L", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(still)
    for x, y in DOTS:
        draw.ellipse([x - 8, y - 8, x + 8, y + 8], fill=255)
    still.filter(ImageFilter.GaussianBlur(3)).convert("RGB").save(folder / "still.png")
    run_ffmpeg(["-f", "lavfi", "-i", "sine=d=3", str(folder / "voice.wav")])
    video.SUPERSAMPLE = supersample
    job = video.RenderJob(
        scenes=[video.SceneInput(VisualKind.STILL, Path("still.png"))],
        timeline=plan_timeline([0], 3.0),
        size=SIZE,
        narration=Path("voice.wav"),
        music=None,
        captions=None,
        fonts_dir=Path("fonts"),
        loudness=Loudness(-20.0),
        encoder=video.EncoderSettings(),
        output=Path("unused.mp4"),
    )
    args = video.build_render_args(job)
    args = args[: args.index("-map")]
    args += ["-map", "[vout]", "-f", "rawvideo", "-pix_fmt", "gray", "frames.raw"]
    args += ["-map", "[aout]", "-f", "null", "-"]
    run_ffmpeg(args, cwd=folder)
    raw = np.fromfile(folder / "frames.raw", np.uint8)
    return raw.reshape(-1, height, width).astype(np.float64)


def track(frames: npt.NDArray[np.float64], start: tuple[int, int]) -> npt.NDArray[np.float64]:
    cx, cy = float(start[0]), float(start[1])
    path = []
    for frame in frames:
        x0, y0 = int(cx) - WINDOW // 2, int(cy) - WINDOW // 2
        window = np.clip(frame[y0 : y0 + WINDOW, x0 : x0 + WINDOW] - BACKGROUND, 0, None)
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
    shipped = video.SUPERSAMPLE
    report = {}
    for factor in sorted({1, shipped}):
        with tempfile.TemporaryDirectory(prefix="autoclip-jitter-") as folder:
            frames = render_frames(Path(folder), factor)
        report[f"supersample {factor}x: worst deviation (px)"] = round(worst_deviation(frames), 3)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
