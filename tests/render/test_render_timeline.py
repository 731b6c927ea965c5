"""plan_timeline: whole-frame arithmetic, pieces that tile the video, fades between scenes."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from autoclip.render.timeline import Segment, SegmentRole, Timeline, plan_timeline


def played_frames(piece: tuple[Segment, ...]) -> int:
    """Frames a piece adds to the video: a crossfade pair overlaps into one window."""
    assert len({seg.frames for seg in piece}) == 1
    return piece[0].frames


def check_invariants(timeline: Timeline, starts: list[float], duration: float) -> None:
    fps, fade = timeline.fps, timeline.fade_frames
    count = len(starts)
    assert timeline.total_frames == math.ceil(round(duration * fps, 6))
    assert len(timeline.spans) == count

    # the pieces, in order, tile the whole video
    assert sum(played_frames(piece) for piece in timeline.pieces) == timeline.total_frames

    # crossfades are (tail of i, head of i+1), fade frames each, and only those
    fades = [piece for piece in timeline.pieces if len(piece) == 2]
    assert len(fades) == (count - 1 if fade else 0)
    for i, (out, into) in enumerate(fades):
        assert (out.scene, out.role, out.frames) == (i, SegmentRole.TAIL, fade)
        assert (into.scene, into.role, into.frames, into.first_frame) == (
            i + 1,
            SegmentRole.HEAD,
            fade,
            0,
        )
    for piece in timeline.pieces:
        assert len(piece) in (1, 2)
        if len(piece) == 1:
            assert piece[0].role is SegmentRole.BODY
            assert piece[0].frames > 0

    # each scene's segments cut its span into consecutive, non-overlapping parts
    for span in timeline.spans:
        own = [seg for piece in timeline.pieces for seg in piece if seg.scene == span.index]
        assert sum(seg.frames for seg in own) == span.frames
        position = 0
        for seg in own:
            assert seg.first_frame == position
            position += seg.frames
        roles = [seg.role for seg in own]
        expected = [SegmentRole.BODY]
        if fade and span.index > 0:
            expected.insert(0, SegmentRole.HEAD)
        if fade and span.index < count - 1:
            expected.append(SegmentRole.TAIL)
        assert roles == expected

    # spans cover the video contiguously, overlapping exactly by the fade windows
    assert timeline.spans[0].start_frame == 0
    last = timeline.spans[-1]
    assert last.start_frame + last.frames == timeline.total_frames
    for left, right in itertools.pairwise(timeline.spans):
        assert right.index == left.index + 1
        assert left.start_frame + left.frames - right.start_frame == fade
        # the fade is centred on the narration boundary
        boundary = round(starts[right.index] * fps)
        assert right.start_frame == boundary - fade // 2


def test_three_scenes_at_30_fps() -> None:
    timeline = plan_timeline([0.0, 1.0, 2.0], 3.0)
    assert (timeline.fps, timeline.total_frames, timeline.fade_frames) == (30, 90, 15)
    assert timeline.duration == 3.0
    assert [(s.start_frame, s.frames) for s in timeline.spans] == [(0, 38), (23, 45), (53, 37)]
    assert [[(seg.scene, seg.role.value, seg.frames) for seg in p] for p in timeline.pieces] == [
        [(0, "body", 23)],
        [(0, "tail", 15), (1, "head", 15)],
        [(1, "body", 15)],
        [(1, "tail", 15), (2, "head", 15)],
        [(2, "body", 22)],
    ]
    check_invariants(timeline, [0.0, 1.0, 2.0], 3.0)


@pytest.mark.parametrize(
    ("duration", "fps", "frames"),
    [(3.0, 30, 90), (3.01, 30, 91), (2.999, 30, 90), (10.0, 25, 250), (1 / 3 * 3, 30, 30)],
)
def test_total_frames_is_the_ceiling(duration: float, fps: int, frames: int) -> None:
    assert plan_timeline([0.0], duration, fps=fps).total_frames == frames


def test_float_noise_does_not_add_a_frame() -> None:
    # 0.1 * 30 is 3.0000000000000004 in floating point
    assert plan_timeline([0.0], 0.1 * 21, fps=30).total_frames == 63


def test_a_single_scene_is_one_body() -> None:
    timeline = plan_timeline([0.0], 2.0)
    assert len(timeline.pieces) == 1
    (body,) = timeline.pieces[0]
    assert (body.scene, body.role, body.first_frame, body.frames) == (0, SegmentRole.BODY, 0, 60)


def test_no_crossfade_means_plain_cuts() -> None:
    timeline = plan_timeline([0.0, 1.0, 2.5], 4.0, crossfade=0)
    assert timeline.fade_frames == 0
    assert all(len(piece) == 1 for piece in timeline.pieces)
    assert [piece[0].frames for piece in timeline.pieces] == [30, 45, 45]
    check_invariants(timeline, [0.0, 1.0, 2.5], 4.0)


@pytest.mark.parametrize(
    ("starts", "duration"),
    [
        ([0.0, 0.4, 2.0], 3.0),  # first scene shorter than the fade
        ([0.0, 1.0, 1.5], 3.0),  # exactly the fade: no body left
        ([0.0, 1.0, 2.8], 3.0),  # last scene too short
        ([0.0, 2.0, 1.0], 3.0),  # out of order
    ],
)
def test_a_scene_shorter_than_the_crossfade_raises(starts: list[float], duration: float) -> None:
    with pytest.raises(ValueError, match="shorter than its crossfades"):
        plan_timeline(starts, duration)


@pytest.mark.parametrize("starts", [[], [0.1, 1.0], [1.0]])
def test_the_first_scene_must_start_at_zero(starts: list[float]) -> None:
    with pytest.raises(ValueError, match="start at 0"):
        plan_timeline(starts, 5.0)


def test_invariants_hold_for_many_random_timelines() -> None:
    rng = random.Random(20240611)
    checked = 0
    for _ in range(2000):
        fps = rng.choice([24, 25, 30, 60])
        crossfade = rng.choice([0.0, 0.2, 0.5, 0.75])
        count = rng.randint(1, 12)
        gaps = [rng.uniform(0.3, 6.0) for _ in range(count)]
        starts = [0.0, *itertools.accumulate(gaps[:-1])]
        duration = sum(gaps) + rng.uniform(-0.02, 0.02)
        try:
            timeline = plan_timeline(starts, duration, fps=fps, crossfade=crossfade)
        except ValueError:
            # only when some scene really is no longer than the fade
            fade = round(crossfade * fps)
            total = math.ceil(round(duration * fps, 6))
            edges = [0, *(round(s * fps) for s in starts[1:]), total]
            assert any(b - a <= fade for a, b in itertools.pairwise(edges))
            continue
        check_invariants(timeline, starts, duration)
        checked += 1
    assert checked > 1000
