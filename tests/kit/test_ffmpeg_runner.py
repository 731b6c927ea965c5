"""run_ffmpeg and media_info against the real bundled ffmpeg: success, failure with the
tool's own words, timeout, progress, cancellation."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import BinaryIO

import psutil
import pytest

from autoclip.errors import CancelledError, MediaError
from autoclip.kit.ffmpeg import RawFrames, ffmpeg_binary, media_info, run_ffmpeg, tail

ENDLESS = ["-f", "lavfi", "-i", "testsrc=size=64x64:rate=25", "-f", "null", "-"]


def ffmpeg_children() -> list[psutil.Process]:
    found = []
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ffmpeg" in child.name():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def test_the_bundled_binary_exists() -> None:
    assert Path(ffmpeg_binary()).is_file()


def test_success_returns_stderr() -> None:
    stderr = run_ffmpeg(["-f", "lavfi", "-i", "sine=duration=0.2", "-f", "null", "-"], timeout=60)
    assert "Input #0, lavfi" in stderr
    assert "Output #0, null" in stderr


def test_failure_raises_with_ffmpegs_own_message(tmp_path: Path) -> None:
    missing = tmp_path / "missing.wav"
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(["-i", str(missing), "-f", "null", "-"], timeout=60, what="probe test")
    error = caught.value
    assert error.message.startswith("probe test failed (exit ")
    assert "No such file or directory" in error.stderr_tail
    assert str(missing) in error.stderr_tail
    assert "No such file or directory" in str(error)


def test_a_bad_filter_is_reported_by_name() -> None:
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(["-f", "lavfi", "-i", "nosuchsource", "-f", "null", "-"], timeout=60)
    assert "nosuchsource" in caught.value.stderr_tail


def test_a_timeout_kills_ffmpeg() -> None:
    with pytest.raises(MediaError, match="timed out after 1 s") as caught:
        run_ffmpeg(ENDLESS, timeout=1, what="endless")
    assert caught.value.message == "endless failed (timed out after 1 s)"
    assert ffmpeg_children() == []


def test_progress_reports_increasing_output_time() -> None:
    seen: list[float] = []
    run_ffmpeg(
        ["-stats_period", "0.05", "-re", "-f", "lavfi", "-i", "sine=duration=1",
         "-f", "null", "-"],
        timeout=60,
        on_progress=seen.append,
    )  # fmt: skip
    assert len(seen) >= 3
    assert all(later >= earlier for earlier, later in itertools.pairwise(seen))
    assert seen[-1] > seen[0]
    assert seen[-1] == pytest.approx(1.0, abs=0.1)


def test_should_cancel_stops_ffmpeg() -> None:
    checks: list[float] = []

    def cancel_after_progress() -> bool:
        checks.append(0)
        return len(checks) > 3

    with pytest.raises(CancelledError, match="endless was cancelled"):
        run_ffmpeg(
            ["-stats_period", "0.05", *ENDLESS],
            timeout=60,
            should_cancel=cancel_after_progress,
            what="endless",
        )
    assert len(checks) == 4
    assert ffmpeg_children() == []


def test_a_run_uses_its_working_directory(tmp_path: Path) -> None:
    run_ffmpeg(["-f", "lavfi", "-i", "sine=duration=0.1", "here.wav"], timeout=60, cwd=tmp_path)
    assert (tmp_path / "here.wav").is_file()


def test_media_info_refuses_a_text_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a media file\n" * 10, encoding="utf-8")
    with pytest.raises(MediaError, match=r"notes\.txt is not a media file"):
        media_info(text)


def test_media_info_of_a_wav(tmp_path: Path) -> None:
    wav = tmp_path / "tone.wav"
    run_ffmpeg(["-f", "lavfi", "-i", "sine=duration=1.5", str(wav)], timeout=60)
    duration, kinds = media_info(wav)
    assert kinds == {"audio"}
    assert duration == pytest.approx(1.5, abs=0.02)


def test_media_info_of_a_video_with_sound(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=1",
         "-f", "lavfi", "-i", "sine=duration=1", "-shortest", "-c:v", "libx264",
         "-preset", "ultrafast", str(clip)],
        timeout=60,
    )  # fmt: skip
    duration, kinds = media_info(clip)
    assert kinds == {"audio", "video"}
    assert duration == pytest.approx(1.0, abs=0.1)


def test_tail_keeps_the_last_lines() -> None:
    text = "\n".join(f"line {n}" for n in range(100)) + "\n\n"
    assert tail(text, 3) == "line 97\nline 98\nline 99"


# --- feeding raw frames in, reading raw frames out ------------------------------------

RAW_GRAY_8x8 = [
    "-f",
    "rawvideo",
    "-pix_fmt",
    "gray",
    "-s",
    "8x8",
    "-framerate",
    "25",
    "-i",
    "pipe:0",
]


def test_a_feeder_writes_what_ffmpeg_encodes(tmp_path: Path) -> None:
    def feed(stdin: BinaryIO) -> None:
        for level in range(10):
            stdin.write(bytes([level * 20]) * 64)

    run_ffmpeg([*RAW_GRAY_8x8, "-f", "rawvideo", "out.raw"], feed=feed, cwd=tmp_path)
    data = (tmp_path / "out.raw").read_bytes()
    assert data == b"".join(bytes([level * 20]) * 64 for level in range(10))


def test_a_feeder_error_kills_ffmpeg_and_is_raised(tmp_path: Path) -> None:
    def feed(stdin: BinaryIO) -> None:
        stdin.write(bytes(64))
        raise MediaError("clip decoding ended early", "the decoder's words")

    with pytest.raises(MediaError, match="clip decoding ended early"):
        run_ffmpeg([*RAW_GRAY_8x8, "-f", "null", "-"], feed=feed, timeout=60)
    assert not ffmpeg_children()


def test_ffmpeg_failing_while_fed_is_reported_in_its_words() -> None:
    fed: list[int] = []

    def feed(stdin: BinaryIO) -> None:
        for _ in itertools.count():  # until the pipe closes under it
            stdin.write(bytes(64))
            fed.append(1)

    with pytest.raises(MediaError) as caught:
        run_ffmpeg(
            [*RAW_GRAY_8x8, "-vf", "no_such_filter", "-f", "null", "-"], feed=feed, timeout=60
        )
    assert "no_such_filter" in caught.value.stderr_tail
    assert not ffmpeg_children()


def test_raw_frames_reads_whole_frames(tmp_path: Path) -> None:
    args = ["-f", "lavfi", "-i", "color=c=white:s=4x2:d=1:r=5", "-frames:v", "3",
            "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]  # fmt: skip
    buffer = bytearray(8)
    with RawFrames(args, 8, what="test decoding", cwd=tmp_path) as frames:
        for _ in range(3):
            frames.read_into(memoryview(buffer))
            assert buffer == bytes([255]) * 8
        with pytest.raises(MediaError, match="test decoding ended early"):
            frames.read_into(memoryview(buffer))
    assert not ffmpeg_children()


def test_raw_frames_of_a_missing_file_says_so(tmp_path: Path) -> None:
    args = ["-i", "missing.png", "-f", "rawvideo", "pipe:1"]
    frames = RawFrames(args, 16, what="still decoding", cwd=tmp_path)
    with frames, pytest.raises(MediaError, match="still decoding ended early") as caught:
        frames.read_into(memoryview(bytearray(16)))
    assert "missing.png" in caught.value.stderr_tail
