"""Two-pass loudness: the measurement parser on real and broken ffmpeg output, and a real
measure -> normalise -> re-measure round trip that lands on -14 LUFS."""

from __future__ import annotations

import json
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
    loudnorm_filter,
    measure_loudness,
    parse_loudnorm_json,
)
from autoclip.render.graph import FilterGraph


def write_sine(path: Path, seconds: float, frequency: int = 440, volume: float = 0.1) -> Path:
    source = f"aevalsrc=exprs={volume}*sin(2*PI*{frequency}*t):duration={seconds}:sample_rate=24000"
    run_ffmpeg(["-f", "lavfi", "-i", source, "-c:a", "pcm_s16le", str(path)], timeout=60)
    return path


def loudnorm_stderr(source: str) -> str:
    """What a real first pass prints for a lavfi audio source."""
    return run_ffmpeg(
        ["-f", "lavfi", "-i", source, "-af", "loudnorm=I=-14:TP=-1.5:LRA=11:print_format=json",
         "-f", "null", "-"],
        timeout=60,
    )  # fmt: skip


def integrated_loudness(path: Path) -> float:
    stderr = run_ffmpeg(["-i", str(path), "-af", "ebur128", "-f", "null", "-"], timeout=60)
    summary = stderr[stderr.rindex("Summary:") :]
    match = re.search(r"I:\s+(-?\d+(?:\.\d+)?) LUFS", summary)
    assert match is not None, summary
    return float(match.group(1))


def test_parse_reads_a_real_loudnorm_report() -> None:
    stderr = loudnorm_stderr("sine=frequency=440:duration=3")
    block = stderr[stderr.rindex("{") : stderr.rindex("}") + 1]
    raw = json.loads(block)
    measured = parse_loudnorm_json(stderr)
    assert measured == Loudness(
        input_i=float(raw["input_i"]),
        input_tp=float(raw["input_tp"]),
        input_lra=float(raw["input_lra"]),
        input_thresh=float(raw["input_thresh"]),
        target_offset=float(raw["target_offset"]),
    )
    # a full-scale-ish sine (ffmpeg's default amplitude is 1/8) is well below -14 LUFS
    assert -30 < measured.input_i < -14
    assert measured.input_thresh < measured.input_i


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no measurement here",
        '{"input_i" : "-20.0"}',  # fields missing
        '{"input_i" : "loud", "input_tp" : "0", "input_lra" : "0", '
        '"input_thresh" : "0", "target_offset" : "0"}',
        '{"input_i" : -1, }',  # not JSON
        '{"input_i" : null, "input_tp" : 1, "input_lra" : 1, "input_thresh" : 1, '
        '"target_offset" : 1}',
    ],
)
def test_parse_refuses_malformed_output(text: str) -> None:
    with pytest.raises(MediaError, match="loudness measurement"):
        parse_loudnorm_json(f"[Parsed_loudnorm_0 @ 0x1]\n{text}\n")


def test_parse_refuses_silence_from_a_real_run() -> None:
    stderr = loudnorm_stderr("anullsrc=sample_rate=48000:channel_layout=mono,atrim=duration=2")
    assert '"-inf"' in stderr
    with pytest.raises(MediaError, match="silent"):
        parse_loudnorm_json(stderr)


def test_measured_loudness_normalises_to_target(tmp_path: Path) -> None:
    voice = write_sine(tmp_path / "voice.wav", 4.0, volume=0.05)
    measured = measure_loudness(voice, None, 4.0)
    assert measured.input_i < TARGET_LUFS - 5  # so normalising has real work to do
    graph = FilterGraph()
    add_mix(graph, SoundtrackInputs("0:a", None, 4.0), "mix")
    graph.add(["mix"], loudnorm_filter(measured), ["out"])
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
    assert mixed.input_i > alone.input_i


def test_loudnorm_filter_first_and_second_pass() -> None:
    (first,) = loudnorm_filter(None)
    assert first.render() == "loudnorm=I=-14:TP=-1.5:LRA=11:print_format=json"
    second = loudnorm_filter(Loudness(-23.5, -9.25, 3.0, -34.0, 0.25, correction_db=0.75))
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
