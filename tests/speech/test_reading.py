"""From written words to what is said, and back from the spoken words' timings to the
written words; the pronunciation dictionary; a real narrator given the reading."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from autoclip.options import Language
from autoclip.providers.narration.base import SceneNarration, VoiceRequest, WordTiming
from autoclip.providers.narration.espeak import EspeakNarrator
from autoclip.providers.narration.spoken import ReadingNarrator
from autoclip.speech.lexicon import apply_lexicon, lexicon_problem
from autoclip.speech.reading import Reading, read_aloud


def timed(*spans: tuple[str, float, float]) -> list[WordTiming]:
    return [WordTiming(text=text, start=start, end=end) for text, start, end in spans]


def test_a_written_word_spans_its_spoken_words() -> None:
    reading = read_aloud("성장률 3.5% AI가", Language.KO)
    assert reading.spoken == ("성장률", "삼 점 오 퍼센트", "에이아이가")
    spoken = timed(
        ("성장률", 0.1, 0.5), ("삼", 0.6, 0.7), ("점", 0.7, 0.8), ("오", 0.8, 0.9),
        ("퍼센트", 0.9, 1.3), ("에이아이가", 1.4, 2.0),
    )  # fmt: skip
    assert reading.written_timings(spoken) == timed(
        ("성장률", 0.1, 0.5), ("3.5%", 0.6, 1.3), ("AI가", 1.4, 2.0)
    )


def test_a_word_with_nothing_to_say_shares_the_gap_around_it() -> None:
    reading = read_aloud("비교 → 결과", Language.KO)
    assert reading.spoken == ("비교", "", "결과")
    assert reading.text == "비교 결과"
    words = reading.written_timings(timed(("비교", 0.0, 0.5), ("결과", 0.9, 1.5)))
    assert [w.text for w in words] == ["비교", "→", "결과"]
    assert (words[1].start, words[1].end) == (0.5, 0.9)


def test_a_narrator_that_times_other_words_gets_the_written_words_spread() -> None:
    reading = Reading(("3시", "출발"), ("세 시", "출발"))
    words = reading.written_timings(timed(("세시", 0.2, 0.6), ("출발", 0.6, 1.0)))
    assert [w.text for w in words] == ["3시", "출발"]
    assert words[0].start == 0.2
    assert words[-1].end == 1.0
    for before, after in itertools.pairwise(words):
        assert before.end == after.start


def test_emoji_are_shown_with_their_neighbour_and_never_said() -> None:
    reading = read_aloud("좋아요 😀 10개", Language.KO)
    assert reading.written == ("좋아요 😀", "10개")
    assert reading.text == "좋아요 열 개"
    # before the first word, they go with it; inside a word, they stay in it
    reading = read_aloud("👍🏽 🇰🇷 물💧을 마셔요", Language.KO)
    assert reading.written == ("👍🏽 🇰🇷 물💧을", "마셔요")
    assert reading.spoken == ("물을", "마셔요")
    # emoji alone: shown, nothing said
    assert read_aloud("😀 👨‍👩‍👧", Language.KO).text == ""


def test_the_dictionary_replaces_a_words_core_keeping_punctuation_and_particles() -> None:
    lexicon = {"AutoClip": "오토클립", "SaaS": "사스"}
    assert apply_lexicon("AutoClip으로", lexicon) == "오토클립으로"
    assert apply_lexicon("(autoclip)!", lexicon) == "(오토클립)!"
    assert apply_lexicon("SaaS,", lexicon) == "사스,"
    assert apply_lexicon("AutoClipper", lexicon) == "AutoClipper"
    reading = read_aloud("AutoClip으로 AI 영상을 3분 만에", Language.KO, lexicon)
    assert reading.text == "오토클립으로 에이아이 영상을 삼 분 만에"
    # A reading is normalised like any other text.
    assert read_aloud("v2", Language.EN, {"v2": "version 2"}).text == "version two"


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ({"two words": "x"}, "one word"),
        ({"": "x"}, "one word"),
        ({"a" * 51: "x"}, "one word"),
        ({"AI": " "}, "reading is 1 to 100"),
        ({"AI": "x" * 101}, "reading is 1 to 100"),
        ({f"w{n}": "x" for n in range(201)}, "at most 200"),
    ],
)
def test_dictionaries_that_are_refused(entries: dict[str, str], problem: str) -> None:
    found = lexicon_problem(entries)
    assert found is not None
    assert problem in found
    assert lexicon_problem({"AutoClip": "오토클립"}) is None


class KeepingEspeak(EspeakNarrator):
    """eSpeak NG, keeping what it said and the timings it gave."""

    said: list[SceneNarration]

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        narration = super().narrate(request, out_wav)
        self.said = [*getattr(self, "said", []), narration]
        self.text = request.text
        return narration


def test_espeak_given_the_reading_times_the_written_words(tmp_path: Path) -> None:
    """The wrapper's timings are eSpeak's timings of the spoken words, grouped by the
    written word they belong to."""
    text = "2026년 AI 시장은 3.5% 성장했고 3시 30분에 10만 명이 봤습니다."
    reading = read_aloud(text, Language.KO)
    espeak = KeepingEspeak("ko")
    wrapped = ReadingNarrator(espeak).narrate(VoiceRequest(text, Language.KO), tmp_path / "b.wav")
    (direct,) = espeak.said

    assert espeak.text == reading.text
    assert [w.text for w in direct.words] == reading.text.split()
    assert [w.text for w in wrapped.words] == text.split()
    assert len(direct.words) > len(wrapped.words)
    cursor = 0
    for word, spoken in zip(wrapped.words, reading.spoken, strict=True):
        count = len(spoken.split())
        group = direct.words[cursor : cursor + count]
        assert (word.start, word.end) == (group[0].start, group[-1].end)
        cursor += count
    assert wrapped.words[-1].end <= wrapped.duration
    assert wrapped.duration == direct.duration


def test_the_reading_and_the_dictionary_are_part_of_the_identity() -> None:
    request = VoiceRequest("AutoClip 3명", Language.KO)
    plain = ReadingNarrator(EspeakNarrator("ko"))
    named = ReadingNarrator(EspeakNarrator("ko"), {"AutoClip": "오토클립"})
    assert plain.identity(request) != named.identity(request)
    assert plain.identity(request).endswith("/reading-1")
    assert plain.name == "espeak"
