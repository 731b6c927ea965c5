"""Running ffmpeg: from argument lists, never a shell; killed on timeout; stderr tail kept.

The binary is the static one shipped by `imageio-ffmpeg` unless `AUTOCLIP_FFMPEG` names
another. Progress is read from `-progress pipe:1` so long renders can show a bar. A run can
be fed raw frames on its stdin (`feed`), and `RawFrames` reads raw frames from a decoding
run's stdout.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess  # nosec B404 # ffmpeg runs from argument lists, never a shell
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO

from autoclip.errors import CancelledError, DiskFullError, MediaError

STDERR_TAIL_LINES = 30
ProgressCallback = Callable[[float], None]  # seconds of output written so far
CancelCheck = Callable[[], bool]
# Writes ffmpeg's input to the stream it is given (then the stream is closed for it).
Feeder = Callable[[BinaryIO], None]


@cache
def ffmpeg_binary() -> str:
    configured = os.environ.get("AUTOCLIP_FFMPEG")
    if configured:
        return configured
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout: float = 1800.0,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    what: str = "ffmpeg",
    cwd: Path | None = None,
    feed: Feeder | None = None,
) -> str:
    """Run `ffmpeg args...` and return its stderr; raise MediaError with the tail on failure.

    `args` must not include the binary. `-progress pipe:1 -nostats` is added so progress
    can be reported; stdout carries nothing else. With `feed`, ffmpeg's stdin is a pipe
    (an input `pipe:0` reads it) that `feed` writes from a thread of its own; an error it
    raises kills ffmpeg and is raised here.
    """
    argv = [ffmpeg_binary(), "-hide_banner", "-y", "-progress", "pipe:1", "-nostats"]
    if feed is None:
        argv.insert(2, "-nostdin")
    argv.extend(args)
    process = subprocess.Popen(  # nosec B603 # an argument list built as data
        argv,
        stdin=subprocess.PIPE if feed is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    assert process.stdout is not None
    stdout = _text(process.stdout)
    stderr_lines: deque[str] = deque(maxlen=400)
    stderr_reader = threading.Thread(
        target=lambda: stderr_lines.extend(_text(process.stderr)), daemon=True
    )
    stderr_reader.start()
    feeding = _Feeding(process, feed) if feed is not None else None
    timed_out = threading.Event()

    def kill_on_timeout() -> None:
        timed_out.set()
        process.kill()

    killer = threading.Timer(timeout, kill_on_timeout)
    killer.start()
    try:
        cancelled = _follow_progress(stdout, on_progress, should_cancel)
        if cancelled:
            process.kill()
        process.wait()
    finally:
        killer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        stderr_reader.join(timeout=5)
        if feeding is not None:
            feeding.join()
    stderr = "".join(stderr_lines)
    if cancelled:
        raise CancelledError(f"{what} was cancelled")
    if feeding is not None and feeding.error is not None:
        raise feeding.error
    if process.returncode != 0:
        if "No space left on device" in stderr and not timed_out.is_set():
            raise DiskFullError(what)
        reason = f"exit {process.returncode}"
        if timed_out.is_set():
            reason = f"timed out after {timeout:g} s"
        raise MediaError(f"{what} failed ({reason})", tail(stderr))
    return stderr


def _text(stream: IO[bytes] | None) -> Iterable[str]:
    if stream is None:
        return ()
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")


class _Feeding:
    """`feed` writing ffmpeg's stdin from a thread. A closed pipe means ffmpeg stopped
    reading (it failed, or was killed): its exit status says why, so that is not an error
    of the feeder's. Any other error kills ffmpeg and is kept to be raised."""

    def __init__(self, process: subprocess.Popen[bytes], feed: Feeder) -> None:
        self.error: BaseException | None = None
        self._process = process
        self._feed = feed
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            self._feed(stdin)  # type: ignore[arg-type] # a buffered binary pipe
        except BrokenPipeError:
            pass
        except BaseException as error:  # handed to the caller's thread
            self.error = error
            self._process.kill()
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def join(self) -> None:
        self._thread.join()


class RawFrames:
    """Fixed-size raw frames read from an ffmpeg run's stdout (`-f rawvideo pipe:1`).

    Use as a context manager: leaving it stops ffmpeg if it is still running. `read_into`
    raises MediaError with ffmpeg's stderr tail when the run ends before the frame does.
    """

    def __init__(self, args: Sequence[str], frame_bytes: int, *, what: str, cwd: Path | None):
        self.frame_bytes = frame_bytes
        self.what = what
        # One thread each for decoding and filtering: a decoder feeds a consumer slower
        # than itself, and every extra thread brings frame buffers of its own.
        argv = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-nostats", "-v", "error",
                "-threads", "1", "-filter_threads", "1", *args]  # fmt: skip
        self._process = subprocess.Popen(  # nosec B603 # an argument list built as data
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self._stderr: deque[str] = deque(maxlen=50)
        self._stderr_reader = threading.Thread(
            target=lambda: self._stderr.extend(_text(self._process.stderr)), daemon=True
        )
        self._stderr_reader.start()

    def read_into(self, buffer: memoryview) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        filled = 0
        while filled < self.frame_bytes:
            got = stdout.readinto(buffer[filled:])  # type: ignore[attr-defined]
            if not got:
                self._process.wait()
                self._stderr_reader.join(timeout=5)
                stderr = "".join(self._stderr)
                raise MediaError(f"{self.what} ended early (exit {self._process.returncode})",
                                 tail(stderr))  # fmt: skip
            filled += got

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr_reader.join(timeout=5)

    def __enter__(self) -> RawFrames:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _follow_progress(
    lines: Iterable[str], on_progress: ProgressCallback | None, should_cancel: CancelCheck | None
) -> bool:
    """Report `-progress` lines until ffmpeg closes stdout; True if cancelled on the way."""
    for line in lines:
        if should_cancel is not None and should_cancel():
            return True
        if on_progress is not None and line.startswith("out_time_us="):
            value = line.partition("=")[2].strip()
            if value.isdigit():
                on_progress(int(value) / 1_000_000)
    return False


def tail(stderr: str, lines: int = STDERR_TAIL_LINES) -> str:
    return "\n".join(stderr.strip().splitlines()[-lines:])


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:\d+[^:]*: (Video|Audio): (.*)")


def media_info(path: Path) -> tuple[float | None, set[str]]:
    """(duration in seconds or None, stream kinds among {"video", "audio"}) of a media file.

    Uses `ffmpeg -i` alone, so no ffprobe is needed at run time. Raises MediaError when
    ffmpeg cannot open the file at all.
    """
    completed = subprocess.run(  # nosec B603 # an argument list built as data
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
        check=False,
    )
    stderr = completed.stderr
    kinds = {match.group(1).lower() for match in _STREAM.finditer(stderr)}
    if not kinds:
        raise MediaError(f"{path.name} is not a media file ffmpeg can read", tail(stderr, 3))
    duration_match = _DURATION.search(stderr)
    duration = None
    if duration_match:
        hours, minutes, seconds = duration_match.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    # a still image demuxes as a one-frame "video"; callers decide by extension
    return duration, kinds
