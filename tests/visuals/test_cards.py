from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autoclip.options import Aspect, Vertical
from autoclip.providers.visuals.base import VisualKind
from autoclip.providers.visuals.cards import CardVisualSource, background, geometry, render_card
from autoclip.script.model import SceneKind
from autoclip.visuals.palette import RGB, palette_for
from autoclip.visuals.typeset import clean, fit, wrap

from .conftest import make_request

SIZES = [
    Aspect.VERTICAL.size,
    Aspect.LANDSCAPE.size,
    Aspect.SQUARE.size,
    Aspect.VERTICAL.draft_size(),
]


def colour_mask(image: Image.Image, colour: RGB, tolerance: int = 24) -> np.ndarray:
    pixels = np.asarray(image.convert("RGB")).astype(np.int16)
    return np.asarray((np.abs(pixels - np.array(colour, dtype=np.int16)) <= tolerance).all(axis=2))


@pytest.mark.parametrize("size", SIZES)
def test_card_png_has_exact_size_and_mode(tmp_path: Path, size: tuple[int, int]) -> None:
    visual = CardVisualSource().make(make_request(size=size, number=3, total=5), tmp_path)
    assert visual.kind is VisualKind.STILL
    assert visual.origin == "card"
    assert visual.path == visual.still_path == tmp_path / "scene_3.png"
    with Image.open(visual.path) as image:
        assert image.format == "PNG"
        assert image.size == size
        assert image.mode == "RGB"


@pytest.mark.parametrize("vertical", list(Vertical))
def test_background_is_not_flat(vertical: Vertical) -> None:
    image = background((540, 960), palette_for(vertical), f"{vertical}:1")
    grey = np.asarray(image.convert("L")).astype(np.float64)
    assert grey.std() > 4.0
    colours = np.unique(np.asarray(image).reshape(-1, 3), axis=0)
    assert len(colours) > 500


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", list(SceneKind))
def test_text_is_drawn_inside_the_text_box(size: tuple[int, int], kind: SceneKind) -> None:
    request = make_request(size=size, kind=kind, vertical=Vertical.FINANCE)
    image = render_card(request)
    palette = palette_for(Vertical.FINANCE)
    text_colour = palette.on_accent if kind is SceneKind.HOOK else palette.text
    left, top, right, bottom = geometry(size).box
    ink = colour_mask(image.crop((left, top, right, bottom)), text_colour)
    assert ink.sum() > (right - left) * (bottom - top) * 0.02


@pytest.mark.parametrize("kind", list(SceneKind))
def test_vertical_card_keeps_text_out_of_the_caption_zone(kind: SceneKind) -> None:
    request = make_request(kind=kind, vertical=Vertical.TECH, text="아주 긴 문장도 " * 8)
    image = render_card(request)
    palette = palette_for(Vertical.TECH)
    ink = palette.on_accent if kind is SceneKind.HOOK else palette.text
    rows = np.nonzero(colour_mask(image, ink, 12).any(axis=1))[0]
    assert rows.size > 0
    assert rows.max() < image.height * 0.6


def test_hook_is_set_on_an_accent_block() -> None:
    palette = palette_for(Vertical.TECH)
    hook = render_card(make_request(kind=SceneKind.HOOK, number=1))
    body = render_card(make_request(kind=SceneKind.BODY, number=1))
    left, top, right, bottom = geometry(hook.size).box
    area = (right - left) * (bottom - top)
    hook_accent = colour_mask(hook.crop((left, top, right, bottom)), palette.accent).sum()
    body_accent = colour_mask(body.crop((left, top, right, bottom)), palette.accent).sum()
    assert hook_accent > area * 0.2
    assert body_accent < area * 0.05


def test_korean_text_keeps_hangul_and_leaves_ink() -> None:
    # what neither the font nor OpenMoji draws is dropped (test_card_emoji.py: the emoji)
    assert clean("밤에 잠이 안 와요 \U0001faff") == "밤에 잠이 안 와요"
    request = make_request(text="한글 글자 확인 😴", vertical=Vertical.HISTORY)
    image = render_card(request)
    left, top, right, bottom = geometry(image.size).box
    ink = colour_mask(image.crop((left, top, right, bottom)), palette_for(Vertical.HISTORY).text)
    assert ink.sum() > 20_000


def test_text_of_only_undrawable_emoji_falls_back_to_the_title() -> None:
    request = make_request(text="\U0001faff\u200d\U0001faff")  # unassigned, a stray joiner
    left, top, right, bottom = geometry(request.size).box
    ink = colour_mask(
        render_card(request).crop((left, top, right, bottom)), palette_for(Vertical.TECH).text
    )
    assert ink.sum() > 10_000


def test_cards_are_deterministic_and_vary_by_scene() -> None:
    first = np.asarray(render_card(make_request(number=2)))
    again = np.asarray(render_card(make_request(number=2)))
    other = np.asarray(render_card(make_request(number=3)))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_identity_names_everything_that_changes_the_card() -> None:
    source = CardVisualSource()
    base = source.identity(make_request())
    assert base == source.identity(make_request())
    assert base != source.identity(make_request(text="다른 문장"))
    assert base != source.identity(make_request(size=(1920, 1080)))
    assert base != source.identity(make_request(number=3))
    assert base != source.identity(make_request(vertical=Vertical.FINANCE))
    assert base != source.identity(make_request(kind=SceneKind.CTA))


def test_wrap_breaks_only_between_eojeol() -> None:
    text = "건강한 노후를 위한 하루 30분 걷기 습관의 놀라운 효과"
    lines = wrap(text, 96, 500)
    assert len(lines) > 1
    assert " ".join(lines) == text


def test_fit_keeps_every_line_inside_the_box() -> None:
    block = fit("노년기 근육 건강을 지키는 단백질 섭취 요령과 운동 방법", (800, 600), 140, 40)
    assert block.width <= 800
    assert block.height <= 600
    assert 40 <= block.size <= 140


def test_fit_breaks_an_overlong_word_rather_than_overflow() -> None:
    block = fit("가" * 80, (400, 300), 100, 40)
    assert block.width <= 400
