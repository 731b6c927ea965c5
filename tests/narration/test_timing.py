"""The spread rule and voiced-region finding."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from autoclip.providers.narration.timing import (
    fill_untimed,
    spoken_weight,
    spread_words,
    voiced_segments,
    voiced_span,
)


def test_spread_words_is_contiguous_and_covers_the_span() -> None:
    words = ["In", "2024,", "건강한", "수면은", "—", "important."]
    timings = spread_words(words, 1.25, 4.5)
    assert [t.text for t in timings] == words
    assert timings[0].start == 1.25
    assert timings[-1].end == 4.5
    for before, after in itertools.pairwise(timings):
        assert before.end == after.start
    assert all(t.end > t.start for t in timings)


def test_spread_words_shares_time_by_spoken_weight() -> None:
    timings = spread_words(["a", "abc", "123"], 0.0, 1.0)
    durations = [t.end - t.start for t in timings]
    weights = [spoken_weight(w) for w in ["a", "abc", "123"]]
    assert durations == pytest.approx([w / sum(weights) for w in weights])
    assert durations[2] > durations[1] > durations[0]


def test_spoken_weight_rule() -> None:
    assert spoken_weight("abc") == pytest.approx(1.0)
    assert spoken_weight("수면은") == pytest.approx(3.0)
    assert spoken_weight("2024") == pytest.approx(6.0)
    assert spoken_weight("3.5%") == pytest.approx(3.0)
    assert spoken_weight("—") == pytest.approx(1 / 3)


def test_spread_words_edge_cases() -> None:
    assert spread_words([], 0.0, 1.0) == []
    (only,) = spread_words(["word"], 2.0, 2.0)
    assert (only.start, only.end) == (2.0, 2.0)


def test_voiced_span_skips_leading_and_trailing_silence() -> None:
    signal = np.zeros(1000, dtype=np.float32)
    signal[200:700] = np.sin(np.arange(500) / 5.0)
    signal[100] = 0.001  # below -40 dB of the peak: noise, not voice
    first, last = voiced_span(signal)
    assert 200 <= first < 210
    assert 690 < last <= 700
    assert voiced_span((signal * 20000).astype(np.int16)) == (first, last)
    assert voiced_span(np.zeros(10, dtype=np.int16)) == (0, 0)
    assert voiced_span(np.zeros(0, dtype=np.float32)) == (0, 0)


def test_voiced_segments_split_at_pauses_only() -> None:
    rate = 1000
    signal = np.zeros(1000, dtype=np.float32)
    signal[100:300] = 1.0
    signal[320:400] = 1.0  # 20 ms gap: a stop consonant, same word
    signal[600:800] = 1.0  # 200 ms gap: a pause between words
    assert voiced_segments(signal, rate, peak=1.0) == [(100, 400), (600, 800)]


def test_fill_untimed_spreads_runs_between_neighbours() -> None:
    words = ["a", "b", "c", "d"]
    timings = fill_untimed(words, [None, (1.0, 2.0), None, (3.0, 4.0)], 0.5, 5.0)
    assert [(t.start, t.end) for t in timings] == [(0.5, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)]
