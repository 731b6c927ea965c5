"""How the engine tells its caller what it is doing (a progress bar, a job row, logs)."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Stage(StrEnum):
    SCRIPT = "script"
    SAFETY = "safety"
    NARRATION = "narration"
    VISUALS = "visuals"
    CAPTIONS = "captions"
    RENDER = "render"
    THUMBNAIL = "thumbnail"
    PUBLISH = "publish"


class ProgressListener(Protocol):
    def stage_started(self, stage: Stage, total: float) -> None:
        """`total` is in the stage's own units (scenes, seconds of video); 1 if indivisible."""
        ...

    def stage_advanced(self, stage: Stage, done: float) -> None: ...

    def stage_finished(self, stage: Stage, seconds: float, reused: bool) -> None: ...


class SilentProgress:
    def stage_started(self, stage: Stage, total: float) -> None:
        pass

    def stage_advanced(self, stage: Stage, done: float) -> None:
        pass

    def stage_finished(self, stage: Stage, seconds: float, reused: bool) -> None:
        pass
