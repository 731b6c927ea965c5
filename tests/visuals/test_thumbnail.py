from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from autoclip.options import Aspect, Vertical
from autoclip.render.thumbnail import make_thumbnail

from .conftest import write_image


@pytest.mark.parametrize("aspect", list(Aspect))
def test_thumbnail_is_a_jpeg_of_the_output_size(tmp_path: Path, aspect: Aspect) -> None:
    out = tmp_path / "thumbnail.jpg"
    make_thumbnail(
        "잠 못 드는 밤, 이것부터 바꾸세요", None, aspect.size, Vertical.SENIOR_HEALTH, out
    )
    with Image.open(out) as image:
        image.load()
        assert image.format == "JPEG"
        assert image.size == aspect.size


def test_thumbnail_over_a_scene_image(tmp_path: Path) -> None:
    scene = write_image(tmp_path / "scene_1.png", (240, 240, 240), size=(1080, 1920))
    out = tmp_path / "nested" / "thumbnail.jpg"
    make_thumbnail("Why your savings lose value", scene, (720, 1280), Vertical.FINANCE, out)
    with Image.open(out) as image:
        image.load()
        assert image.size == (720, 1280)
        corner = image.convert("L").getpixel((5, 5))
        assert isinstance(corner, int)
        assert corner < 180  # the photo is darkened behind the title


def test_thumbnail_survives_a_title_of_only_emoji(tmp_path: Path) -> None:
    out = tmp_path / "thumbnail.jpg"
    make_thumbnail("🔥🔥", None, (1080, 1080), Vertical.COMMERCE, out)
    assert out.stat().st_size > 0
