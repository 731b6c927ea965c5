"""Aligner evaluation: boundary error on voices whose true word times are known.

For each voice and text, the voice says the text and reports its own word timings (the
truth); the aligner is given the audio and the text alone, and every word's start and end
it returns is compared with the truth. Reported per language and voice: the median and
95th-percentile boundary error in ms, the same for today's estimate (words spread over the
voiced span by `timing.spread_over_voice`) for comparison, and the aligner's time per
second of audio (CPU seconds of this process, so that other work on the machine inflates
it less than wall time would).

Voices with known times:
- English: Piper's bundled `joe` voice (per-phoneme alignments from the model itself), a
  different synthesiser from the aligner's eSpeak reference: the honest cross-voice case.
- English and Korean: eSpeak NG with another voice variant, rate and pitch (a stand-in
  for another speaker; the same engine as the reference, so an easier case), and with its
  rhythm bent (each phrase at its own rate and pitch: `espeak_uneven`). No other Korean
  voice is installable here (docs/aligner.md says what was looked for).
The tests' ElevenLabs stand-in carries timings, but its audio is a tone, not speech, so it
cannot measure an aligner and is left out.

    .venv/bin/python benchmarks/aligner_eval.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autoclip.options import Language
from autoclip.providers.narration.align import AlignmentError, align
from autoclip.providers.narration.base import VoiceRequest, WordTiming
from autoclip.providers.narration.espeak import speak_timed
from autoclip.providers.narration.piper import PiperNarrator
from autoclip.providers.narration.timing import spread_over_voice
from autoclip.providers.narration.track import Pcm, read_wav

ENGLISH = [
    "Sleep is the quiet engine of good health.",
    "In 2024, the average adult slept six hours and fifty minutes a night, "
    "almost an hour less than doctors recommend.",
    "Your brain clears waste while you sleep. Skip it, and memory, mood and focus all "
    "suffer the next day.",
    "Here is a simple rule: the same bedtime, every night, even at weekends.",
    "Caffeine stays in your blood for up to ten hours. That afternoon coffee? "
    "It is still awake when you are not.",
    "Light matters too. Bright screens at night tell your body it is still daytime, "
    "so melatonin arrives late.",
    "Follow for more short, practical health tips, and share this with someone who needs "
    "a better night.",
]
KOREAN = [
    "수면은 건강을 지키는 조용한 엔진입니다.",
    "2024년 한국 성인의 평균 수면 시간은 여섯 시간 오십 분으로, 권장 시간보다 한 시간 가까이 "
    "짧습니다.",
    "잠자는 동안 뇌는 노폐물을 청소합니다. 잠을 줄이면 다음 날 기억력과 집중력이 떨어집니다.",
    "간단한 규칙이 있습니다. 주말에도 매일 같은 시간에 잠자리에 드세요.",
    "카페인은 최대 열 시간 동안 혈액에 남아 있습니다. 오후의 커피 한 잔이 밤잠을 방해합니다.",
    "밤에 보는 밝은 화면은 몸에게 아직 낮이라고 알려 줍니다. 그래서 멜라토닌이 늦게 나옵니다.",
    "더 많은 건강 정보를 원하시면 구독하고, 필요한 분께 공유해 주세요.",
]


@dataclass(frozen=True)
class Spoken:
    pcm: Pcm
    rate: int
    truth: list[WordTiming]


Voice = Callable[[str], Spoken]


def piper_joe(length_scale: float | None = None, snr_db: float | None = None) -> Voice:
    """Piper's joe, at `length_scale` (slower above 1), with white noise `snr_db` below the
    speech's RMS level mixed in (a recording in a room) when given."""

    def speak(text: str) -> Spoken:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "joe.wav"
            narrator = PiperNarrator(length_scale=length_scale)
            narration = narrator.narrate(VoiceRequest(text, Language.EN), out)
            pcm, rate = read_wav(out)
        if snr_db is not None:
            signal = pcm.astype(np.float64)
            level = float(np.sqrt(np.mean(signal[np.abs(signal) > 100] ** 2)))
            noise = np.random.default_rng(len(text)).normal(0.0, 1.0, signal.size)
            noisy = signal + noise * level / 10 ** (snr_db / 20)
            pcm = np.clip(np.round(noisy), -32768, 32767).astype(np.int16)
        return Spoken(pcm, rate, narration.words)

    return speak


