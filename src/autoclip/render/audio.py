"""The soundtrack: narration, optional music ducked under it, normalised to -14 LUFS.

Loudness is normalised in two passes, the way broadcast tools do it: a fast audio-only
pass measures the mix with `loudnorm`, and the render applies `loudnorm` in linear mode
with those measurements. One-pass (dynamic) loudnorm lands within about a LU but pumps;
linear keeps the voice natural and lands on target.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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
    options: dict[str, str | float] = {
        "I": TARGET_LUFS,
        "TP": TARGET_TRUE_PEAK,
        "LRA": TARGET_LRA,
    }
    if measured is None:
        return [Filter.of("loudnorm", **options, print_format="json")]
    return [
        Filter.of(
            "loudnorm",
            **options,
            measured_I=measured.input_i,
            measured_TP=measured.input_tp,
            measured_LRA=measured.input_lra,
            measured_thresh=measured.input_thresh,
            offset=measured.target_offset,
            linear="true",
            print_format="summary",
        ),
        # loudnorm works at 192 kHz internally; bring it back.
        Filter.of("aresample", out_sample_rate=SAMPLE_RATE),
    ]


def music_input_args(music: Path) -> list[str]:
    return ["-stream_loop", "-1", "-i", str(music)]


def measure_loudness(voice: Path, music: Path | None, duration: float) -> Loudness:
    """First pass: run the same mix through `loudnorm` and read its measurements."""
    args = ["-i", str(voice)]
    if music is not None:
        args += music_input_args(music)
    graph = FilterGraph()
    add_mix(graph, SoundtrackInputs("0:a", "1:a" if music else None, duration), "mix")
    graph.add(["mix"], loudnorm_filter(None), ["measured"])
    graph.validate({"measured"})
    args += ["-filter_complex", graph.render(), "-map", "[measured]", "-f", "null", "-"]
    stderr = run_ffmpeg(args, timeout=600, what="loudness measurement")
    return parse_loudnorm_json(stderr)


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
