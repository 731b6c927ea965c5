"""The one ffmpeg run that encodes the video: frames from this process, narration, music
and captions.

The frames (`frames.video_frames`: stills moved at sub-pixel positions, clips, crossfades)
are made in this process and written to ffmpeg's stdin as raw yuv420p. ffmpeg mixes and
normalises the soundtrack, draws the captions with libass and encodes with x264. One
chain, one encoder: the old graph's source chain per scene (`movie`, a 2x `scale`,
`zoompan`, `split`/`trim`, `fade`/`overlay`) kept every scene's frame pools alive for the
whole render and resampled each frame with a new swscale context; see docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import cv2

from autoclip.kit.ffmpeg import CancelCheck, ProgressCallback, run_ffmpeg
from autoclip.providers.visuals.base import VisualKind
from autoclip.render.audio import (
    MUSIC_LEVEL_DB,
    Loudness,
    SoundtrackInputs,
    add_mix,
    music_input_args,
    normalise_filters,
)
from autoclip.render.frames import fitted_clip_frames, held_frames, video_frames
from autoclip.render.graph import Filter, FilterGraph
from autoclip.render.motion import Frame420
from autoclip.render.timeline import Timeline

# BT.709 all through: the matrix the frames were converted with, and the primaries and
# transfer of the sRGB-like stills and stock they came from.
COLOUR_TAGS = {"range": "tv", "colorspace": "bt709", "color_primaries": "bt709",
               "color_trc": "bt709"}  # fmt: skip


@dataclass(frozen=True)
class EncoderSettings:
    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "160k"
    threads: int = 0  # 0 = x264 picks (all cores)

    @classmethod
    def draft(cls) -> EncoderSettings:
        return cls(preset="ultrafast", crf=28, audio_bitrate="128k")


@dataclass(frozen=True)
class SceneInput:
    kind: VisualKind
    path: Path
    duration: float | None = None  # of a clip; None for stills


@dataclass(frozen=True)
class BookendInput:
    """An intro or outro: a card's PNG (drawn at the frame's size) or the user's clip."""

    path: Path
    frames: int
    clip: bool


@dataclass(frozen=True)
class RenderJob:
    scenes: list[SceneInput]
    timeline: Timeline
    size: tuple[int, int]
    narration: Path
    music: Path | None
    captions: Path | None
    fonts_dir: Path
    loudness: Loudness
    encoder: EncoderSettings
    output: Path
    # A brand's logo: an RGBA PNG already scaled, its opacity applied, and where its
    # top-left corner goes. Drawn under the captions, over every scene.
    logo: Path | None = None
    logo_at: tuple[int, int] = (0, 0)
    music_level_db: float = MUSIC_LEVEL_DB
    # Before and after the body. `narration` and `captions` then already run on the whole
    # video's clock (the narration padded, the cues offset by the intro).
    intro: BookendInput | None = None
    outro: BookendInput | None = None

    @property
    def intro_frames(self) -> int:
        return self.intro.frames if self.intro else 0

    @property
    def total_frames(self) -> int:
        outro = self.outro.frames if self.outro else 0
        return self.intro_frames + self.timeline.total_frames + outro

    @property
    def duration(self) -> float:
        return self.total_frames / self.timeline.fps


PIPE_BYTES = 1 << 20
# x264 option that changes memory, not output; the benchmark's floor encodes with it too.
X264_SYNC_LOOKAHEAD = "sync-lookahead=0"

_SAFE_GRAPH_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")


def graph_path(path: Path) -> str:
    """A file named inside the filter graph: relative to the render's working directory and
    made of safe characters only, so no escaping rules are ever in play."""
    text = path.as_posix()
    if path.is_absolute() or ".." in path.parts or not _SAFE_GRAPH_PATH.fullmatch(text):
        raise ValueError(f"unsafe path for a filter graph: {text!r}")
    return text


def _add_soundtrack(graph: FilterGraph, job: RenderJob, first_input: int) -> list[str]:
    """Wire narration (and music) into [aout]; returns their input arguments."""
    args = ["-i", str(job.narration)]
    music_label = None
    if job.music is not None:
        args += music_input_args(job.music)
        music_label = f"{first_input + 1}:a"
    inputs = SoundtrackInputs(f"{first_input}:a", music_label, job.duration, job.music_level_db)
    add_mix(graph, inputs, "mix")
    graph.add(["mix"], normalise_filters(job.loudness), ["aout"])
    return args


