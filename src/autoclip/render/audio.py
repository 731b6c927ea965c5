"""The soundtrack: narration, optional music ducked under it, normalised to -14 LUFS.

Loudness is normalised in two passes, the way broadcast tools do it: a fast audio-only
pass measures the mix with `loudnorm`, and the render applies `loudnorm` in linear mode
with those measurements. One-pass (dynamic) loudnorm lands within about a LU but pumps;
linear keeps the voice natural and lands on target.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from autoclip.errors import MediaError
from autoclip.kit.ffmpeg import run_ffmpeg, tail
from autoclip.render.graph import Filter, FilterGraph

TARGET_LUFS = -14.0
TARGET_TRUE_PEAK = -1.5
TARGET_LRA = 11.0
SAMPLE_RATE = 48000
MUSIC_LEVEL_DB = -16.0  # music bed under the voice before ducking
MUSIC_FADE_OUT = 2.0


@dataclass(frozen=True)
class Loudness:
    """What `loudnorm` measured on the first pass."""

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float
    # Added to the plain gain: what the peak limiter takes away, found by a second pass.
    correction_db: float = 0.0


@dataclass(frozen=True)
class SoundtrackInputs:
    voice: str  # pad label of the narration stream, e.g. "1:a"
    music: str | None  # pad label of the looped music stream, or None
    duration: float


def add_mix(graph: FilterGraph, inputs: SoundtrackInputs, out: str) -> None:
    """Voice (made stereo) plus, if given, music ducked by a sidechain on the voice."""
    stereo = [
        Filter.of("aresample", out_sample_rate=SAMPLE_RATE),
        Filter.of("aformat", sample_fmts="fltp", channel_layouts="stereo"),
    ]
    if inputs.music is None:
        graph.add([inputs.voice], stereo, [out])
        return
    fade_start = max(0.0, inputs.duration - MUSIC_FADE_OUT)
    graph.add([inputs.voice], [*stereo, Filter.of("asplit", outputs=2)], ["voice", "voicekey"])
    graph.add(
        [inputs.music],
        [
            *stereo,
            Filter.of("atrim", duration=inputs.duration),
            Filter.of("volume", volume=f"{MUSIC_LEVEL_DB}dB"),
            Filter.of("afade", type="out", start_time=fade_start, duration=MUSIC_FADE_OUT),
        ],
        ["musicbed"],
    )
    # The voice keys the compressor: music drops ~10 dB while someone speaks.
    graph.add(
        ["musicbed", "voicekey"],
        [Filter.of("sidechaincompress", threshold=0.03, ratio=6, attack=30, release=350)],
        ["ducked"],
    )
    graph.add(
        ["voice", "ducked"],
        [Filter.of("amix", inputs=2, duration="first", normalize=0)],
        [out],
    )


def loudnorm_filter(measured: Loudness | None) -> list[Filter]:
    """The first pass measures with `loudnorm`; the second applies the measured gain.

    The gain is a plain `volume` followed by a peak limiter at the true-peak target,
    rather than `loudnorm` in linear mode: loudnorm drops to its dynamic mode whenever the
    gain would push a peak over the ceiling (TTS voices peak near 0 dBFS), and then lands
    a LU or more below the target. Limiting only the rare peaks keeps the voice natural
    and the integrated loudness on target.
    """
    if measured is None:
        return [
            Filter.of(
                "loudnorm", I=TARGET_LUFS, TP=TARGET_TRUE_PEAK, LRA=TARGET_LRA, print_format="json"
            )
        ]
    gain_db = TARGET_LUFS - measured.input_i + measured.correction_db
    ceiling = 10 ** (TARGET_TRUE_PEAK / 20)
    return [
        Filter.of("volume", volume=f"{gain_db:.2f}dB"),
        Filter.of("alimiter", limit=round(ceiling, 4), attack=5, release=50, level="false"),
        Filter.of("aresample", out_sample_rate=SAMPLE_RATE),
    ]


def music_input_args(music: Path) -> list[str]:
    return ["-stream_loop", "-1", "-i", str(music)]


def measure_loudness(voice: Path, music: Path | None, duration: float) -> Loudness:
    """Measure the mix, then measure it again after the gain and the limiter.

    TTS voices are peak-normalised, so after the gain the limiter shaves enough off the
    peaks to cost about a LU; the second pass measures that and the gain makes it good
    (seen: -15.2 LUFS with one pass, -14 with two).
    """
    first = _measure(voice, music, duration, [])
    second = _measure(voice, music, duration, loudnorm_filter(first))
    return replace(first, correction_db=round(TARGET_LUFS - second.input_i, 2))


def _measure(voice: Path, music: Path | None, duration: float, before: list[Filter]) -> Loudness:
    args = _mix_args(voice, music, duration, [*before, *loudnorm_filter(None)])
    stderr = run_ffmpeg([*args, "-f", "null", "-"], timeout=600, what="loudness measurement")
    return parse_loudnorm_json(stderr)


def _mix_args(voice: Path, music: Path | None, duration: float, after: list[Filter]) -> list[str]:
    """Inputs and graph of an audio-only run: the mix, then `after`, mapped as output."""
    args = ["-i", str(voice)]
    if music is not None:
        args += music_input_args(music)
    graph = FilterGraph()
    add_mix(graph, SoundtrackInputs("0:a", "1:a" if music else None, duration), "mix")
    graph.add(["mix"], after, ["out"])
    graph.validate({"out"})
    return [*args, "-filter_complex", graph.render(), "-map", "[out]"]


_JSON_BLOCK = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.DOTALL)


def parse_loudnorm_json(stderr: str) -> Loudness:
    match = _JSON_BLOCK.search(stderr)
    if match is None:
        raise MediaError("loudness measurement printed no result", tail(stderr))
    try:
        data = json.loads(match.group(0))  # JSONDecodeError is a ValueError
        values = {
            key: float(data[key])
            for key in ("input_i", "input_tp", "input_lra", "input_thresh", "target_offset")
        }
    except (KeyError, ValueError, TypeError) as error:
        raise MediaError(f"loudness measurement is unreadable: {error}", match.group(0)) from None
    if values["input_i"] == float("-inf"):
        raise MediaError("the narration is silent")
    return Loudness(**values)


def encode_voice_track(voice: Path, out: Path, codec_args: list[str]) -> None:
    """The narration alone, measured and normalised exactly as the video's soundtrack is
    (stereo at 48 kHz: EBU R128 weighs a mono file 3 dB lower than the same voice in stereo)."""
    loudness = measure_loudness(voice, None, 0.0)
    args = _mix_args(voice, None, 0.0, loudnorm_filter(loudness))
    run_ffmpeg([*args, *codec_args, str(out)], what="narration track encoding")
