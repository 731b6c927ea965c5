"""Caption geometry per frame size: clear of platform UI, scaled with the frame."""

from __future__ import annotations

import pytest

from autoclip.captions.style import ass_font_size, caption_style
from autoclip.options import Aspect


@pytest.mark.parametrize("size", [Aspect.VERTICAL.size, Aspect.VERTICAL.draft_size()])
def test_vertical_captions_avoid_the_shorts_ui(size: tuple[int, int]) -> None:
    width, height = size
    style = caption_style(size)
    assert style.margin_left == style.margin_right  # centred
    assert style.margin_left >= 0.08 * width
    assert style.margin_right >= 0.12 * width  # clear of the action-button column
    assert 0.25 * height <= style.margin_bottom <= 0.30 * height


@pytest.mark.parametrize("aspect", [Aspect.LANDSCAPE, Aspect.SQUARE])
def test_landscape_and_square_use_ordinary_subtitle_margins(aspect: Aspect) -> None:
    width, height = aspect.size
    style = caption_style(aspect.size)
    assert 0.08 * height <= style.margin_bottom <= 0.10 * height
    assert style.margin_left >= 0.05 * width


@pytest.mark.parametrize("aspect", list(Aspect))
def test_sizes_scale_with_the_frame(aspect: Aspect) -> None:
    full, draft = caption_style(aspect.size), caption_style(aspect.draft_size())
    assert draft.font_px == pytest.approx(full.font_px * 2 / 3, abs=1)
    assert draft.margin_bottom == pytest.approx(full.margin_bottom * 2 / 3, abs=1)
    assert full.outline >= 3  # thick enough to read over white footage


def test_ass_font_size_is_the_line_height_not_the_em() -> None:
    # Noto Sans KR: usWinAscent + usWinDescent = 1448 units per 1000-unit em
    assert ass_font_size(67) == round(67 * 1.448)


def test_a_degenerate_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        caption_style((0, 100))