def espeak_voice(voice: str, rate: int, pitch: int) -> Voice:
    def speak(text: str) -> Spoken:
        pcm, sample_rate, words = speak_timed(text, voice, rate, pitch)
        return Spoken(pcm, sample_rate, words)

    return speak


def espeak_uneven(voice: str, rates: tuple[int, int], pitches: tuple[int, int]) -> Voice:
    """eSpeak `voice` saying the text a phrase (one to three words) at a time, each phrase at
    its own rate and pitch drawn from `rates` and `pitches`, the phrases joined as said.

    The reference reads the whole text at one pace, so its phone durations stay in the
    same proportions as its own rules; a person's do not: they hurry one phrase and linger
    on the next. This bends eSpeak's rhythm the same way (the voice is still eSpeak's),
    which the variants above, each at one rate, cannot."""

    def speak(text: str) -> Spoken:
        words = text.split()
        draw = np.random.default_rng(len(text))
        parts: list[Pcm] = []
        truth: list[WordTiming] = []
        position, sample_rate = 0, 22050
        first = 0
        while first < len(words):
            count = int(draw.integers(1, 4))
            phrase = " ".join(words[first : first + count])
            rate = int(draw.integers(rates[0], rates[1] + 1))
            pitch = int(draw.integers(pitches[0], pitches[1] + 1))
            pcm, sample_rate, timed = speak_timed(phrase, voice, rate, pitch)
            offset = position / sample_rate
            truth.extend(
                WordTiming(text=w.text, start=offset + w.start, end=offset + w.end) for w in timed
            )
            parts.append(pcm)
            position += pcm.size
            first += count
        return Spoken(np.concatenate(parts), sample_rate, truth)

    return speak


VOICES: list[tuple[Language, str, Voice, list[str]]] = [
    (Language.EN, "Piper joe", piper_joe(), ENGLISH),
    (Language.EN, "Piper joe, 1.3x slower", piper_joe(length_scale=1.3), ENGLISH),
    (Language.EN, "Piper joe, noise at 30 dB SNR", piper_joe(snr_db=30.0), ENGLISH),
    (Language.EN, "Piper joe, noise at 15 dB SNR", piper_joe(snr_db=15.0), ENGLISH),
    # British English, a female variant, slow and high.
    (Language.EN, "eSpeak en+f3, 150 wpm, pitch 75", espeak_voice("en+f3", 150, 75), ENGLISH),
    # The Klatt formant synthesiser instead of eSpeak's own: a different-sounding voice.
    (
        Language.EN,
        "eSpeak en-us+klatt3, 210 wpm, pitch 30",
        espeak_voice("en-us+klatt3", 210, 30),
        ENGLISH,
    ),
    (Language.KO, "eSpeak ko+f3, 140 wpm, pitch 75", espeak_voice("ko+f3", 140, 75), KOREAN),
    (
        Language.KO,
        "eSpeak ko+klatt3, 200 wpm, pitch 30",
        espeak_voice("ko+klatt3", 200, 30),
        KOREAN,
    ),
    # The same engine with its rhythm bent: each phrase at its own pace and pitch.
    (
        Language.KO,
        "eSpeak ko+f3, each phrase 110-260 wpm, pitch 40-90",
        espeak_uneven("ko+f3", (110, 260), (40, 90)),
        KOREAN,
    ),
    (
        Language.EN,
        "eSpeak en+f3, each phrase 110-260 wpm, pitch 40-90",
        espeak_uneven("en+f3", (110, 260), (40, 90)),
        ENGLISH,
    ),
]


def boundary_errors(found: list[WordTiming], truth: list[WordTiming]) -> list[float]:
    """|found - true| in ms for every word's start and end."""
    assert [w.text for w in found] == [w.text for w in truth]
    errors: list[float] = []
    for mine, true in zip(found, truth, strict=True):
        errors.append(abs(mine.start - true.start) * 1000.0)
        errors.append(abs(mine.end - true.end) * 1000.0)
    return errors


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(np.array(values), share * 100.0))


