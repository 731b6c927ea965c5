"""Joining scene WAVs: offsets and length exact to the sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autoclip.providers.narration.base import SceneNarration, TimingSource
from autoclip.providers.narration.track import assemble_track, read_wav, resample, write_wav


def _scene(path: Path, samples: int, rate: int, value: int) -> SceneNarration:
    write_wav(path, np.full(samples, value, dtype=np.int16), rate)
    return SceneNarration(
        wav_path=path,
        sample_rate=rate,
        duration=samples / rate,
        words=[],
        timing_source=TimingSource.ENGINE,
    )


def test_offsets_and_total_length_are_exact(tmp_path: Path) -> None:
    rate = 22050
    scenes = [
        _scene(tmp_path / f"{i}.wav", n, rate, i + 1) for i, n in enumerate([22050, 11025, 30000])
    ]
    out = tmp_path / "track.wav"
    offsets = assemble_track(scenes, out, gap=0.5)

    gap = 11025
    assert offsets == [0.0, (22050 + gap) / rate, (22050 + gap + 11025 + gap) / rate]
    pcm, out_rate = read_wav(out)
    assert out_rate == rate
    assert pcm.size == 22050 + 11025 + 30000 + 2 * gap
    for index, offset in enumerate(offsets):
        assert pcm[round(offset * rate)] == index + 1
    assert pcm[22050] == 0  # silence starts right after the first scene
    assert pcm[-1] == 3  # no gap after the last scene


def test_mixed_rates_are_resampled_to_the_highest(tmp_path: Path) -> None:
    scenes = [
        _scene(tmp_path / "low.wav", 16000, 16000, 100),
        _scene(tmp_path / "high.wav", 22050, 22050, 200),
    ]
    offsets = assemble_track(scenes, tmp_path / "track.wav", gap=0.0)
    pcm, rate = read_wav(tmp_path / "track.wav")
    assert rate == 22050
    assert offsets == [0.0, 1.0]
    assert pcm.size == 44100


def test_resample_keeps_shape() -> None:
    ramp = np.arange(0, 1000, dtype=np.int16)
    up = resample(ramp, 1000, 2000)
    assert up.size == 2000
    assert up[0] == 0
    assert abs(int(up[1000]) - 500) <= 1
