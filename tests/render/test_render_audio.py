"""Loudness: the meter parser on real and broken ffmpeg output, and a real
measure -> normalise -> re-measure round trip that lands on -14 LUFS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autoclip.errors import MediaError
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.render.audio import (
    TARGET_LUFS,
    Loudness,
    SoundtrackInputs,
    add_mix,
    measure_loudness,
    normalise_filters,
    parse_integrated_loudness,
)
from autoclip.render.graph import FilterGraph


def write_sine(path: Path, seconds: float, frequency: int = 440, volume: float = 0.1) -> Path:
    source = f"aevalsrc=exprs={volume}*sin(2*PI*{frequency}*t):duration={seconds}:sample_rate=24000"
    run_ffmpeg(["-f", "lavfi", "-i", source, "-c:a", "pcm_s16le", str(path)], timeout=60)
    return path


def meter_stderr(source: str) -> str:
    """What a real metering pass prints for a lavfi audio source."""
    return run_ffmpeg(
        ["-f", "lavfi", "-i", source, "-af", "ebur128=framelog=quiet", "-f", "null", "-"],
        timeout=60,
    )


def integrated_loudness(path: Path) -> float:
    stderr = run_ffmpeg(["-i", str(path), "-af", "ebur128", "-f", "null", "-"], timeout=60)
    summary = stderr[stderr.rindex("Summary:") :]
    match = re.search(r"I:\s+(-?\d+(?:\.\d+)?) LUFS", summary)
    assert match is not None, summary
    return float(match.group(1))


def test_parse_reads_a_real_meter_summary() -> None:
    stderr = meter_stderr("sine=frequency=440:duration=3")
    summary = stderr[stderr.rindex("Summary:") :]
    printed = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", summary)[0])
    measured = parse_integrated_loudness(stderr)
    assert measured == printed
    # a full-scale-ish sine (ffmpeg's default amplitude is 1/8) is well below -14 LUFS
    assert -30 < measured < -14


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no measurement here",
        "Summary:\n\n  Integrated loudness:\n    Threshold: -20.0 LUFS\n",  # no I: line
        "Summary:\n\n  Integrated loudness:\n    I:         loud LUFS\n",
        "  Integrated loudness:\n    I:         -20.0 LUFS\n",  # a frame line, no summary
    ],
)
def test_parse_refuses_malformed_output(text: str) -> None:
    with pytest.raises(MediaError, match="loudness measurement"):
        parse_integrated_loudness(f"[Parsed_ebur128_0 @ 0x1] {text}\n")


def test_parse_refuses_silence_from_a_real_run() -> None:
    stderr = meter_stderr("anullsrc=sample_rate=48000:channel_layout=mono,atrim=duration=2")
    assert "-70.0 LUFS" in stderr
    with pytest.raises(MediaError, match="silent"):
        parse_integrated_loudness(stderr)


def test_measured_loudness_normalises_to_target(tmp_path: Path) -> None:
    voice = write_sine(tmp_path / "voice.wav", 4.0, volume=0.05)
    measured = measure_loudness(voice, None, 4.0)
    assert measured.integrated < TARGET_LUFS - 5  # so normalising has real work to do
    graph = FilterGraph()
    add_mix(graph, SoundtrackInputs("0:a", None, 4.0), "mix")
    graph.add(["mix"], normalise_filters(measured), ["out"])
    graph.validate({"out"})
    out = tmp_path / "normalised.wav"
    run_ffmpeg(
        ["-i", str(voice), "-filter_complex", graph.render(), "-map", "[out]", str(out)],
        timeout=60,
    )
    assert integrated_loudness(out) == pytest.approx(TARGET_LUFS, abs=0.5)


def test_measurement_includes_the_music_bed(tmp_path: Path) -> None:
    voice = write_sine(tmp_path / "voice.wav", 3.0, volume=0.05)
    music = write_sine(tmp_path / "music.wav", 1.0, frequency=220, volume=0.5)
    alone = measure_loudness(voice, None, 3.0)
    mixed = measure_loudness(voice, music, 3.0)
    assert mixed.integrated > alone.integrated


def test_normalise_filters_apply_the_measured_gain() -> None:
    second = normalise_filters(Loudness(-23.5, correction_db=0.75))
    assert [f.name for f in second] == ["volume", "alimiter", "aresample"]
    # the gain reaches the target from the measured loudness, plus the limiter's correction
    assert second[0].render() == "volume=volume=10.25dB"
    # the limiter's ceiling is the true-peak target, -1.5 dBFS
    assert "limit=0.8414" in second[1].render().split(":")[0]


def test_add_mix_wires_the_music_under_the_voice() -> None:
    graph = FilterGraph()
    add_mix(graph, SoundtrackInputs("0:a", "1:a", 10.0), "mix")
    graph.validate({"mix"})
    rendered = graph.render()
    assert "afade=type=out:start_time=8:duration=2" in rendered
    assert "atrim=duration=10" in rendered
    assert "[musicbed][voicekey]sidechaincompress" in rendered
    assert "amix=inputs=2:duration=first:normalize=0[mix]" in rendered
