"""The ASS writer: header, karaoke events that abut, and user text that is never markup."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import pytest

from autoclip.captions.ass import (
    HIGHLIGHT_OFF,
    HIGHLIGHT_ON,
    LINE_BREAK,
    escape_ass_text,
    escape_filter_path,
    render_ass,
)
from autoclip.captions.layout import CaptionPage, TimedWord, layout_pages
from autoclip.captions.style import caption_style
from autoclip.options import Aspect
from autoclip.providers.narration.base import WordTiming

SIZE = Aspect.VERTICAL.size
_DIALOGUE = re.compile(
    r"^Dialogue: 0,(\d+:\d\d:\d\d\.\d\d),(\d+:\d\d:\d\d\.\d\d),Caption,,0,0,0,,(.*)$"
)
_HIGHLIGHTED = re.compile(re.escape(HIGHLIGHT_ON) + "(.*?)" + re.escape(HIGHLIGHT_OFF))


def spaced(texts: Sequence[str], *, start: float = 0.0, step: float = 0.3) -> list[WordTiming]:
    return [
        WordTiming(text=text, start=start + i * step, end=start + (i + 1) * step - 0.05)
        for i, text in enumerate(texts)
    ]


def events(ass: str) -> list[tuple[str, str, str]]:
    found = [_DIALOGUE.match(line) for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert all(found), "every Dialogue line has the expected shape"
    return [(match[1], match[2], match[3]) for match in found if match]


def centiseconds(stamp: str) -> int:
    hours, minutes, seconds = stamp.split(":")
    return (int(hours) * 3600 + int(minutes) * 60) * 100 + round(float(seconds) * 100)


def render(words: Sequence[WordTiming], end_time: float) -> str:
    return render_ass(layout_pages(words, SIZE, end_time), caption_style(SIZE))


def test_header_matches_the_frame_and_never_wraps() -> None:
    style = caption_style(SIZE)
    ass = render_ass([], style)
    assert "PlayResX: 1080\nPlayResY: 1920\n" in ass
    assert "\nWrapStyle: 2\n" in ass
    assert "\nScaledBorderAndShadow: yes\n" in ass
    style_line = next(line for line in ass.splitlines() if line.startswith("Style: "))
    fields = style_line.removeprefix("Style: ").split(",")
    assert fields[:3] == ["Caption", "Noto Sans KR", str(style.font_size)]
    assert fields[3] == "&H00FFFFFF"  # white text
    assert fields[7] == "-1"  # bold
    assert fields[16:22] == [
        str(style.outline),
        str(style.shadow),
        "2",  # bottom centre
        str(style.margin_left),
        str(style.margin_right),
        str(style.margin_bottom),
    ]


def test_one_event_per_word_highlighting_the_words_in_order() -> None:
    words = ["하나", "둘", "셋.", "넷", "다섯", "여섯"]
    found = events(render(spaced(words), end_time=2.0))
    highlighted = [_HIGHLIGHTED.findall(text) for _, _, text in found]
    assert highlighted == [[word] for word in words]
    # every event shows its whole page, only the current word coloured
    plain = [text.replace(HIGHLIGHT_ON, "").replace(HIGHLIGHT_OFF, "") for _, _, text in found]
    assert plain == ["하나 둘 셋."] * 3 + ["넷 다섯 여섯"] * 3


def test_events_abut_from_first_word_to_clip_end() -> None:
    # times on odd millisecond values so that rounding to centiseconds is exercised
    words = [
        WordTiming(text=f"w{i}.", start=i * 0.337 + 0.013, end=i * 0.337 + 0.2) for i in range(40)
    ]
    found = events(render(words, end_time=40 * 0.337 + 0.3))
    for (_, end, _), (start, _, _) in itertools.pairwise(found):
        assert end == start
    assert centiseconds(found[0][0]) == 1  # 0.013 s rounds to one centisecond
    assert centiseconds(found[-1][1]) == round((40 * 0.337 + 0.3) * 100)


def test_a_pause_keeps_the_previous_word_highlighted() -> None:
    words = [
        WordTiming(text="먼저", start=0.0, end=0.4),
        WordTiming(text="😀", start=0.5, end=0.9),  # dropped: its time goes to "먼저"
        WordTiming(text="나중", start=1.2, end=1.5),
    ]
    found = events(render(words, end_time=1.5))
    assert [(start, end) for start, end, _ in found] == [
        ("0:00:00.00", "0:00:01.20"),
        ("0:00:01.20", "0:00:01.50"),
    ]


def test_times_use_hours_minutes_seconds_and_centiseconds() -> None:
    page = CaptionPage([[TimedWord("긴", 3723.45, 3724.0)]], 3723.45, 3725.5)
    assert events(render_ass([page], caption_style(SIZE)))[0][:2] == (
        "1:02:03.45",
        "1:02:05.50",
    )


HOSTILE = [
    "{\\an8}hello\\Nworld",
    "}{",
    "{\\pos(0,0)\\fs200}",
    "a\\nb\\hc",
    "\\",
    "x\nDialogue: 0,0:00:00.00,0:09:00.00,Caption,,0,0,0,,{\\an8}INJECTED",
    "line\rbreak",
    "emoji😀🎉",
    "가" * 300,
]


def our_markup_removed(text: str) -> str:
    return text.replace(HIGHLIGHT_ON, "").replace(HIGHLIGHT_OFF, "").replace(LINE_BREAK, "\n")


def test_user_text_can_never_become_markup() -> None:
    words = spaced(HOSTILE, step=1.0)
    ass = render(words, end_time=len(HOSTILE) * 1.0)
    found = events(ass)
    assert len(found) == len(HOSTILE)  # nothing injected a Dialogue line
    assert ass.count("\n[") == 2  # only our own [V4+ Styles] and [Events] sections
    for _, _, text in found:
        assert text.count("{") == 2
        assert text.count("}") == 2
        rest = our_markup_removed(text)
        assert not set(rest) & set("{}\\\r")
        assert "😀" not in rest
        assert "🎉" not in rest
    texts = [our_markup_removed(text) for _, _, text in found]
    assert "｛＼an8｝hello＼Nworld" in texts[0]
    assert "｝｛" in texts[1]


def test_pages_built_elsewhere_are_escaped_too() -> None:
    page = CaptionPage([[TimedWord("{\\an8}raw\\N", 0.0, 1.0)]], 0.0, 1.0)
    (event,) = events(render_ass([page], caption_style(SIZE)))
    assert _HIGHLIGHTED.findall(event[2]) == ["｛＼an8｝raw＼N"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaping_is_idempotent(text: str) -> None:
    once = escape_ass_text(text)
    assert escape_ass_text(once) == once


def test_filter_path_escaping() -> None:
    assert escape_filter_path("/tmp/a b/it's:x.ass") == "/tmp/a b/it\\\\\\'s\\\\:x.ass"
    assert escape_filter_path("C:\\subs\\a.ass") == "C\\\\:\\\\\\\\subs\\\\\\\\a.ass"
    assert escape_filter_path("/x/[a],b;c") == "/x/\\[a\\]\\,b\\;c"
