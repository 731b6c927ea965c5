"""Running ffmpeg: from argument lists, never a shell; killed on timeout; stderr tail kept.

The binary is the static one shipped by `imageio-ffmpeg` unless `AUTOCLIP_FFMPEG` names
another. Progress is read from `-progress pipe:1` so long renders can show a bar.
"""

from __future__ import annotations

import os
import re
import subprocess  # nosec B404 # ffmpeg runs from argument lists, never a shell
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path

from autoclip.errors import CancelledError, DiskFullError, MediaError

STDERR_TAIL_LINES = 30
ProgressCallback = Callable[[float], None]  # seconds of output written so far
CancelCheck = Callable[[], bool]


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
) -> str:
    """Run `ffmpeg args...` and return its stderr; raise MediaError with the tail on failure.

    `args` must not include the binary. `-progress pipe:1 -nostats` is added so progress
    can be reported; stdout carries nothing else.
    """
    argv = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats"]
    argv.extend(args)
    process = subprocess.Popen(  # nosec B603 # an argument list built as data
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
    )
    stderr_lines: deque[str] = deque(maxlen=400)
    assert process.stdout is not None
    stderr_reader = threading.Thread(
        target=lambda: stderr_lines.extend(process.stderr or ()), daemon=True
    )
    stderr_reader.start()
    timed_out = threading.Event()

    def kill_on_timeout() -> None:
        timed_out.set()
        process.kill()

    killer = threading.Timer(timeout, kill_on_timeout)
    killer.start()
    try:
        cancelled = _follow_progress(process.stdout, on_progress, should_cancel)
        if cancelled:
            process.kill()
        process.wait()
    finally:
        killer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        stderr_reader.join(timeout=5)
    stderr = "".join(stderr_lines)
    if cancelled:
        raise CancelledError(f"{what} was cancelled")
    if process.returncode != 0:
        if "No space left on device" in stderr and not timed_out.is_set():
            raise DiskFullError(what)
        reason = f"exit {process.returncode}"
        if timed_out.is_set():
            reason = f"timed out after {timeout:g} s"
        raise MediaError(f"{what} failed ({reason})", tail(stderr))
    return stderr


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
