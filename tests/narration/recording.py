"""A stand-in for a creator reading a script aloud: a synthesiser other than the aligner's
reference says every scene, with pauses between scenes and silence before and after (the
time between pressing record and speaking), and the true time of every written word is
kept to measure the captions against."""

from __future__ import annotations

import subprocess  # nosec B404 # ffmpeg from an argument list
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.options import Language
from autoclip.providers.narration.base import VoiceRequest, WordTiming
from autoclip.providers.narration.espeak import speak_timed
from autoclip.providers.narration.piper import PiperNarrator
from autoclip.providers.narration.track import Pcm, read_wav, resample, write_wav
from autoclip.speech.reading import read_aloud

RATE = 22050
LEAD_IN_S = 1.2
TAIL_S = 1.6
SCENE_PAUSE_S = 0.6


@dataclass(frozen=True)
class Recorded:
    wav: Path
    words: list[WordTiming]  # every written word of every scene, in the recording's time
    speech: tuple[float, float]  # the first word's start, the last word's end


def _say(text: str, language: Language, folder: Path, number: int) -> tuple[Pcm, list[WordTiming]]:
    if language is Language.EN:
        # Piper: a neural voice, not the aligner's eSpeak reference.
        spoken = PiperNarrator().narrate(VoiceRequest(text, language), folder / f"p{number}.wav")
        pcm, rate = read_wav(spoken.wav_path)
        return resample(pcm, rate, RATE), spoken.words
    # No Korean voice but eSpeak's is installable here: its female variant, slower and
    # higher than the reference (docs/aligner.md says what that flatters).
    pcm, rate, words = speak_timed(text, "ko+f3", 140, pitch=75)
    return resample(pcm, rate, RATE), words


def record_script(texts: list[str], language: Language, folder: Path) -> Recorded:
    """`texts` (the scenes' narrations) read one after another into `folder/recording.wav`."""
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[Pcm] = [np.zeros(round(LEAD_IN_S * RATE), dtype=np.int16)]
    position = LEAD_IN_S
    words: list[WordTiming] = []
    for number, text in enumerate(texts):
        reading = read_aloud(text, language)
        pcm, timed = _say(reading.text, language, folder, number)
        written = reading.written_timings(timed)
        words.extend(
            WordTiming(text=w.text, start=position + w.start, end=position + w.end) for w in written
        )
        parts.append(pcm)
        position += pcm.size / RATE
        pause = SCENE_PAUSE_S if number < len(texts) - 1 else TAIL_S
        parts.append(np.zeros(round(pause * RATE), dtype=np.int16))
        position += pause
    wav = folder / "recording.wav"
    # A person's microphone is quieter than a synthesiser: -20 dB, normalised back later.
    quiet = np.round(np.concatenate(parts).astype(np.float64) * 0.1).astype(np.int16)
    write_wav(wav, quiet, RATE)
    return Recorded(wav, words, (words[0].start, words[-1].end))


def encode(wav: Path, target: Path, *codec: str) -> Path:
    """`wav` as another format (MP3, M4A), as a phone or a recorder would hand it over."""
    subprocess.run(  # nosec B603
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav), *codec,
         str(target)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return target
