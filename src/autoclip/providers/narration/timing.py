"""Word timings when an engine gives less than one time per word, and voiced-region finding.

The spread rule (used for `TimingSource.SPREAD`) is documented on `spoken_weight` and
`spread_words`; captions rely on it being deterministic.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from autoclip.providers.narration.base import WordTiming

# Weights are in spoken syllables. English spends about three letters per syllable; a
# precomposed Hangul block is exactly one syllable; a digit is read as more than one
# syllable ("2024" is six syllables in English, "이천이십사" five in Korean), so 1.5.
LATIN_LETTER_WEIGHT = 1.0 / 3.0
HANGUL_SYLLABLE_WEIGHT = 1.0
DIGIT_WEIGHT = 1.5
OTHER_LETTER_WEIGHT = 1.0  # kana, hanzi and other scripts: roughly a syllable per character
# A word with nothing speakable ("—", "&") still gets a sliver of time so that it never
# has zero length, but no more than one letter's worth.
MIN_WORD_WEIGHT = 1.0 / 3.0

# -40 dB below the peak: quieter than any voiced phoneme of a normalized TTS signal, louder
# than the dither and breath noise the engines leave in pauses.
VOICED_THRESHOLD = 0.01


def _is_hangul_syllable(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


def spoken_weight(word: str) -> float:
    """How long `word` takes to say, in syllables, estimated from its characters.

    Rule: each ASCII letter counts 1/3, each Hangul syllable block 1, each digit 1.5,
    each other letter 1; punctuation and symbols count 0; the total is at least 1/3.
    """
    weight = 0.0
    for char in word:
        if char.isdigit():
            weight += DIGIT_WEIGHT
        elif _is_hangul_syllable(char):
            weight += HANGUL_SYLLABLE_WEIGHT
        elif char.isascii() and char.isalpha():
            weight += LATIN_LETTER_WEIGHT
        elif char.isalpha():
            weight += OTHER_LETTER_WEIGHT
    return max(weight, MIN_WORD_WEIGHT)


def spread_words(words: list[str], start: float, end: float) -> list[WordTiming]:
    """Share a phrase's voiced span [start, end] among its words by `spoken_weight`.

    The words are contiguous: the first starts at `start`, each next one starts where the
    previous one ends, and the last ends exactly at `end` (no rounding drift). A word's
    share of the span is its spoken weight divided by the phrase's total weight.
    """
    if not words:
        return []
    end = max(end, start)
    weights = np.array([spoken_weight(word) for word in words], dtype=np.float64)
    bounds = start + (end - start) * np.concatenate(([0.0], np.cumsum(weights))) / weights.sum()
    bounds[-1] = end
    return [
        WordTiming(text=word, start=float(bounds[i]), end=float(bounds[i + 1]))
        for i, word in enumerate(words)
    ]


def voiced_span(
    signal: npt.NDArray[np.floating] | npt.NDArray[np.integer],
    threshold: float = VOICED_THRESHOLD,
) -> tuple[int, int]:
    """Sample range [first, last + 1) whose magnitude exceeds `threshold` times the peak.

    Works on float and int signals alike since the threshold is relative. A silent (or
    empty) signal gives (0, 0).
    """
    magnitude = np.abs(np.asarray(signal, dtype=np.float64))
    if magnitude.size == 0:
        return 0, 0
    peak = float(magnitude.max())
    if peak == 0.0:
        return 0, 0
    loud = np.flatnonzero(magnitude > peak * threshold)
    return int(loud[0]), int(loud[-1]) + 1


def fill_untimed(
    words: list[str], spans: list[tuple[float, float] | None], start: float, end: float
) -> list[WordTiming]:
    """Timings for all `words`, where `spans[i]` is None for a word the engine did not time.

    Each run of untimed words is spread (by `spread_words`) over the gap between the timed
    neighbours around it; `start`/`end` stand in for a missing neighbour at either edge.
    """
    timings: list[WordTiming] = []
    index = 0
    while index < len(words):
        span = spans[index]
        if span is not None:
            timings.append(WordTiming(text=words[index], start=span[0], end=span[1]))
            index += 1
            continue
        run_end = index
        while run_end < len(words) and spans[run_end] is None:
            run_end += 1
        gap_start = timings[-1].end if timings else start
        following = spans[run_end] if run_end < len(words) else None
        gap_end = following[0] if following is not None else end
        timings.extend(spread_words(words[index:run_end], gap_start, max(gap_end, gap_start)))
        index = run_end
    return timings


def voiced_segments(
    signal: npt.NDArray[np.floating] | npt.NDArray[np.integer],
    rate: int,
    peak: float,
    min_pause: float = 0.08,
) -> list[tuple[int, int]]:
    """Sample ranges of sound separated by pauses of at least `min_pause` seconds.

    Sound is any 10 ms frame whose peak exceeds `VOICED_THRESHOLD` times `peak` (the whole
    recording's peak, so quiet words are not judged against themselves). 80 ms is longer
    than any stop consonant's closure, so a pause that long is a break between words.
    """
    magnitude = np.abs(np.asarray(signal, dtype=np.float64))
    frame = max(1, rate // 100)
    count = -(-magnitude.size // frame)
    padded = np.zeros(count * frame)
    padded[: magnitude.size] = magnitude
    loud = padded.reshape(count, frame).max(axis=1) > peak * VOICED_THRESHOLD
    segments: list[tuple[int, int]] = []
    min_frames = max(1, round(min_pause * 100))
    for index in np.flatnonzero(loud):
        start, end = int(index) * frame, min(magnitude.size, (int(index) + 1) * frame)
        if segments and index - segments[-1][1] // frame < min_frames:
            segments[-1] = (segments[-1][0], end)
        else:
            segments.append((start, end))
    return segments


def spread_over_voice(
    words: list[str], pcm: npt.NDArray[np.integer], rate: int
) -> list[WordTiming]:
    """`words` spread (by `spread_words`) over the audio's voiced span, or over all of it
    when nothing rises above the noise floor."""
    first, last = voiced_span(pcm)
    if last <= first:
        first, last = 0, pcm.size
    return spread_words(words, first / rate, last / rate)


def in_order(timings: list[WordTiming], duration: float) -> list[WordTiming]:
    """Times within [0, duration], each word starting no earlier than the previous one ends.

    An engine's last end time may pass the audio's end by a few milliseconds (ElevenLabs),
    marks may come back out of order, and captions highlight one word at a time, in order.
    """
    tidy: list[WordTiming] = []
    floor = 0.0
    for timing in timings:
        start = min(max(timing.start, floor), duration)
        end = min(max(timing.end, start), duration)
        tidy.append(WordTiming(text=timing.text, start=start, end=end))
        floor = end
    return tidy
