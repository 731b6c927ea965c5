"""Caption pages: line breaking between words only, within the safe width, two lines a page."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from PIL import ImageFont

from autoclip.captions.layout import (
    BRIDGE_SECONDS,
    ELLIPSIS,
    LINGER_SECONDS,
    CaptionPage,
    TimedWord,
    break_lines,
    clean_caption_text,
    layout_pages,
)
from autoclip.captions.style import caption_style
from autoclip.kit.fonts import sans_font_path
from autoclip.options import Aspect
from autoclip.providers.narration.base import WordTiming

KOREAN = (
    "건강한 수면 습관은 나이가 들수록 더욱 중요해지며 규칙적인 취침 시간과 기상 시간을 "
    "지키는 것만으로도 면역력과 기억력이 눈에 띄게 좋아진다는 연구 결과가 여러 대학병원에서 "
    "반복적으로 보고되었습니다 그러니 오늘부터라도 잠들기 한 시간 전에는 스마트폰을 "
    "내려놓으시고 따뜻한 물로 샤워를 하신 다음 조용한 음악을 들으며 편안하게 누워 보세요"
)
ENGLISH = (
    "Researchers at several universities have repeatedly found that keeping a regular "
    "bedtime and wake-up time noticeably improves immunity and memory in older adults, "
    "so starting tonight put your smartphone away an hour before sleep and take a warm "
    "shower before listening to some quiet, relaxing music"
)
ALL_SIZES = [size for aspect in Aspect for size in (aspect.size, aspect.draft_size())]


def spaced(texts: Sequence[str], *, start: float = 0.0, step: float = 0.3) -> list[WordTiming]:
    """One word every `step` seconds, each spoken for all but the last 50 ms of its slot."""
    return [
        WordTiming(text=text, start=start + i * step, end=start + (i + 1) * step - 0.05)
        for i, text in enumerate(texts)
    ]


def shown_words(pages: Sequence[CaptionPage]) -> list[str]:
    return [word.text for page in pages for word in page.words]


@pytest.mark.parametrize("size", ALL_SIZES)
@pytest.mark.parametrize("text", [KOREAN, ENGLISH], ids=["ko", "en"])
def test_lines_fit_the_safe_width_and_never_split_a_word(text: str, size: tuple[int, int]) -> None:
    words = text.split()
    pages = layout_pages(spaced(words, step=0.15), size, end_time=len(words) * 0.15)
    style = caption_style(size)
    font = ImageFont.truetype(str(sans_font_path()), style.font_px)

    # every eojeol / word appears whole, in order, exactly once
    assert shown_words(pages) == words
    for page in pages:
        assert 1 <= len(page.lines) <= 2
        for line in page.line_texts():
            assert font.getlength(line) <= style.safe_width
            assert style.text_width(line) <= style.safe_width


@pytest.mark.parametrize("size", [Aspect.VERTICAL.size, Aspect.LANDSCAPE.size])
def test_full_pages_use_two_lines_when_speech_is_fast(size: tuple[int, int]) -> None:
    words = KOREAN.split()
    pages = layout_pages(spaced(words, step=0.05), size, end_time=10.0)
    assert any(len(page.lines) == 2 for page in pages)


def test_a_page_covers_at_most_three_seconds_of_speech() -> None:
    words = KOREAN.split()
    pages = layout_pages(spaced(words, step=0.9), Aspect.LANDSCAPE.size, end_time=100.0)
    for page in pages:
        if len(page.words) > 1:
            assert page.words[-1].end - page.start <= 3.0


def test_a_sentence_end_starts_a_new_page() -> None:
    words = ["오늘은", "날씨가", "맑습니다.", "내일은", "비가", "옵니다!"]
    pages = layout_pages(spaced(words), Aspect.VERTICAL.size, end_time=2.0)
    assert [page.line_texts() for page in pages] == [
        ["오늘은 날씨가 맑습니다."],
        ["내일은 비가 옵니다!"],
    ]


def test_a_one_word_sentence_does_not_flash_alone() -> None:
    words = ["네.", "그렇습니다"]
    pages = layout_pages(spaced(words), Aspect.VERTICAL.size, end_time=1.0)
    assert [page.line_texts() for page in pages] == [["네. 그렇습니다"]]


def test_two_line_pages_are_balanced() -> None:
    style = caption_style(Aspect.VERTICAL.size)
    words = [TimedWord(text, 0.0, 0.1) for text in KOREAN.split()[:7]]
    lines = break_lines(words, style)
    assert lines is not None
    assert len(lines) == 2
    widths = [style.text_width(" ".join(word.text for word in line)) for line in lines]
    # greedy filling would leave a short tail line; balancing evens the two out
    assert abs(widths[0] - widths[1]) < style.safe_width / 3


def test_emoji_are_dropped_and_emoji_only_words_vanish() -> None:
    words = spaced(["좋아요😀", "🎉", "정말", "👍"])
    pages = layout_pages(words, Aspect.VERTICAL.size, end_time=1.2)
    assert shown_words(pages) == ["좋아요", "정말"]
    # the dropped word's time stays with the page, which runs to the clip's end
    assert pages[-1].end == pytest.approx(1.2)


def test_an_overlong_token_is_truncated_with_an_ellipsis() -> None:
    style = caption_style(Aspect.VERTICAL.size)
    token = "가" * 300
    url = "https://example.com/" + "very-long-path-segment/" * 10
    pages = layout_pages(spaced(["앞", token, url, "뒤"]), Aspect.VERTICAL.size, end_time=2.0)
    texts = shown_words(pages)
    assert texts[0] == "앞"
    assert texts[-1] == "뒤"
    for text, original in zip(texts[1:3], (token, url), strict=True):
        assert text.endswith(ELLIPSIS)
        assert original.startswith(text[:-1])
        assert style.fits(text)
        # as long as fits: one more character would not
        assert not style.fits(original[: len(text)] + ELLIPSIS)


def test_line_breaks_and_markup_inside_a_word_are_neutralised() -> None:
    assert clean_caption_text("a\r\nb") == "a b"
    assert clean_caption_text("{\\an8}hi\\N") == "｛＼an8｝hi＼N"
    assert clean_caption_text("\x00\u2028x") == "x"


def test_short_pauses_are_bridged_and_long_ones_end_the_page() -> None:
    words = [
        WordTiming(text="하나.", start=0.0, end=1.0),
        WordTiming(text="둘.", start=1.0 + BRIDGE_SECONDS, end=2.5 + BRIDGE_SECONDS),
        WordTiming(text="셋.", start=10.0, end=11.0),
    ]
    pages = layout_pages(words, Aspect.VERTICAL.size, end_time=20.0)
    assert len(pages) == 3
    assert pages[0].end == pages[1].start  # bridged: no blank frame in between
    assert pages[1].end == pytest.approx(2.5 + BRIDGE_SECONDS + LINGER_SECONDS)
    assert pages[2].end == pytest.approx(11.0 + LINGER_SECONDS)


def test_pages_never_overlap_even_with_overlapping_word_times() -> None:
    words = [
        WordTiming(text="첫째.", start=0.0, end=1.5),
        WordTiming(text="둘째.", start=1.0, end=2.0),  # starts before the previous ends
        WordTiming(text="셋째", start=0.8, end=2.5),  # goes back in time
    ]
    pages = layout_pages(words, Aspect.VERTICAL.size, end_time=3.0)
    starts = [word.start for page in pages for word in page.words]
    assert starts == sorted(starts)
    for before, after in itertools.pairwise(pages):
        assert before.end <= after.start


def test_words_after_the_end_time_are_not_shown() -> None:
    pages = layout_pages(spaced(["a", "b", "c", "d"], step=1.0), (1920, 1080), end_time=2.0)
    assert shown_words(pages) == ["a", "b"]
    assert pages[-1].end == 2.0


def test_no_words_make_no_pages() -> None:
    assert layout_pages([], Aspect.VERTICAL.size, end_time=5.0) == []
    assert layout_pages(spaced(["🎉"]), Aspect.VERTICAL.size, end_time=5.0) == []


def test_a_sentence_does_not_end_on_a_lone_word_page() -> None:
    # the benchmark's own sentence, spoken fast enough that it overflows one page
    text = (
        "During deep sleep the brain clears out waste proteins, the same ones that build up "
        "in memory loss, so a good night is maintenance, not laziness."
    )
    sentence = text.split(" ")
    pages = layout_pages(spaced(sentence, step=0.12), Aspect.VERTICAL.size, end_time=30.0)
    assert shown_words(pages) == sentence
    for before, page in itertools.pairwise(pages):
        if len(page.words) == 1:
            assert before.words[-1].text.endswith((".", "!", "?")), page.line_texts()
