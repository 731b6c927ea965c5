"""Every video frame of a render, made in this process and written to the encoder in order.

One scene is open at a time (two across a crossfade), so memory holds at most two 2x
stills and a few frame buffers whatever the number of scenes. Before this, one ffmpeg
graph held a source chain per scene from the first frame to the last (ffmpeg starts every
chain at once), each with its frame pools.

- A still is decoded, converted to BT.709 and cover-scaled to 2x the frame in this
  process (`decode_still`), then moved by `motion`. ffmpeg did this before, in a process
  of its own beside the encoder (about 70 MiB at the render's peak); the frames match its
  within a few levels (PSNR 53-60 dB on luma, measured).
- A clip is decoded by one ffmpeg run for its whole span: frame rate, cover scale, looped
  when shorter than its scene.
- A crossfade blends the outgoing scene's tail with the incoming scene's head, the
  incoming weight rising k/F over its F frames (what `fade` + `overlay` gave).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from autoclip.errors import MediaError
from autoclip.kit.ffmpeg import RawFrames
from autoclip.providers.visuals.base import VisualKind
from autoclip.render.graph import Filter
from autoclip.render.motion import SUPERSAMPLE, Frame420, Move, blend, render_window
from autoclip.render.timeline import Segment, Timeline


class SceneInputLike(Protocol):
    @property
    def kind(self) -> VisualKind: ...
    @property
    def path(self) -> Path: ...


def cover_filters(width: int, height: int) -> list[Filter]:
    """Scale to cover width x height, centre-crop, as limited-range BT.709 yuv420p.

    Stills and clips arrive as full-range RGB or anything else; converting in the same
    `scale` that resizes saves a pass, and the tags make players use the right matrix.
    """
    return [
        Filter.of(
            "scale",
            w=width,
            h=height,
            force_original_aspect_ratio="increase",
            flags="bicubic",
            out_color_matrix="bt709",
            out_range="tv",
        ),
        Filter.of("format", pix_fmts="yuv420p"),
        Filter.of("crop", w=width, h=height),
    ]


def _chain(filters: list[Filter]) -> str:
    return ",".join(f.render() for f in filters)


class _Scene(Protocol):
    def next_frame(self) -> Frame420: ...


def decode_still(path: Path, size: tuple[int, int], cwd: Path | None) -> Frame420:
    """The still cover-scaled to SUPERSAMPLE times the frame size, as limited-range BT.709
    yuv420p: what `cover_filters` makes of it in ffmpeg, made here.

    As swscale does, each plane is resized from the still's own resolution: luma to the
    2x size, chroma to half that (so a still of the frame's size keeps its chroma as it
    is). Bicubic up, area-averaged down; the crop is centred on even pixels."""
    where = path if cwd is None or path.is_absolute() else cwd / path
    # orientation ignored, like ffmpeg's image decoders; alpha dropped, like its yuv420p
    bgr = cv2.imread(str(where), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise MediaError(f"still decoding failed: cannot read {path.name} as an image")
    width, height = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
    rows, cols = bgr.shape[:2]
    factor = max(width / cols, height / rows)
    covered = (max(width, round(cols * factor)), max(height, round(rows * factor)))
    if factor < 1:  # shrink first: the conversion then costs the covered size, not the still's
        bgr = cv2.resize(bgr, covered, interpolation=cv2.INTER_AREA)
    yuv = cv2.transform(bgr, _BGR_TO_BT709)
    del bgr
    left, top = (covered[0] - width) // 2 & ~1, (covered[1] - height) // 2 & ~1
    source = Frame420.empty(width, height)
    for channel, plane, scale in ((0, source.y, 1), (1, source.u, 2), (2, source.v, 2)):
        target = (covered[0] // scale, covered[1] // scale)
        resized = yuv[:, :, channel]
        if (resized.shape[1], resized.shape[0]) != target:
            method = cv2.INTER_CUBIC if resized.shape[1] < target[0] else cv2.INTER_AREA
            resized = cv2.resize(resized, target, interpolation=method)
        x, y = left // scale, top // scale
        plane[:] = resized[y : y + plane.shape[0], x : x + plane.shape[1]]
    return source


def _bt709_matrix() -> npt.NDArray[np.float64]:
    """Full-range BGR to limited-range BT.709 Y, Cb, Cr (rows), with the offsets."""
    kr, kb = 0.2126, 0.0722
    kg = 1.0 - kr - kb
    luma = np.array([kb, kg, kr]) * 219 / 255
    cb = (np.array([1.0, 0.0, 0.0]) - [kb, kg, kr]) / (2 * (1 - kb)) * 224 / 255
    cr = (np.array([0.0, 0.0, 1.0]) - [kb, kg, kr]) / (2 * (1 - kr)) * 224 / 255
    return np.array([[*luma, 16.0], [*cb, 128.0], [*cr, 128.0]])


_BGR_TO_BT709 = _bt709_matrix()


class _Still:
    """A still moving over its scene's span: frame j is the move's window j."""

    def __init__(self, source: Frame420, move: Move, size: tuple[int, int]):
        self.source = source
        self.move = move
        self.out = Frame420.empty(*size)
        self.index = 0

    def next_frame(self) -> Frame420:
        render_window(self.source, self.out, *self.move.window(self.index))
        self.index += 1
        return self.out


class _Clip:
    """A clip's frames over its scene's span, decoded as they are needed."""

    def __init__(
        self, path: Path, frames: int, fps: int, size: tuple[int, int], cwd: Path | None
    ) -> None:
        width, height = size
        filters = [Filter.of("fps", fps=fps), *cover_filters(width, height)]
        args = ["-stream_loop", "-1", "-i", str(path), "-vf", _chain(filters),
                "-frames:v", str(frames),
                "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"]  # fmt: skip
        self.out = Frame420.empty(width, height)
        self.raw = RawFrames(args, self.out.data.size, what="clip decoding", cwd=cwd)

    def next_frame(self) -> Frame420:
        self.raw.read_into(self.out.data.data)
        return self.out


def video_frames(
    scenes: Sequence[SceneInputLike], timeline: Timeline, size: tuple[int, int], cwd: Path | None
) -> Iterator[Frame420]:
    """The video's frames in order. A yielded frame is only valid until the next one.

    The next scene's still is decoded in a thread while this scene plays, so the encoder
    never waits for an ffmpeg start and a PNG decode at a scene change."""
    width, height = size
    mixed = Frame420.empty(width, height)
    with ExitStack() as closing:
        open_scenes: dict[int, _Scene] = {}
        decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="still-decoder")
        closing.callback(decoder.shutdown, wait=True, cancel_futures=True)
        decoding: dict[int, Future[Frame420]] = {}

        def prefetch(index: int) -> None:
            wanted = index < len(scenes) and scenes[index].kind is VisualKind.STILL
            if wanted and index not in decoding and index not in open_scenes:
                decoding[index] = decoder.submit(decode_still, scenes[index].path, size, cwd)

        def scene(index: int) -> _Scene:
            if index not in open_scenes:
                item = scenes[index]
                span = timeline.spans[index].frames
                if item.kind is VisualKind.STILL:
                    prefetch(index)
                    source = decoding.pop(index).result()
                    open_scenes[index] = _Still(source, Move.for_scene(index, span), size)
                    prefetch(index + 1)
                else:
                    clip = _Clip(item.path, span, timeline.fps, size, cwd)
                    closing.callback(clip.raw.close)
                    open_scenes[index] = clip
            return open_scenes[index]

        def done_with(segment: Segment) -> None:
            if segment.first_frame + segment.frames == timeline.spans[segment.scene].frames:
                finished = open_scenes.pop(segment.scene)
                if isinstance(finished, _Clip):
                    finished.raw.close()

        for piece in timeline.pieces:
            if len(piece) == 1:
                (segment,) = piece
                current = scene(segment.scene)
                for _ in range(segment.frames):
                    yield current.next_frame()
                done_with(segment)
                continue
            tail, head = piece
            outgoing, incoming = scene(tail.scene), scene(head.scene)
            for k in range(tail.frames):
                blend(outgoing.next_frame(), incoming.next_frame(), k / tail.frames, mixed)
                yield mixed
            done_with(tail)


def fit_filters(width: int, height: int) -> list[Filter]:
    """Scale to fit inside width x height, whole and unstretched, on black bars where the
    shapes differ (an intro made for 16:9 shown in a 9:16 short)."""
    return [
        Filter.of(
            "scale",
            w=width,
            h=height,
            force_original_aspect_ratio="decrease",
            force_divisible_by=2,
            flags="bicubic",
            out_color_matrix="bt709",
            out_range="tv",
        ),
        Filter.of("format", pix_fmts="yuv420p"),
        Filter.of("pad", w=width, h=height, x="(ow-iw)/2", y="(oh-ih)/2", color="black"),
        Filter.of("setsar", sar=1),
    ]


def held_frames(
    image: Path, frames: int, size: tuple[int, int], cwd: Path | None
) -> Iterator[Frame420]:
    """An image (a bookend card drawn at the frame's size) held for `frames` frames."""
    still = Frame420.empty(*size)
    args = ["-i", str(image), "-vf", _chain(cover_filters(*size)), "-frames:v", "1",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"]  # fmt: skip
    with RawFrames(args, still.data.size, what="card decoding", cwd=cwd) as raw:
        raw.read_into(still.data.data)
    for _ in range(frames):
        yield still


def fitted_clip_frames(
    clip: Path, frames: int, fps: int, size: tuple[int, int], cwd: Path | None
) -> Iterator[Frame420]:
    """Exactly `frames` frames of a bookend clip, fitted into the frame; its last frame is
    held if it decodes a frame short of its rounded length."""
    hold = Filter.of("tpad", stop=-1, stop_mode="clone")
    filters = [Filter.of("fps", fps=fps), *fit_filters(*size), hold]
    out = Frame420.empty(*size)
    args = ["-i", str(clip), "-an", "-vf", _chain(filters), "-frames:v", str(frames),
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"]  # fmt: skip
    with RawFrames(args, out.data.size, what="intro/outro clip decoding", cwd=cwd) as raw:
        for _ in range(frames):
            raw.read_into(out.data.data)
            yield out
