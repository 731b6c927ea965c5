"""The Ken Burns move: its geometry, sub-pixel placement (luma and chroma), edges, blends."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from autoclip.render.motion import (
    FOCUS_POINTS,
    ZOOM_RANGE,
    Frame420,
    Move,
    blend,
    render_window,
)

OUT = (120, 200)  # width, height of the frame
SRC = (240, 400)  # the 2x still


def blob(shape: tuple[int, int], x: float, y: float, sigma: float) -> npt.NDArray[np.uint8]:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    values = 16 + 200 * np.exp(-((cols - x) ** 2 + (rows - y) ** 2) / (2 * sigma**2))
    return np.asarray(np.round(values), dtype=np.uint8)


def centroid(plane: npt.NDArray[np.uint8]) -> tuple[float, float]:
    weights = np.clip(plane.astype(np.float64) - 16, 0, None)
    rows, cols = np.mgrid[0 : plane.shape[0], 0 : plane.shape[1]]
    return float((weights * cols).sum() / weights.sum()), float(
        (weights * rows).sum() / weights.sum()
    )


def still_with_blob(x: float, y: float) -> Frame420:
    """A 2x still with a soft blob centred at luma (x, y), in luma and both chroma planes,
    each sited where yuv420p puts chroma (column 2k, row 2k + 0.5 of the luma grid)."""
    source = Frame420.empty(*SRC)
    source.y[:] = blob(source.y.shape, x, y, 6.0)
    chroma = blob(source.u.shape, x / 2, (y - 0.5) / 2, 3.0)
    source.u[:] = chroma
    source.v[:] = chroma
    return source


def test_a_move_runs_from_its_first_zoom_to_its_last_over_its_frames() -> None:
    move = Move.for_scene(0, 91)
    assert move.window(0) == (ZOOM_RANGE[0], 0.0, 0.0)
    zoom, left, top = move.window(90)
    assert zoom == pytest.approx(ZOOM_RANGE[1])
    margin = 1 - 1 / ZOOM_RANGE[1]
    assert (left, top) == pytest.approx((margin * 0.5, margin * 0.5))
    # odd scenes zoom out, and the focus point cycles
    out = Move.for_scene(1, 91)
    assert out.window(0)[0] == pytest.approx(ZOOM_RANGE[1])
    assert out.window(90)[0] == pytest.approx(ZOOM_RANGE[0])
    assert out.focus == FOCUS_POINTS[1]
    assert Move.for_scene(len(FOCUS_POINTS), 10).focus == FOCUS_POINTS[0]
    zooms = [move.window(frame)[0] for frame in range(91)]
    assert zooms == sorted(zooms)


@pytest.mark.parametrize("zoom", [1.0, 1.013, 1.08])
@pytest.mark.parametrize("shift", [0.0, 0.1, 0.25, 0.5, 0.77])
def test_the_window_is_placed_to_a_small_fraction_of_a_pixel(zoom: float, shift: float) -> None:
    """A feature lands where the exact mapping puts it, whatever the fractional offset:
    luma, and chroma on its own siting, within 0.05 px of the frame."""
    bx, by = 131.3, 207.6  # the blob in the 2x still's luma pixels
    source = still_with_blob(bx, by)
    out = Frame420.empty(*OUT)
    left = (0.2 + shift / SRC[0]) * (1 - 1 / zoom) + shift / SRC[0]
    top = 0.3 * (1 - 1 / zoom) + shift / SRC[1]
    render_window(source, out, zoom, left, top)

    # the window spans SRC/zoom of the still; output pixel centre i sits at x0 + (i+0.5)*s
    scale = SRC[0] / (OUT[0] * zoom)
    expected_x = (bx + 0.5 - left * SRC[0]) / scale - 0.5
    expected_y = (by + 0.5 - top * SRC[1]) / scale - 0.5
    x, y = centroid(out.y)
    assert (x, y) == pytest.approx((expected_x, expected_y), abs=0.05)
    for plane in (out.u, out.v):
        cx, cy = centroid(plane)
        assert (2 * cx, 2 * cy + 0.5) == pytest.approx((expected_x, expected_y), abs=0.1)


def test_no_window_of_the_move_reaches_past_the_still() -> None:
    """No black (or any other) edge: every output pixel of the extreme windows comes from
    the still, here one flat colour."""
    source = Frame420.empty(*SRC)
    source.y[:], source.u[:], source.v[:] = 180, 90, 160
    out = Frame420.empty(*OUT)
    for scene in range(2 * len(FOCUS_POINTS)):
        move = Move.for_scene(scene, 30)
        for frame in (0, 1, 15, 28, 29):
            out.data[:] = 0
            render_window(source, out, *move.window(frame))
            assert (out.y == 180).all()
            assert (out.u == 90).all()
            assert (out.v == 160).all()
    for focus in (0.0, 1.0):
        for zoom in ZOOM_RANGE:
            margin = 1 - 1 / zoom
            render_window(source, out, zoom, margin * focus, margin * focus)
            assert (out.y == 180).all()


def test_blend_weights_the_incoming_frame_by_alpha() -> None:
    outgoing, incoming, mixed = (Frame420.empty(4, 2) for _ in range(3))
    outgoing.data[:] = 100
    incoming.data[:] = 200
    for alpha, value in ((0.0, 100), (0.25, 125), (0.5, 150), (1.0, 200)):
        blend(outgoing, incoming, alpha, mixed)
        assert (mixed.data == value).all()


def test_a_frame_buffer_must_match_its_size() -> None:
    with pytest.raises(ValueError, match="4x2 yuv420p frame is 12 bytes"):
        Frame420.wrap(np.zeros(10, np.uint8), 4, 2)
    frame = Frame420.wrap(np.arange(12, dtype=np.uint8), 4, 2)
    assert frame.y.shape == (2, 4)
    assert (frame.u.item(0), frame.v.item(0)) == (8, 10)
    assert frame.u.shape == frame.v.shape == (1, 2)
