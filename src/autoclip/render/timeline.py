"""Where each scene sits in frames, and the pieces the renderer cuts it into.

Scene i is on screen from its narration start to the next scene's narration start. A
crossfade of F frames is centred on each boundary. Following RENDER-NOTES, blending only
ever happens on the F-frame overlap windows; everything else is plain frames joined by
`concat`. So each scene yields up to three segments: the head it fades in
with, its body, and the tail it fades out with. All arithmetic is in whole frames so the
video is exactly `ceil(duration * fps)` frames long.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from enum import StrEnum

FPS = 30  # every render's frame rate


class SegmentRole(StrEnum):
    HEAD = "head"
    BODY = "body"
    TAIL = "tail"


@dataclass(frozen=True)
class Segment:
    scene: int  # 0-based scene index
    role: SegmentRole
    first_frame: int  # offset inside the scene's own motion (0 = its first visible frame)
    frames: int


@dataclass(frozen=True)
class SceneSpan:
    index: int
    start_frame: int  # first frame on the video timeline where this scene is visible
    frames: int  # frames of motion this scene needs, fade windows included


@dataclass(frozen=True)
class Timeline:
    fps: int
    total_frames: int
    fade_frames: int
    spans: tuple[SceneSpan, ...]
    pieces: tuple[tuple[Segment, ...], ...]  # in playing order; a 2-tuple is a crossfade

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps


def plan_timeline(
    scene_starts: list[float], duration: float, fps: int = FPS, crossfade: float = 0.5
) -> Timeline:
    """`scene_starts[i]` is when scene i's narration starts (the first must be 0)."""
    if not scene_starts or scene_starts[0] != 0:
        raise ValueError("the first scene must start at 0")
    total = math.ceil(round(duration * fps, 6))
    boundaries = [round(start * fps) for start in scene_starts[1:]]
    fade = max(0, round(crossfade * fps))
    before, after = fade // 2, fade - fade // 2
    edges = [0, *boundaries, total]
    for left, right in itertools.pairwise(edges):
        if right - left <= fade:
            raise ValueError("a scene is shorter than its crossfades")

    spans: list[SceneSpan] = []
    count = len(scene_starts)
    for i in range(count):
        start = edges[i] - (before if i > 0 else 0)
        end = edges[i + 1] + (after if i < count - 1 else 0)
        spans.append(SceneSpan(i, start, end - start))

    pieces: list[tuple[Segment, ...]] = []
    for i, span in enumerate(spans):
        head = fade if i > 0 else 0
        tail = fade if i < count - 1 else 0
        body = Segment(i, SegmentRole.BODY, head, span.frames - head - tail)
        pieces.append((body,))
        if tail:
            out = Segment(i, SegmentRole.TAIL, span.frames - tail, tail)
            into = Segment(i + 1, SegmentRole.HEAD, 0, fade)
            pieces.append((out, into))
    if fade == 0:
        pieces = [piece for piece in pieces if piece[0].frames > 0]
    return Timeline(fps, total, fade, tuple(spans), tuple(pieces))
