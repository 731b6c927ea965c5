"""Emoji in a script are shown, never said: the narration with them is the narration
without them, and each emoji rides on its neighbouring word's timing."""

from __future__ import annotations

from pathlib import Path
from statistics import median

import pytest

from autoclip.options import Language
from autoclip.providers.narration.base import VoiceRequest
from autoclip.providers.narration.espeak import EspeakNarrator, has_voice
from autoclip.providers.narration.piper import PiperNarrator
from autoclip.providers.narration.spoken import ReadingNarrator

CASES = [
    (
        "piper",
        Language.EN,
        "💧 Drink water 💧😀 every day! 👍🏽 Your family 👨‍👩‍👧 🇰🇷 will thank you ❤️",
        "Drink water every day! Your family will thank you",
    ),
    (
        "espeak",
        Language.KO,
        "💧 물을 많이 마셔요 💧😀 건강 최고! 👍🏽 1️⃣ 가족 👨‍👩‍👧 모두 🇰🇷",
        "물을 많이 마셔요 건강 최고! 가족 모두",
    ),
]


def narrator(engine: str) -> ReadingNarrator:
    if engine == "espeak" and not has_voice("ko"):
        pytest.skip("eSpeak NG has no Korean voice here")
    return ReadingNarrator(PiperNarrator() if engine == "piper" else EspeakNarrator())


@pytest.mark.parametrize(("engine", "language", "with_emoji", "plain"), CASES)
def test_emoji_are_not_said_but_ride_on_their_neighbours(
    engine: str, language: Language, with_emoji: str, plain: str, tmp_path: Path
) -> None:
    voice = narrator(engine)
    request = VoiceRequest(with_emoji, language)
    # the engine is sent exactly what it is sent for the text without emoji
    assert voice.reading(request).text == voice.reading(VoiceRequest(plain, language)).text
    shown = voice.narrate(request, tmp_path / "emoji.wav")
    assert " ".join(word.text for word in shown.words) == " ".join(with_emoji.split())
    assert len(shown.words) == len(plain.split())
    # a narration cached for the plain text is not reused: its words lack the emoji
    assert voice.identity(request) != voice.identity(VoiceRequest(plain, language))


def test_the_voice_is_the_same_with_and_without_emoji(tmp_path: Path) -> None:
    # Neither engine is bit-for-bit repeatable: the same text twice differs by a few
    # samples with eSpeak NG, now and then by ~10 ms (under load), and by tens of ms with
    # Piper, which samples noise. So eSpeak's voice is made three times each way and the
    # median lengths compared, and the word timings of the closest pair, to 5 ms.
    _, language, with_emoji, plain = CASES[1]
    voice = narrator("espeak")
    made = {
        text: [
            voice.narrate(VoiceRequest(text, language), tmp_path / f"{name}{n}.wav")
            for n in range(3)
        ]
        for name, text in (("emoji", with_emoji), ("plain", plain))
    }
    shown, said = made[with_emoji], made[plain]
    assert abs(median(n.duration for n in shown) - median(n.duration for n in said)) < 0.005
    closest = min(
        ((a, b) for a in shown for b in said),
        key=lambda pair: abs(pair[0].duration - pair[1].duration),
    )
    for emoji_word, plain_word in zip(closest[0].words, closest[1].words, strict=True):
        assert emoji_word.start == pytest.approx(plain_word.start, abs=0.005)
        assert emoji_word.end == pytest.approx(plain_word.end, abs=0.005)
