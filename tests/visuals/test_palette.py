from __future__ import annotations

import pytest

from autoclip.options import Vertical
from autoclip.visuals.palette import contrast, palette_for


@pytest.mark.parametrize("vertical", list(Vertical))
def test_text_reads_on_every_background_stop(vertical: Vertical) -> None:
    palette = palette_for(vertical)
    for stop in palette.stops:
        assert contrast(palette.text, stop) >= 4.5, stop
        assert contrast(palette.muted, stop) >= 3.0, stop


@pytest.mark.parametrize("vertical", list(Vertical))
def test_accent_blocks_and_outlines_have_contrast(vertical: Vertical) -> None:
    palette = palette_for(vertical)
    assert contrast(palette.on_accent, palette.accent) >= 4.5
    assert contrast(palette.text, palette.outline) >= 7.0


def test_contrast_matches_wcag_extremes() -> None:
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((120, 120, 120), (120, 120, 120)) == pytest.approx(1.0)
