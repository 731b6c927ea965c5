"""A still decoded in process matches what ffmpeg's cover scale made of it before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw, ImageFilter

from autoclip.errors import MediaError
from autoclip.kit.ffmpeg import RawFrames
from autoclip.render.frames import _chain, cover_filters, decode_still
from autoclip.render.motion import SUPERSAMPLE, Frame420

FRAME = (90, 160)  # width, height of the video frame


def detailed_still(path: Path, size: tuple[int, int]) -> None:
    """Colour bands, a few shapes and a soft gradient: detail in luma and chroma."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for band in range(8):
        colour = (37 * band % 256, 255 - 29 * band, (90 + 61 * band) % 256)
        draw.rectangle((0, band * height // 8, width, (band + 1) * height // 8), fill=colour)
    draw.ellipse((width // 5, height // 4, width // 2, height // 2), fill=(250, 215, 0))
    draw.line((0, height, width, 0), fill=(20, 20, 200), width=max(2, width // 40))
    image.filter(ImageFilter.GaussianBlur(1.2)).save(path)


def ffmpeg_still(path: Path) -> Frame420:
    """What the render used before: ffmpeg's `scale` (bicubic, BT.709, limited range)."""
    big = (FRAME[0] * SUPERSAMPLE, FRAME[1] * SUPERSAMPLE)
    frame = Frame420.empty(*big)
    args = ["-i", str(path), "-vf", _chain(cover_filters(*big)), "-frames:v", "1",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"]  # fmt: skip
    with RawFrames(args, frame.data.size, what="reference", cwd=None) as raw:
        raw.read_into(frame.data.data)
    return frame


def psnr(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> float:
    error = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 99.0 if error == 0 else 10 * float(np.log10(255**2 / error))


@pytest.mark.parametrize(
    ("size", "least_db"),
    [((90, 160), 40), ((180, 320), 40), ((301, 177), 40), ((70, 150), 40), ((999, 1001), 27)],
    ids=["frame", "2x", "landscape", "narrow", "large square"],
)
def test_planes_match_ffmpegs_cover_scale(
    tmp_path: Path, size: tuple[int, int], least_db: float
) -> None:
    still = tmp_path / "still.png"
    detailed_still(still, size)
    ours = decode_still(Path("still.png"), FRAME, tmp_path)
    theirs = ffmpeg_still(still)
    for plane in ("y", "u", "v"):
        # Same crop, matrix and range: only the resampling kernels differ. Enlarging,
        # bicubic against bicubic, they agree within a few levels. Shrinking a still with
        # hard edges 3x, area averaging is softer than swscale's widened bicubic (28-29 dB
        # here; 57 dB on a smooth photo-like still); a crop off by one pixel falls below.
        assert psnr(getattr(ours, plane), getattr(theirs, plane)) > least_db, plane


def test_a_file_that_is_no_image_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "scene_3.png").write_bytes(b"not an image")
    with pytest.raises(MediaError, match=r"scene_3\.png"):
        decode_still(Path("scene_3.png"), FRAME, tmp_path)
