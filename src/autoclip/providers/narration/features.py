"""Spectral features of speech for the aligner: normalised MFCCs, their deltas and loudness.

Frames are 25 ms every 10 ms at 16 kHz. Each frame is described by
- 12 mel-cepstral coefficients (c1..c12 of 40 log-mel bands, 60-7600 Hz): the shape of the
  spectrum, i.e. which sound is being made, with c0 (loudness) left out;
- their deltas (the slope over ±2 frames): where one sound turns into the next, which
  depends less on the speaker's vocal tract than the coefficients themselves;
- a loudness level in [0, 1] (dB below the utterance's loudest frame, floored at -50 dB),
  so that pauses match pauses.
Each cepstral column is normalised to zero mean and unit variance over the utterance
(cepstral mean and variance normalisation), which removes most of what a voice and a
recording channel add as a constant: a different speaker, microphone or codec.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from autoclip.providers.narration.track import Pcm, resample

FEATURE_RATE = 16000
HOP = 160  # 10 ms
WINDOW = 400  # 25 ms
FFT_SIZE = 512
MEL_BANDS = 40
CEPSTRA = 12
LOW_HZ, HIGH_HZ = 60.0, 7600.0
FLOOR_DB = 50.0
NOISE_MARGIN_DB = 3.0  # white noise's level varies by about ±1 dB from frame to frame
FRAME_SECONDS = HOP / FEATURE_RATE
# How much each part counts in the distance between two frames (measured with
# benchmarks/aligner_eval.py): the deltas, which depend least on the voice, count twice as
# much as the coefficients; loudness, on its [0, 1] scale, is made to count about as much
# as the coefficients of a whole frame, so that sound is never paired with silence.
STATIC_WEIGHT = 0.5
DELTA_WEIGHT = 1.0
LOUDNESS_WEIGHT = 4.0

Matrix = npt.NDArray[np.float64]


def _mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


@functools.cache
def mel_filters(warp_factor: float = 1.0) -> Matrix:
    """Triangular mel filters, (MEL_BANDS, FFT_SIZE // 2 + 1), their centres multiplied by
    `warp_factor`: a factor above 1 reads a shorter vocal tract's higher formants (a woman's,
    a child's) where a longer one's would be (vocal tract length normalisation)."""
    mels = np.linspace(_mel(np.array(LOW_HZ)), _mel(np.array(HIGH_HZ)), MEL_BANDS + 2)
    edges = np.minimum(_hz(mels) * warp_factor, FEATURE_RATE / 2.0)
    bins = np.fft.rfftfreq(FFT_SIZE, 1.0 / FEATURE_RATE)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - low) / np.maximum(centre - low, 1e-9)
    falling = (high - bins[None, :]) / np.maximum(high - centre, 1e-9)
    return np.asarray(np.maximum(0.0, np.minimum(rising, falling)), dtype=np.float64)


def _dct_matrix() -> Matrix:
    """Orthonormal DCT-II rows 1..CEPSTRA over the mel bands, (MEL_BANDS, CEPSTRA)."""
    n = np.arange(MEL_BANDS)
    k = np.arange(1, CEPSTRA + 1)
    angles = np.pi * (n[:, None] + 0.5) * k[None, :] / MEL_BANDS
    return np.asarray(np.sqrt(2.0 / MEL_BANDS) * np.cos(angles), dtype=np.float64)


_DCT = _dct_matrix()
_WINDOW = np.hanning(WINDOW)


def frames_of(pcm: Pcm, rate: int) -> Matrix:
    """Windowed 25 ms frames every 10 ms of `pcm` resampled to 16 kHz, (frames, WINDOW).

    The signal is padded so that frame k is centred on [k * 10 ms, (k + 1) * 10 ms): a time
    t lies in frame `int(t / FRAME_SECONDS)`, and a boundary at t is before frame
    `round(t / FRAME_SECONDS)`.
    """
    signal = resample(pcm, rate, FEATURE_RATE).astype(np.float64) / 32768.0
    lead = (WINDOW - HOP) // 2
    count = max(1, -(-signal.size // HOP))
    padded = np.zeros((count - 1) * HOP + WINDOW)
    padded[lead : lead + signal.size] = signal[: padded.size - lead]
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(count)[:, None]
    return np.asarray(padded[index] * _WINDOW, dtype=np.float64)


@dataclass(frozen=True)
class Spectrum:
    """The power spectrum of each frame, (frames, FFT_SIZE // 2 + 1), and its loudness."""

    power: Matrix
    level: npt.NDArray[np.float64]


def spectrum(pcm: Pcm, rate: int) -> Spectrum:
    frames = frames_of(pcm, rate)
    return Spectrum(np.abs(np.fft.rfft(frames, FFT_SIZE, axis=1)) ** 2, loudness(frames))


def deltas(matrix: Matrix, reach: int = 2) -> Matrix:
    """The regression slope of each column over ±`reach` frames (edges repeated)."""
    padded = np.pad(matrix, ((reach, reach), (0, 0)), mode="edge")
    length = matrix.shape[0]
    slope = sum(
        k * (padded[reach + k : reach + k + length] - padded[reach - k : reach - k + length])
        for k in range(1, reach + 1)
    )
    return np.asarray(slope, dtype=np.float64) / (2.0 * sum(k * k for k in range(1, reach + 1)))


def _standardise(matrix: Matrix) -> Matrix:
    spread = matrix.std(axis=0)
    scaled = (matrix - matrix.mean(axis=0)) / np.where(spread > 1e-8, spread, 1.0)
    return np.asarray(scaled, dtype=np.float64)


def loudness(frames: Matrix) -> npt.NDArray[np.float64]:
    """Each frame's level in [0, 1]: 1 at the loudest frame, 0 at the noise floor.

    The floor is the quietest frames' level (5th percentile) plus a margin, so that the
    pauses of a noisy recording read as silence; in a clean recording it is FLOOR_DB below
    the peak."""
    energy = 10.0 * np.log10((frames**2).mean(axis=1) + 1e-12)
    peak = float(energy.max())
    floor = max(peak - FLOOR_DB, float(np.percentile(energy, 5.0)) + NOISE_MARGIN_DB)
    level = (energy - floor) / max(peak - floor, 1e-6)
    return np.asarray(np.clip(level, 0.0, 1.0), dtype=np.float64)


def levels(pcm: Pcm, rate: int) -> npt.NDArray[np.float64]:
    """`loudness` of every 10 ms frame of `pcm`."""
    return loudness(frames_of(pcm, rate))


def variation(heard: Spectrum) -> float:
    """How much the spectrum's shape changes over the loud frames (within 25 dB of the
    loudest): the mean standard deviation of the cepstral coefficients. Speech changes
    sound every few tens of milliseconds (about 4 here); a tone, a hum or steady noise
    hardly changes (under 1)."""
    loud = heard.level > 0.5
    if loud.sum() < 2:
        return 0.0
    cepstra = np.log(heard.power[loud] @ mel_filters().T + 1e-10) @ _DCT
    return float(cepstra.std(axis=0).mean())


def speech_features(heard: Spectrum, warp_factor: float = 1.0) -> Matrix:
    """(frames, 2 * CEPSTRA + 1) features; see the module doc. `warp_factor`: `mel_filters`."""
    cepstra = np.log(heard.power @ mel_filters(warp_factor).T + 1e-10) @ _DCT
    return np.hstack(
        (
            STATIC_WEIGHT * _standardise(cepstra),
            DELTA_WEIGHT * _standardise(deltas(cepstra)),
            LOUDNESS_WEIGHT * heard.level[:, None],
        )
    )
