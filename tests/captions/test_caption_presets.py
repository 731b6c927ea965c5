"""Every caption style: markup in user text stays text, timing stays the classic one, and
each draws what makes it that style."""

from __future__ import annotations

import re

import pytest

from autoclip.captions.ass import render_ass
from autoclip.captions.layout import layout_pages
from autoclip.captions.presets import CaptionStyleName, ass_colour, preset
from autoclip.captions.style import caption_style
from autoclip.options import Aspect
from autoclip.providers.narration.base import WordTiming

HOSTILE = ["잠은", "{\\an8\\pos(0,0)}여기", "몸을\\N고치는", "시간입니다.", "깊은", "잠을"]
WORDS = [WordTiming(text=w, start=i * 0.4, end=i * 0.4 + 0.35) for i, w in enumerate(HOSTILE)]
_BLOCK = re.compile(r"\{[^}]*\}")


def _events(ass: str) -> list[list[str]]:
    return [line.split(",", 9) for line in ass.splitlines() if line.startswith("Dialogue:")]


@pytest.mark.parametrize("name", list(CaptionStyleName))
@pytest.mark.parametrize("aspect", list(Aspect))
def test_user_text_is_never_markup_in_any_style(name: CaptionStyleName, aspect: Aspect) -> None:
    style = caption_style(aspect.size, preset(name))
    ass = render_ass(layout_pages(WORDS, aspect.size, 3.0, style=style), style)
    for event in _events(ass):
        text = event[9]
        for block in _BLOCK.findall(text):
            # only tags this module writes: colours, karaoke, pop, drawings
            assert re.fullmatch(r"\{(\\(c|1c)&H[0-9A-F]{6}&|\\kf\d+|\\fsc[xy]\d+|\\t\([^)]*\)"
                                r"|\\an7|\\pos\(0,0\)|\\p[01])+\}", block), block  # fmt: skip
        assert "\\pos(0,0)}여기" not in text
        assert "\\N고치는" not in text
    # shown as typed, in full-width look-alikes (a word too wide for big styles is cut
    # with an ellipsis, so only its start is certain)
    assert "｛＼an8" in ass


def test_styles_keep_the_classic_timing_and_differ_in_drawing() -> None:
    size = Aspect.VERTICAL.size
    starts: dict[CaptionStyleName, set[str]] = {}
    styles: dict[CaptionStyleName, str] = {}
    for name in CaptionStyleName:
        style = caption_style(size, preset(name))
        ass = render_ass(layout_pages(WORDS, size, 3.0, style=style), style)
        starts[name] = {e[1] for e in _events(ass) if e[3] == "Caption"}
        styles[name] = next(line for line in ass.splitlines() if line.startswith("Style: Caption"))
    # every style's events start at word boundaries the classic one uses
    classic = starts[CaptionStyleName.CLASSIC]
    assert all(s <= classic | {"0:00:00.00"} for s in starts.values())
    assert len(set(styles.values())) == len(styles)  # no two styles draw alike
    assert ",3," in styles[CaptionStyleName.BOXED]  # BorderStyle 3: an opaque box


def test_colours_are_checked_and_converted() -> None:
    assert ass_colour("#FF8000") == "&H000080FF"
    assert ass_colour("#FF800080") == "&H7F0080FF"
    with pytest.raises(ValueError, match="not a colour"):
        ass_colour("orange")