def build_render_args(job: RenderJob) -> list[str]:
    """ffmpeg arguments (without the binary) for the whole render: the frames arrive raw on
    stdin (`render_video` writes them), the soundtrack from the files."""
    timeline = job.timeline
    width, height = job.size
    for scene in job.scenes:
        if scene.kind is VisualKind.STILL:
            graph_path(scene.path)  # named relative to the render's folder, plain characters
    graph = FilterGraph()
    frames = "0:v"
    if job.logo is not None:
        _add_logo(graph, job, frames, "branded")
        frames = "branded"
    video_filters: list[Filter] = []
    if job.captions is not None:
        video_filters.append(
            Filter.of(
                "ass",
                filename=graph_path(job.captions),
                fontsdir=graph_path(job.fonts_dir),
            )
        )
    video_filters.append(Filter.of("setparams", **COLOUR_TAGS))
    graph.add([frames], video_filters, ["vout"])
    frames_input = [
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
        "-framerate", str(timeline.fps), "-i", "pipe:0",
    ]  # fmt: skip
    soundtrack = _add_soundtrack(graph, job, first_input=1)
    graph.validate({"vout", "aout"})
    return [
        *frames_input,
        *soundtrack,
        "-filter_complex",
        graph.render(),
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        *_encoder_args(job, timeline),
        str(job.output),
    ]


def render_video(
    job: RenderJob,
    *,
    cwd: Path,
    timeout: float = 1800.0,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    what: str = "render",
) -> None:
    """Render `job` into `job.output`; its relative paths are relative to `cwd`."""

    def feed(stdin: BinaryIO) -> None:
        _widen_pipe(stdin)
        # One thread for OpenCV's warps: x264 keeps the cores busy, and waking a pool for
        # each of a frame's three small warps cost more CPU than it saved (measured).
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            for frame in all_frames(job, cwd):
                stdin.write(frame.data.data)
        finally:
            cv2.setNumThreads(threads)

    run_ffmpeg(
        build_render_args(job),
        cwd=cwd,
        timeout=timeout,
        on_progress=on_progress,
        should_cancel=should_cancel,
        what=what,
        feed=feed,
    )


def all_frames(job: RenderJob, cwd: Path) -> Iterator[Frame420]:
    """The intro's frames, the body's, the outro's: one stream for the one encoder."""
    fps = job.timeline.fps
    if job.intro is not None:
        yield from _bookend_frames(job.intro, fps, job.size, cwd)
    yield from video_frames(job.scenes, job.timeline, job.size, cwd)
    if job.outro is not None:
        yield from _bookend_frames(job.outro, fps, job.size, cwd)


def _bookend_frames(
    bookend: BookendInput, fps: int, size: tuple[int, int], cwd: Path
) -> Iterator[Frame420]:
    if bookend.clip:
        return fitted_clip_frames(bookend.path, bookend.frames, fps, size, cwd)
    return held_frames(bookend.path, bookend.frames, size, cwd)


def _widen_pipe(stdin: BinaryIO) -> None:
    """A 1 MiB pipe instead of 64 KiB: a 3 MB frame then crosses in 3 writes, not 48, with
    as many fewer wake-ups of ffmpeg's reader. Left as it is where the system refuses."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _add_logo(graph: FilterGraph, job: RenderJob, under: str, out: str) -> None:
    """The logo over `under`: one decoded still, overlaid in place on every frame of the
    body (an intro or outro is the brand's own design already)."""
    assert job.logo is not None
    graph.add([], [Filter.of("movie", filename=graph_path(job.logo))], ["logo"])
    x, y = job.logo_at
    options: dict[str, str | int] = {"x": x, "y": y, "format": "yuv420"}
    if job.intro is not None or job.outro is not None:
        start = job.intro_frames
        end = start + job.timeline.total_frames - 1
        options["enable"] = f"between(n,{start},{end})"
    graph.add([under, "logo"], [Filter.of("overlay", **options)], [out])


def _encoder_args(job: RenderJob, timeline: Timeline) -> list[str]:
    enc = job.encoder
    return [
        "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf),
        "-pix_fmt", "yuv420p", "-r", str(timeline.fps), "-g", str(timeline.fps * 2),
        "-color_range", "tv", "-colorspace", "bt709", "-color_primaries", "bt709",
        "-color_trc", "bt709",
        "-threads", str(enc.threads),
        # No frames buffered for a threaded lookahead: the same bitstream (checked by md5
        # on 1080x1920 veryfast), about 15 MiB less resident, the same CPU (measured).
        "-x264-params", X264_SYNC_LOOKAHEAD,
        "-c:a", "aac", "-b:a", enc.audio_bitrate, "-ar", "48000", "-ac", "2",
        "-frames:v", str(job.total_frames),
        "-movflags", "+faststart",
    ]  # fmt: skip
