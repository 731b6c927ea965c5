"""Render benchmark: a 60-second, 8-scene short through the whole engine, against the
encode floor measured in the same process.

For each configuration it runs the engine cold (fresh storage root: narration, cards,
captions, render, thumbnail), records each stage's wall time and the peak resident memory
of the render's ffmpeg process, then times x264 encoding the very frames the engine
produced (decoded to a raw yuv420p file first) with the same encoder settings: the floor.
The report gives the render/floor ratio, which holds across machine load where absolute
seconds drift.

    .venv/bin/python benchmarks/render_bench.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.kit.storage import LocalStorage
from autoclip.options import Aspect, GenerateOptions, Language
from autoclip.pipeline.chains import Providers
from autoclip.pipeline.engine import Engine, GenerateRequest
from autoclip.pipeline.progress import Stage
from autoclip.providers.writing.base import SourceMaterial
from autoclip.render.video import X264_SYNC_LOOKAHEAD, EncoderSettings
from autoclip.script.model import Script

SCRIPT = Path(__file__).with_name("sixty_second_script.json")


@dataclass(frozen=True)
class Config:
    name: str
    draft: bool
    size: tuple[int, int]
    encoder: EncoderSettings


CONFIGS = [
    Config("1080x1920 veryfast", False, (1080, 1920), EncoderSettings()),
    Config("720x1280 draft (ultrafast)", True, (720, 1280), EncoderSettings.draft()),
]


class ChildMemorySampler:
    """Peak RSS of any child process (the render's ffmpeg), and of the whole process tree
    (this process plus all its children at the same instant), sampled every 20 ms.

    getrusage(RUSAGE_CHILDREN) cannot be used: it keeps the maximum over every child the
    benchmark ever ran, floors and other configurations included."""

    def __init__(self) -> None:
        self.peak_bytes = 0
        self.tree_peak_bytes = 0
        self.stage = "start"  # set by RenderCpu as the engine moves on
        self.tree_peak_by_stage: dict[str, int] = {}
        self.cpu_seconds = 0.0  # this sampler's own, to take off the engine's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.02):
            tree = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.peak_bytes = max(self.peak_bytes, rss)
                tree += rss
            self.tree_peak_bytes = max(self.tree_peak_bytes, tree)
            stage = self.stage
            self.tree_peak_by_stage[stage] = max(self.tree_peak_by_stage.get(stage, 0), tree)
            self.cpu_seconds = time.thread_time()

    def __enter__(self) -> ChildMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


class RenderCpu:
    """CPU seconds of the render stage: this process's (the frames are made in it) plus its
    finished children's (every ffmpeg of the render is waited for inside the stage). CPU,
    unlike wall time, does not stretch when other work shares the cores."""

    def __init__(self, sampler: ChildMemorySampler) -> None:
        self.sampler = sampler
        self.seconds = 0.0
        self._start = 0.0

    def _now(self) -> float:
        times = os.times()
        own = times.user + times.system - self.sampler.cpu_seconds
        return own + times.children_user + times.children_system

    def stage_started(self, stage: Stage, total: float) -> None:
        self.sampler.stage = stage.value
        if stage is Stage.RENDER:
            self._start = self._now()

    def stage_advanced(self, stage: Stage, done: float) -> None:
        pass

    def stage_finished(self, stage: Stage, seconds: float, reused: bool) -> None:
        if stage is Stage.RENDER:
            self.seconds = self._now() - self._start


def run_engine(config: Config, root: Path, cpu: RenderCpu) -> tuple[dict[str, float], Path, float]:
    script = Script.model_validate_json(SCRIPT.read_text("utf-8"))
    options = GenerateOptions(language=Language.EN, aspect=Aspect.VERTICAL, draft=config.draft)
    request = GenerateRequest(SourceMaterial(text="benchmark"), options, script=script)
    storage = LocalStorage(root)
    engine = Engine(storage, Providers.offline(), cpu, work_dir=storage.temp_root)
    began = time.perf_counter()
    result = engine.generate(request)
    timings = dict(result.timings)
    timings["total"] = time.perf_counter() - began
    video = result.outputs["video"]
    assert isinstance(video, str)
    return timings, Path(video), result.duration_s


def encode_floor(config: Config, video: Path, scratch: Path) -> tuple[float, float, float]:
    """Seconds, CPU seconds and peak MiB for x264 alone on the engine's own frames."""
    raw = scratch / "frames.yuv"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-i", str(video), "-f", "rawvideo",
         "-pix_fmt", "yuv420p", str(raw)],
        check=True,
    )  # fmt: skip
    width, height = config.size
    enc = config.encoder
    command = [
        "/usr/bin/time", "-f", "%U %S %M", ffmpeg_binary(), "-v", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", "30",
        "-i", str(raw), "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf),
        "-pix_fmt", "yuv420p", "-g", "60", "-threads", str(enc.threads),
        "-x264-params", X264_SYNC_LOOKAHEAD,
        "-movflags", "+faststart", str(scratch / "floor.mp4"),
    ]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    raw.unlink()
    user, system, peak_kib = done.stderr.strip().splitlines()[-1].split()
    return seconds, float(user) + float(system), int(peak_kib) / 1024


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def measure(config: Config, rounds: int) -> dict[str, object]:
    rows = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="autoclip-bench-") as folder:
            scratch = Path(folder)
            with ChildMemorySampler() as sampler:
                cpu = RenderCpu(sampler)
                timings, video, duration = run_engine(config, scratch / "store", cpu)
            render_peak = sampler.peak_bytes / 2**20
            tree_peak = sampler.tree_peak_bytes / 2**20
            by_stage = {k: round(v / 2**20) for k, v in sampler.tree_peak_by_stage.items()}
            floor_s, floor_cpu, floor_peak = encode_floor(config, video, scratch)
            shutil.rmtree(scratch / "store")
        rows.append(
            (timings, floor_s, floor_peak, render_peak, duration, tree_peak, cpu.seconds, floor_cpu,
             by_stage)
        )  # fmt: skip
    stages = {k: statistics.median(r[0][k] for r in rows) for k in rows[0][0]}
    floor = statistics.median(r[1] for r in rows)
    return {
        "config": config.name,
        "rounds": rounds,
        "video_seconds": rows[0][4],
        "stage_seconds": {k: round(v, 2) for k, v in stages.items()},
        "floor_seconds": round(floor, 2),
        "render_over_floor": round(stages["render"] / floor, 3),
        "render_ratios": [round(r[0]["render"] / r[1], 3) for r in rows],
        "render_cpu_seconds": [round(r[6], 2) for r in rows],
        "floor_cpu_seconds": [round(r[7], 2) for r in rows],
        "render_cpu_over_floor_cpu": [round(r[6] / r[7], 3) for r in rows],
        "peak_render_mib": round(max(r[3] for r in rows), 1),
        "peak_floor_mib": round(max(r[2] for r in rows), 1),
        "peak_tree_mib": round(max(r[5] for r in rows), 1),
        "peak_tree_mib_by_stage": [r[8] for r in rows],
        "peak_engine_python_mib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", choices=[c.name for c in CONFIGS])
    args = parser.parse_args()
    print(json.dumps({"machine": machine()}))
    for config in CONFIGS:
        if args.only and config.name != args.only:
            continue
        print(json.dumps(measure(config, args.rounds)), flush=True)


if __name__ == "__main__":
    main()
