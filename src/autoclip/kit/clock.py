"""Where the factory (sources and schedules) reads the time.

Injected, never patched: a process gets its clock from its runtime. The system clock is
the default; a file clock reads the time from a file, so a drill or a test can move the
time of every process at once (a simulated day) while the rest of the service runs on
real time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FileClock:
    """The time written in `path` (ISO 8601 with an offset), read on every call."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        text = self.path.read_text(encoding="utf-8").strip()
        when = datetime.fromisoformat(text)
        if when.tzinfo is None:
            raise ValueError(f"{self.path}: the time needs an offset (+00:00), got {text!r}")
        return when.astimezone(UTC)

    def set(self, when: datetime) -> None:
        """Move the time (atomically: a reader sees the old time or the new one)."""
        if when.tzinfo is None:
            raise ValueError("the time needs a time zone")
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(when.isoformat(), encoding="utf-8")
        temporary.replace(self.path)
