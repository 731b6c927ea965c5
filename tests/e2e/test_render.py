"""The finished video of each aspect: codecs, geometry, timing, loudness and side outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from .media import (
    Rendered,
    integrated_loudness,
    media_duration,
    only_stream,
    probe,
    srt_cues,
)

pytestmark = pytest.mark.e2e

# (session fixture, frame size): Korean and English vertical, English 16:9, Korean 1:1.
CASES = [
    ("ko_vertical", (1080, 1920)),
    ("en_vertical", (1080, 1920)),
    ("en_landscape", (1920, 1080)),
    ("ko_square", (1080, 1080)),
    ("ko_draft", (720, 1280)),
]
FULL_SIZE = [case for case in CASES if case[0] != "ko_draft"]
IDS = [name for name, _ in CASES]
FULL_IDS = [name for name, _ in FULL_SIZE]


def _rendered_case(request: pytest.FixtureRequest) -> tuple[Rendered, tuple[int, int]]:
    name, size = request.param
    rendered = request.getfixturevalue(name)
    assert isinstance(rendered, Rendered)
    return rendered, size


@pytest.fixture(params=CASES, ids=IDS)
def case(request: pytest.FixtureRequest) -> tuple[Rendered, tuple[int, int]]:
    return _rendered_case(request)


@pytest.fixture(params=FULL_SIZE, ids=FULL_IDS)
def full_case(request: pytest.FixtureRequest) -> tuple[Rendered, tuple[int, int]]:
    return _rendered_case(request)


def test_streams_are_h264_and_aac_at_the_aspect_size(
    case: tuple[Rendered, tuple[int, int]], ffprobe: Path
) -> None:
    rendered, (width, height) = case
    info = probe(ffprobe, rendered.video)
    video, audio = only_stream(info, "video"), only_stream(info, "audio")
    assert video["codec_name"] == "h264"
    assert audio["codec_name"] == "aac"
    assert (video["width"], video["height"]) == (width, height)
    assert video["r_frame_rate"] == "30/1"


def test_pixel_format_is_plain_yuv420p(
    case: tuple[Rendered, tuple[int, int]], ffprobe: Path
) -> None:
    # yuvj420p (full range) is what ffprobe reports when the PNG inputs' full range leaks
    # into the encode; many players and platforms expect limited-range yuv420p.
    video = only_stream(probe(ffprobe, case[0].video), "video")
    assert video["pix_fmt"] == "yuv420p", (
        f"pix_fmt {video['pix_fmt']} (color_range={video.get('color_range')}, "
        f"color_space={video.get('color_space')})"
    )


def test_colour_is_tagged_bt709_limited_range(
    case: tuple[Rendered, tuple[int, int]], ffprobe: Path
) -> None:
    # The frames are converted with the BT.709 matrix to limited range; players that honour
    # the tags (and those that guess from a missing primaries or transfer tag) must agree.
    # "gbr" (matrix coefficients 0, identity) on a YUV stream would show wrong colours.
    video = only_stream(probe(ffprobe, case[0].video), "video")
    tags = {key: video.get(key) for key in ("color_space", "color_primaries", "color_transfer")}
    assert tags == dict.fromkeys(tags, "bt709")
    assert video.get("color_range") == "tv"


def test_moov_atom_comes_before_the_media_data(case: tuple[Rendered, tuple[int, int]]) -> None:
    data = case[0].video.read_bytes()
    moov, mdat = data.find(b"moov"), data.find(b"mdat")
    assert moov != -1, "no moov atom"
    assert mdat != -1, "no mdat atom"
    assert moov < mdat, f"moov at {moov} after mdat at {mdat}: not faststart"


def test_video_lasts_as_long_as_the_narration(
    case: tuple[Rendered, tuple[int, int]], ffprobe: Path
) -> None:
    rendered = case[0]
    narration = float(rendered.summary["duration_s"])
    video = media_duration(ffprobe, rendered.video)
    video_stream = float(only_stream(probe(ffprobe, rendered.video), "video")["duration"])
    mp3 = media_duration(ffprobe, rendered.output("audio"))
    assert 5.0 < narration < 30.0, "the short inputs should make 10-20 s videos"
    assert video == pytest.approx(narration, abs=0.1)
    assert video_stream == pytest.approx(narration, abs=0.1)
    assert video == pytest.approx(mp3, abs=0.1)


def test_loudness_is_minus_14_lufs(case: tuple[Rendered, tuple[int, int]]) -> None:
    assert integrated_loudness(case[0].video) == pytest.approx(-14.0, abs=1.0)


def test_narration_mp3_is_at_the_same_loudness(full_case: tuple[Rendered, tuple[int, int]]) -> None:
    assert integrated_loudness(full_case[0].output("audio")) == pytest.approx(-14.0, abs=1.0)


def test_one_scene_image_per_scene_at_the_frame_size(
    case: tuple[Rendered, tuple[int, int]],
) -> None:
    rendered, size = case
    script = rendered.script
    expected = len([script.hook, *script.scenes, script.cta])
    images = rendered.images
    assert len(images) == expected
    assert [p.name for p in images] == [f"scene_{n}.png" for n in range(1, expected + 1)]
    for path in images:
        assert path.parent == rendered.root / "images" / rendered.content_id
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == size


def test_thumbnail_is_a_jpeg_of_the_output_aspect(case: tuple[Rendered, tuple[int, int]]) -> None:
    rendered, (width, height) = case
    with Image.open(rendered.output("thumbnail")) as image:
        assert image.format == "JPEG"
        assert image.width / image.height == pytest.approx(width / height, rel=0.01)


def test_captions_exist_and_have_cues(case: tuple[Rendered, tuple[int, int]]) -> None:
    rendered = case[0]
    narration = float(rendered.summary["duration_s"])
    cues = srt_cues(rendered.output("captions_srt").read_text("utf-8"))
    assert len(cues) >= 3
    assert all(start < end <= narration + 0.05 for start, end, _ in cues)
    assert all(text for _, _, text in cues)
    ass = rendered.output("captions_ass").read_text("utf-8")
    assert "[Events]" in ass
    assert sum(line.startswith("Dialogue:") for line in ass.splitlines()) >= len(cues)


def test_outputs_sit_under_the_content_id(case: tuple[Rendered, tuple[int, int]]) -> None:
    rendered = case[0]
    folder = rendered.root / "videos" / rendered.content_id
    names = {
        "video": "original.mp4",
        "thumbnail": "thumbnail.jpg",
        "audio": "audio.mp3",
        "captions_srt": "captions.srt",
        "captions_ass": "captions.ass",
        "script": "script.json",
    }
    for key, name in names.items():
        path = rendered.output(key)
        assert path == folder / name
        assert path.is_file()
        assert path.stat().st_size > 0