@dataclass
class Row:
    language: str
    voice: str
    words: int
    audio_s: float
    median_ms: float
    p95_ms: float
    max_ms: float
    spread_median_ms: float
    spread_p95_ms: float
    seconds_per_audio_second: float
    cost_ratios: tuple[float, float]  # lowest and highest, for the right text
    refused: list[str]
    # Each audio given the next text instead of its own: refused, and the cost ratios of
    # those accepted anyway.
    wrong_refused: int
    wrong_accepted_ratios: list[float]


def evaluate(language: Language, name: str, voice: Voice, texts: list[str]) -> Row:
    errors: list[float] = []
    spread: list[float] = []
    refused: list[str] = []
    ratios: list[float] = []
    wrong_refused = 0
    wrong_ratios: list[float] = []
    audio_s = aligner_s = 0.0
    words = 0
    for number, text in enumerate(texts):
        spoken = voice(text)
        wrong_text = texts[(number + 1) % len(texts)]
        try:
            wrong = align(wrong_text, spoken.pcm, spoken.rate, language)
        except AlignmentError:
            wrong_refused += 1
        else:
            wrong_ratios.append(round(wrong.cost_ratio, 3))
        began = time.process_time()
        try:
            alignment = align(text, spoken.pcm, spoken.rate, language)
        except AlignmentError as error:
            refused.append(f"{text[:30]}…: {error.reason}")
            continue
        aligner_s += time.process_time() - began
        found = alignment.words
        ratios.append(alignment.cost_ratio)
        audio_s += spoken.pcm.size / spoken.rate
        words += len(found)
        errors.extend(boundary_errors(found, spoken.truth))
        estimate = spread_over_voice(text.split(), spoken.pcm, spoken.rate)
        spread.extend(boundary_errors(estimate, spoken.truth))
    if not errors:
        raise SystemExit(f"{name}: every text was refused: {refused}")
    return Row(
        language=language.value,
        voice=name,
        words=words,
        audio_s=round(audio_s, 1),
        median_ms=round(statistics.median(errors), 1),
        p95_ms=round(percentile(errors, 0.95), 1),
        max_ms=round(max(errors), 1),
        spread_median_ms=round(statistics.median(spread), 1),
        spread_p95_ms=round(percentile(spread, 0.95), 1),
        seconds_per_audio_second=round(aligner_s / audio_s, 4),
        cost_ratios=(round(min(ratios), 3), round(max(ratios), 3)),
        refused=refused,
        wrong_refused=wrong_refused,
        wrong_accepted_ratios=wrong_ratios,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--only", help="only voices whose name contains this")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    # Warm up: the first eSpeak call loads the library and its voice data.
    align("warm up", *speak_timed("warm up", "en-us", 170)[:2], Language.EN)
    rows = [
        evaluate(language, name, voice, texts)
        for language, name, voice, texts in VOICES
        if args.only is None or args.only in name
    ]
    header = "| lang | voice (truth) | words | audio s | median ms | p95 ms | max ms | "
    header += "spread median | spread p95 | CPU s per audio s |"
    print(header)
    print("|" + "---|" * 10)
    for row in rows:
        print(
            f"| {row.language} | {row.voice} | {row.words} | {row.audio_s} | {row.median_ms} "
            f"| {row.p95_ms} | {row.max_ms} | {row.spread_median_ms} | {row.spread_p95_ms} "
            f"| {row.seconds_per_audio_second} |"
        )
    print()
    print("| voice | cost ratio, own text | next text: refused | next text: cost ratio |")
    print("|---|---|---|---|")
    for row in rows:
        accepted = row.wrong_accepted_ratios
        span = f"{min(accepted)}-{max(accepted)}" if accepted else "-"
        print(
            f"| {row.voice} | {row.cost_ratios[0]}-{row.cost_ratios[1]} "
            f"| {row.wrong_refused} of {row.wrong_refused + len(accepted)} | {span} |"
        )
    for row in rows:
        for reason in row.refused:
            print(f"refused ({row.voice}): {reason}")
    if args.json:
        args.json.write_text(json.dumps([row.__dict__ for row in rows], indent=2))


if __name__ == "__main__":
    main()
