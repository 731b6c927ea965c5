"""The SRT writer: one cue per page, plain text that players cannot read as tags."""

from __future__ import annotations

from autoclip.captions.layout import CaptionPage, TimedWord, layout_pages
from autoclip.captions.srt import escape_srt_text, render_srt
from autoclip.options import Aspect
from autoclip.providers.narration.base import WordTiming


def test_one_cue_per_page_with_lines_on_their_own_rows() -> None:
    pages = [
        CaptionPage([[TimedWord("안녕하세요", 0.0, 0.5)]], 0.0, 1.5),
        CaptionPage(
            [[TimedWord("두", 1.5, 1.8), TimedWord("줄", 1.8, 2.0)], [TimedWord("자막", 2.0, 2.5)]],
            1.5,
            3661.0005,
        ),
    ]
    assert render_srt(pages) == (
        "1\n00:00:00,000 --> 00:00:01,500\n안녕하세요\n\n"
        "2\n00:00:01,500 --> 01:01:01,000\n두 줄\n자막\n\n"
    )


def test_tags_and_overrides_are_shown_literally() -> None:
    assert escape_srt_text("<i>a</i>") == "＜i＞a＜/i＞"
    assert escape_srt_text("{\\an8}top") == "｛＼an8｝top"
    assert escape_srt_text("one\n\ntwo") == "one two"  # a blank line would end the cue


def test_cues_follow_the_layout_and_abut() -> None:
    words = [
        WordTiming(text=text, start=i * 0.4, end=i * 0.4 + 0.3)
        for i, text in enumerate(["첫", "문장입니다.", "두", "번째", "<b>문장</b>입니다."])
    ]
    srt = render_srt(layout_pages(words, Aspect.VERTICAL.size, end_time=2.5))
    cues = srt.strip().split("\n\n")
    assert [cue.splitlines()[0] for cue in cues] == ["1", "2"]
    timings = [cue.splitlines()[1].split(" --> ") for cue in cues]
    assert timings[0][1] == timings[1][0]
    assert timings[1][1] == "00:00:02,500"
    assert "<" not in srt
    assert ">" not in srt.replace("-->", "")
    assert "＜b＞문장＜/b＞입니다." in srt


def test_empty_pages_make_no_cues() -> None:
    assert render_srt([]) == ""
    assert render_srt([CaptionPage([[TimedWord("x", 1.0, 1.0)]], 1.0, 1.0)]) == ""
