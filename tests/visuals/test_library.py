from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from autoclip.errors import InputError
from autoclip.providers.visuals.base import VisualKind
from autoclip.providers.visuals.library import AssetLibrary, LibraryVisualSource, file_keywords
from autoclip.script.model import SceneKind

from .conftest import make_request, write_clip, write_image


def test_file_keywords_split_names_and_drop_noise(tmp_path: Path) -> None:
    nested = tmp_path / "health"
    nested.mkdir()
    assert file_keywords(nested / "blood-pressure_Check 0001.jpg", tmp_path) == {
        "health",
        "blood",
        "pressure",
        "check",
    }
    assert file_keywords(tmp_path / "혈압_측정.png", tmp_path) == {"혈압", "측정"}
    assert file_keywords(tmp_path / "pexels-photo-12345.jpeg", tmp_path) == frozenset()


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist") as caught:
        AssetLibrary(tmp_path / "nope")
    assert caught.value.field == "assets"


def test_folder_without_usable_media_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an image", encoding="utf-8")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (tmp_path / "broken.mp4").write_bytes(b"nothing here")
    with pytest.raises(InputError, match=r"no usable images or clips \(looked for .png") as caught:
        AssetLibrary(tmp_path)
    assert caught.value.field == "assets"


def test_unreadable_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"garbage")
    write_image(tmp_path / "coffee.png", (120, 80, 40))
    library = AssetLibrary(tmp_path)
    assert [asset.path.name for asset in library.assets] == ["coffee.png"]


def test_scenes_get_the_image_their_words_match(tmp_path: Path) -> None:
    write_image(tmp_path / "coffee_cup.jpg", (120, 80, 40))
    write_image(tmp_path / "sleep-bedroom.png", (30, 30, 90))
    write_image(tmp_path / "혈압_측정.png", (200, 30, 30))
    source = LibraryVisualSource(AssetLibrary(tmp_path))
    by_keyword = source.make(make_request(keywords=["coffee"], number=1), tmp_path / "out")
    assert by_keyword.origin == "coffee_cup.jpg"
    assert by_keyword.kind is VisualKind.STILL
    by_korean_text = source.make(
        make_request(text="혈압을 재는 올바른 방법", number=2), tmp_path / "out"
    )
    assert by_korean_text.origin == "혈압_측정.png"
    by_narration = source.make(
        make_request(text="푹 자는 법", narration="A calm bedroom helps.", number=3),
        tmp_path / "out",
    )
    assert by_narration.origin == "sleep-bedroom.png"


def test_image_is_cover_fitted_to_the_frame(tmp_path: Path) -> None:
    write_image(tmp_path / "wide-ocean.png", (10, 90, 160), size=(800, 200))
    source = LibraryVisualSource(AssetLibrary(tmp_path))
    visual = source.make(make_request(keywords=["ocean"], size=(720, 1280)), tmp_path / "out")
    assert visual.path == visual.still_path == tmp_path / "out" / "scene_2.png"
    with Image.open(visual.path) as image:
        assert image.size == (720, 1280)
        assert image.getpixel((0, 0)) == (10, 90, 160)  # no letterbox bars


def test_unused_assets_are_preferred(tmp_path: Path) -> None:
    write_image(tmp_path / "coffee-beans.png", (90, 60, 30))
    write_image(tmp_path / "coffee-cup.png", (120, 80, 40))
    source = LibraryVisualSource(AssetLibrary(tmp_path))
    first = source.make(make_request(keywords=["coffee"], number=1), tmp_path / "out")
    second = source.make(make_request(keywords=["coffee"], number=2), tmp_path / "out")
    assert {first.origin, second.origin} == {"coffee-beans.png", "coffee-cup.png"}
    again = source.make(make_request(keywords=["coffee"], number=1), tmp_path / "out")
    assert again.origin == first.origin


def test_unmatched_scene_gets_a_card(tmp_path: Path) -> None:
    write_image(tmp_path / "coffee.png", (120, 80, 40))
    source = LibraryVisualSource(AssetLibrary(tmp_path))
    request = make_request(
        text="우주 탐사의 역사", narration="로켓 이야기", visual="로켓", number=4
    )
    visual = source.make(request, tmp_path / "out")
    assert visual.origin == "card"
    assert visual.path.name == "scene_4.png"
    assert "card" in source.identity(request)


def test_unnamed_assets_are_reused_in_turn(tmp_path: Path) -> None:
    write_image(tmp_path / "IMG_0001.jpg", (10, 10, 10))
    write_image(tmp_path / "IMG_0002.jpg", (20, 20, 20))
    source = LibraryVisualSource(AssetLibrary(tmp_path))
    origins = [source.make(make_request(number=n), tmp_path / "out").origin for n in (1, 2, 3)]
    assert origins == ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0001.jpg"]


def test_clip_is_returned_with_a_representative_frame(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "ocean-waves.mp4")
    write_image(tmp_path / "coffee.png", (120, 80, 40))
    source = LibraryVisualSource(AssetLibrary(tmp_path))
    request = make_request(
        keywords=["ocean", "waves"], kind=SceneKind.HOOK, number=1, size=(1080, 1920)
    )
    visual = source.make(request, tmp_path / "out")
    assert visual.kind is VisualKind.CLIP
    # A copy beside the still: the visual holds all it needs, wherever the original goes.
    assert visual.path == tmp_path / "out" / "clip.mp4"
    assert visual.path.read_bytes() == clip.read_bytes()
    assert visual.origin == "ocean-waves.mp4"
    with Image.open(visual.still_path) as frame:
        assert frame.size == (1080, 1920)
        assert (
            len(frame.convert("RGB").resize((64, 64)).getcolors(4096) or []) > 10
        )  # a real picture


def test_identity_follows_the_chosen_file(tmp_path: Path) -> None:
    asset = write_image(tmp_path / "coffee.png", (120, 80, 40))
    request = make_request(keywords=["coffee"])
    before = LibraryVisualSource(AssetLibrary(tmp_path)).identity(request)
    write_image(asset, (0, 0, 0), size=(640, 480))
    after = LibraryVisualSource(AssetLibrary(tmp_path)).identity(request)
    assert before != after


def test_links_leading_out_of_the_folder_are_ignored(tmp_path: Path) -> None:
    # Someone else's folder of "assets" must not turn the user's own files into a video.
    outside = tmp_path / "private"
    outside.mkdir()
    write_image(outside / "passport.png", (10, 10, 10))
    write_image(outside / "bank.png", (20, 20, 20))
    folder = tmp_path / "assets"
    folder.mkdir()
    write_image(folder / "coffee.png", (120, 80, 40))
    (folder / "sleep.png").symlink_to(outside / "passport.png")  # a file link out
    (folder / "linked").symlink_to(outside, target_is_directory=True)  # a folder link out
    (folder / "tea.png").symlink_to(folder / "coffee.png")  # a link inside: fine
    library = AssetLibrary(folder)
    assert [asset.path.name for asset in library.assets] == ["coffee.png", "tea.png"]


def test_a_folder_of_links_leading_out_says_so(tmp_path: Path) -> None:
    outside = write_image(tmp_path / "passport.png", (10, 10, 10))
    folder = tmp_path / "assets"
    folder.mkdir()
    (folder / "photo.png").symlink_to(outside)
    (folder / "up").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(InputError, match="ignored 1 links leading out of it") as caught:
        AssetLibrary(folder)
    assert caught.value.field == "assets"
