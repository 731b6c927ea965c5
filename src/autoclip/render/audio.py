"""The soundtrack: narration, optional music ducked under it, normalised to -14 LUFS.

Loudness is measured, not guessed: an audio-only pass runs the same mix through the
EBU R128 meter (`ebur128`, 16x faster here than `loudnorm`'s meter, which resamples to
192 kHz). The render then applies the gain that brings the mix to -14 LUFS and a peak
limiter at -1.5 dBFS. TTS voices are peak-normalised, so the limiter shaves enough to
cost about a LU; metering again after gain and limiter measures that, and the gain
makes it good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from autoclip.errors import MediaError
from autoclip.kit.ffmpeg import run_ffmpeg, tail
from autoclip.render.graph import Filter, FilterGraph

TARGET_LUFS = -14.0
TARGET_TRUE_PEAK = -1.5
SAMPLE_RATE = 48000
LOUDNESS_TOLERANCE = 0.2  # LU
MAX_CORRECTION_PASSES = 4
MUSIC_LEVEL_DB = -16.0  # music bed under the voice before ducking
MUSIC_FADE_OUT = 2.0


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness of the mix (LUFS), and what the limiter takes off it (dB)."""

    integrated: float
    correction_db: float = 0.0


@dataclass(frozen=True)
class SoundtrackInputs:
    voice: str  # pad label of the narration stream, e.g. "1:a"
    music: str | None  # pad label of the looped music stream, or None
    duration: float
    music_level_db: float = MUSIC_LEVEL_DB  # the bed's level under the voice, before ducking


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
            Filter.of("volume", volume=f"{inputs.music_level_db}dB"),
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


def normalise_filters(measured: Loudness) -> list[Filter]:
    """Gain to the target, then a peak limiter at the true-peak target.

    Not `loudnorm` in linear mode: it drops to its dynamic mode whenever the gain would
    push a peak over the ceiling (TTS voices peak near 0 dBFS) and then lands a LU or more
    below the target. Limiting only the rare peaks keeps the voice natural.
    """
    gain_db = TARGET_LUFS - measured.integrated + measured.correction_db
    ceiling = 10 ** (TARGET_TRUE_PEAK / 20)
    return [
        Filter.of("volume", volume=f"{gain_db:.2f}dB"),
        Filter.of("alimiter", limit=round(ceiling, 4), attack=5, release=50, level="false"),
        Filter.of("aresample", out_sample_rate=SAMPLE_RATE),
    ]


def music_input_args(music: Path) -> list[str]:
    return ["-stream_loop", "-1", "-i", str(music)]


def measure_loudness(
    voice: Path, music: Path | None, duration: float, music_level_db: float = MUSIC_LEVEL_DB
) -> Loudness:
    """Meter the mix, then meter it after the gain and the limiter until it is on target.

    Each extra dB of gain makes the limiter take a little more, so the correction is found
    by a few cheap metering passes (0.1 s each for a minute of audio) rather than guessed.
    """
    loudness = Loudness(_meter(voice, music, duration, [], music_level_db))
    for _ in range(MAX_CORRECTION_PASSES):
        after = normalise_filters(loudness)
        error = TARGET_LUFS - _meter(voice, music, duration, after, music_level_db)
        if abs(error) <= LOUDNESS_TOLERANCE:
            break
        loudness = replace(loudness, correction_db=round(loudness.correction_db + error, 2))
    return loudness


def _meter(
    voice: Path, music: Path | None, duration: float, before: list[Filter], level: float
) -> float:
    meter = Filter.of("ebur128", framelog="quiet")
    args = _mix_args(voice, music, duration, [*before, meter], level)
    stderr = run_ffmpeg([*args, "-f", "null", "-"], timeout=600, what="loudness measurement")
    return parse_integrated_loudness(stderr)


def _mix_args(
    voice: Path, music: Path | None, duration: float, after: list[Filter], level: float
) -> list[str]:
    """Inputs and graph of an audio-only run: the mix, then `after`, mapped as output."""
    args = ["-i", str(voice)]
    if music is not None:
        args += music_input_args(music)
    graph = FilterGraph()
    add_mix(graph, SoundtrackInputs("0:a", "1:a" if music else None, duration, level), "mix")
    graph.add(["mix"], after, ["out"])
    graph.validate({"out"})
    return [*args, "-filter_complex", graph.render(), "-map", "[out]"]


_INTEGRATED = re.compile(r"Integrated loudness:\s+I:\s+(-?\d+(?:\.\d+)?) LUFS")
# ebur128's meter floor: gated loudness of silence is reported as -70 LUFS.
SILENCE_LUFS = -70.0


def parse_integrated_loudness(stderr: str) -> float:
    """The integrated loudness from the summary `ebur128` prints when its stream ends."""
    summary = stderr[stderr.rfind("Summary:") :] if "Summary:" in stderr else ""
    match = _INTEGRATED.search(summary)
    if match is None:
        raise MediaError("loudness measurement printed no result", tail(stderr))
    integrated = float(match.group(1))
    if integrated <= SILENCE_LUFS:
        raise MediaError("the narration is silent")
    return integrated


def encode_voice_track(voice: Path, out: Path, codec_args: list[str]) -> None:
    """The narration alone, measured and normalised exactly as the video's soundtrack is
    (stereo at 48 kHz: EBU R128 weighs a mono file 3 dB lower than the same voice in stereo)."""
    loudness = measure_loudness(voice, None, 0.0)
    args = _mix_args(voice, None, 0.0, normalise_filters(loudness), MUSIC_LEVEL_DB)
    run_ffmpeg([*args, *codec_args, str(out)], what="narration track encoding")


@dataclass(frozen=True)
class Padding:
    """Seconds of a bookend on the soundtrack, and the clip whose own sound fills them (None
    for silence: a card, or a clip without sound)."""

    seconds: float
    sound: Path | None = None


def pad_voice(voice: Path, body_seconds: float, intro: Padding, outro: Padding, out: Path) -> None:
    """The voice track on the whole video's clock: the intro's sound (or silence), the
    narration padded to the body's length, the outro's sound, each cut to its exact
    length, as one mono WAV at 48 kHz. The mix, its metering and the ducking then treat a
    clip's own sound like the narration (the music bed dips under both)."""
    args: list[str] = []
    graph = FilterGraph()
    mono = [
        Filter.of("aresample", out_sample_rate=SAMPLE_RATE),
        Filter.of("aformat", sample_fmts="s16", channel_layouts="mono"),
    ]
    labels = []
    parts = ((intro.sound, intro.seconds), (voice, body_seconds), (outro.sound, outro.seconds))
    for index, (sound, seconds) in enumerate(parts):
        if seconds <= 0:  # no intro, or no outro
            continue
        label = f"part{index}"
        labels.append(label)
        if sound is None:
            silence = Filter.of(
                "anullsrc", channel_layout="mono", sample_rate=SAMPLE_RATE, duration=seconds
            )
            graph.add([], [silence, *mono], [label])
            continue
        stream = f"{len(args) // 2}:a"
        args += ["-i", str(sound)]
        cut = [Filter.of("apad"), Filter.of("atrim", duration=seconds)]
        graph.add([stream], [*mono, *cut], [label])
    graph.add(labels, [Filter.of("concat", n=len(labels), v=0, a=1)], ["out"])
    graph.validate({"out"})
    run_ffmpeg(
        [*args, "-filter_complex", graph.render(), "-map", "[out]", "-c:a", "pcm_s16le",
         str(out)],
        what="soundtrack padding",
    )  # fmt: skip
