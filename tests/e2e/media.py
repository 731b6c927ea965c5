"""Helpers for the end-to-end checks: run the real CLI, probe and measure its outputs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.script.model import Script

Pixels = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

_LUFS = re.compile(r"^\s*I:\s+(-?\d+(?:\.\d+)?) LUFS", re.MULTILINE)
_MEAN_VOLUME = re.compile(r"mean_volume:\s+(-?\d+(?:\.\d+)?|-inf) dB")


def autoclip_command() -> list[str]:
    """The installed `autoclip` console script of the running interpreter's environment."""
    script = Path(sys.executable).parent / "autoclip"
    if not script.is_file():
        pytest.fail(f"the autoclip command is not installed next to {sys.executable}")
    return [str(script)]


def clean_env(data_home: Path) -> dict[str, str]:
    """The environment without any AUTOCLIP_* setting, with the default data dir in a tmp dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOCLIP_")}
    env["XDG_DATA_HOME"] = str(data_home)
    return env


def run_cli(
    args: list[str], data_home: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*autoclip_command(), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(data_home),
        timeout=timeout,
        check=False,
    )


@dataclass(frozen=True)
class Rendered:
    """One finished `autoclip generate --json` run."""

    root: Path
    summary: dict[str, Any]

    @property
    def content_id(self) -> str:
        return str(self.summary["content_id"])

    def output(self, name: str) -> Path:
        return Path(self.summary["outputs"][name])

    @property
    def video(self) -> Path:
        return self.output("video")

    @property
    def images(self) -> list[Path]:
        return [Path(p) for p in self.summary["outputs"]["images"]]

    @property
    def script(self) -> Script:
        return Script.model_validate_json(self.output("script").read_text("utf-8"))


def generate(root: Path, args: list[str]) -> Rendered:
    """Run the CLI with `--json --out root` and parse its single JSON line."""
    done = run_cli(["generate", *args, "--out", str(root), "--json"], root.parent / "xdg")
    assert done.returncode == 0, f"autoclip failed ({done.returncode}): {done.stderr}"
    lines = done.stdout.splitlines()
    assert len(lines) == 1, f"expected one JSON line on stdout, got {done.stdout!r}"
    summary = json.loads(lines[0])
    assert isinstance(summary, dict)
    return Rendered(root, summary)


def write_text(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def probe(ffprobe: Path, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [str(ffprobe), "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"ffprobe failed on {path}: {done.stderr}"
    info = json.loads(done.stdout)
    assert isinstance(info, dict)
    return info


def streams(info: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in info["streams"] if s.get("codec_type") == kind]


def only_stream(info: dict[str, Any], kind: str) -> dict[str, Any]:
    found = streams(info, kind)
    assert len(found) == 1, f"expected one {kind} stream, found {len(found)}"
    return found[0]


def media_duration(ffprobe: Path, path: Path) -> float:
    return float(probe(ffprobe, path)["format"]["duration"])


def _ffmpeg_stderr(args: list[str]) -> str:
    return run_ffmpeg(args, timeout=120, what=f"ffmpeg {' '.join(args[:4])}")


def integrated_loudness(path: Path) -> float:
    """Integrated loudness (LUFS) from the summary of ffmpeg's EBU R128 meter."""
    stderr = _ffmpeg_stderr(["-i", str(path), "-af", "ebur128=framelog=quiet", "-f", "null", "-"])
    summary = stderr[stderr.rfind("Summary:") :]
    found = _LUFS.search(summary)
    assert found, f"no integrated loudness in the ebur128 summary: {summary[-800:]}"
    return float(found.group(1))


def band_level(path: Path, frequency: float) -> float:
    """Mean level (dB) of the audio in a narrow band around `frequency`."""
    narrow = f"bandpass=f={frequency}:width_type=q:w=8"
    stderr = _ffmpeg_stderr(
        [
            "-i", str(path), "-vn",
            "-af", f"{narrow},{narrow},volumedetect",
            "-f", "null", "-",
        ]
    )  # fmt: skip
    found = _MEAN_VOLUME.search(stderr)
    assert found, f"volumedetect printed no mean volume: {stderr[-800:]}"
    return float("-inf") if found.group(1) == "-inf" else float(found.group(1))


def frame_at(video: Path, seconds: float, png: Path) -> Pixels:
    """The decoded frame at `seconds`, as RGB pixels."""
    run_ffmpeg(
        ["-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", "-update", "1", str(png)],
        timeout=120,
        what="frame extraction",
    )
    return read_rgb(png)


def read_rgb(path: Path) -> Pixels:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def near_white(pixels: Pixels) -> Mask:
    return np.asarray(pixels.min(axis=2) > 215)


def highlight_yellow(pixels: Pixels) -> Mask:
    """Pixels close to the highlight colour RGB(255, 215, 0)."""
    red, green, blue = (pixels[..., c].astype(int) for c in range(3))
    return np.asarray((red > 200) & (green > 160) & (green < 245) & (blue < 100))


def srt_cues(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue of an SRT file."""
    cues: list[tuple[float, float, str]] = []
    stamp = r"(\d\d):(\d\d):(\d\d),(\d\d\d)"
    pattern = re.compile(rf"{stamp} --> {stamp}\n(.+?)(?:\n\n|\Z)", re.DOTALL)
    for match in pattern.finditer(text.replace("\r\n", "\n")):
        g = [int(x) for x in match.groups()[:8]]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((start, end, match.group(9).strip()))
    return cues


def stage_entries(root: Path, stage: str) -> set[str]:
    """Finished entries of one stage of the stage cache (`partial` builds excluded)."""
    folder = root / "temp" / "stages" / stage
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.glob("*/*") if p.is_dir() and not p.name.startswith(".")}


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if not p.is_dir())
