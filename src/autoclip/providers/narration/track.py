"""Mono 16-bit WAV reading/writing and joining scene narrations into one voice track."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from autoclip.errors import MediaError
from autoclip.providers.narration.base import SceneNarration

Pcm = npt.NDArray[np.int16]


def float_to_pcm(audio: npt.NDArray[np.floating]) -> Pcm:
    """[-1, 1] floats to int16, clipped so that a full-scale peak cannot wrap around."""
    return np.clip(np.asarray(audio) * 32767.0, -32767.0, 32767.0).astype(np.int16)


def write_wav(path: Path, pcm: Pcm, sample_rate: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        # WAV is little-endian whatever the machine is.
        wav.writeframes(np.ascontiguousarray(pcm, dtype="<i2").tobytes())


def read_wav(path: Path) -> tuple[Pcm, int]:
    """Samples and rate of a mono 16-bit WAV; anything else is a `MediaError`."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise MediaError(f"{path.name}: narration WAV must be mono 16-bit")
            frames = wav.readframes(wav.getnframes())
            rate = wav.getframerate()
    except (OSError, EOFError, wave.Error) as error:
        raise MediaError(f"cannot read narration WAV {path}: {error}") from error
    return np.frombuffer(frames, dtype="<i2").astype(np.int16), rate


def resample(pcm: Pcm, from_rate: int, to_rate: int) -> Pcm:
    """Linear-interpolation resampling; only used when voices of different rates are mixed.

    Linear interpolation is crude for music but inaudible on speech at 16-24 kHz, and keeps
    the output length exactly round(len * to_rate / from_rate) samples.
    """
    if from_rate == to_rate or pcm.size == 0:
        return pcm
    length = round(pcm.size * to_rate / from_rate)
    positions = np.arange(length, dtype=np.float64) * (from_rate / to_rate)
    resampled = np.interp(positions, np.arange(pcm.size), pcm.astype(np.float64))
    return np.clip(np.round(resampled), -32768, 32767).astype(np.int16)


def assemble_track(scenes: list[SceneNarration], out_wav: Path, gap: float = 0.35) -> list[float]:
    """Join the scenes' WAVs into `out_wav`, `gap` seconds of silence between scenes.

    The track's rate is the highest scene rate (others are resampled up). Offsets are
    computed from whole sample counts, so `offsets[i]` is exactly where scene i's first
    sample lies in the output and its word timings can be shifted by it.
    """
    if not scenes:
        raise ValueError("assemble_track needs at least one scene")
    rate = max(scene.sample_rate for scene in scenes)
    silence = np.zeros(round(gap * rate), dtype=np.int16)
    parts: list[Pcm] = []
    offsets: list[float] = []
    position = 0
    for index, scene in enumerate(scenes):
        pcm, scene_rate = read_wav(scene.wav_path)
        pcm = resample(pcm, scene_rate, rate)
        offsets.append(position / rate)
        parts.append(pcm)
        position += pcm.size
        if index < len(scenes) - 1:
            parts.append(silence)
            position += silence.size
    write_wav(out_wav, np.concatenate(parts), rate)
    return offsets
