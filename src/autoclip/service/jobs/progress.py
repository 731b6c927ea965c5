"""The engine's progress, written where the API reads it: the content row and its stage runs."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from autoclip.pipeline.progress import Stage
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import Database, retry_unreachable
from autoclip.service.metrics import JobMetrics
from autoclip.service.models import StageRun, StageRunStatus

# Share of the 0–100 progress each stage fills, by what it costs on a typical short.
WEIGHTS = {
    Stage.SCRIPT: 8,
    Stage.SAFETY: 2,
    Stage.NARRATION: 20,
    Stage.VISUALS: 10,
    Stage.CAPTIONS: 5,
    Stage.RENDER: 45,
    Stage.THUMBNAIL: 5,
    Stage.PUBLISH: 5,
}
_ORDER = list(WEIGHTS)
PREPARE_STAGES = frozenset(_ORDER[:5])
RENDER_STAGES = frozenset(_ORDER[5:])
WRITE_EVERY = 0.5  # seconds between progress writes inside one stage
log = logging.getLogger("autoclip.worker")
T = TypeVar("T")


def progress_before(stage: Stage) -> int:
    return sum(WEIGHTS[s] for s in _ORDER[: _ORDER.index(stage)])


class DatabaseProgress:
    """A `ProgressListener` that records one stage run per stage and the content's progress."""

    def __init__(
        self,
        db: Database,
        content_id: uuid.UUID,
        worker: str,
        attempt: int,
        stages: frozenset[Stage] = frozenset(Stage),
        metrics: JobMetrics | None = None,
        retry_seconds: float = 0.0,
    ) -> None:
        self._db = db
        # How long a stage's records wait for a database that is restarting (db.py).
        self._retry_seconds = retry_seconds
        # The render phase passes through the prepare stages again (all reused from the
        # stage cache); only the phase's own stages get a stage run.
        self._stages = stages
        self._metrics = metrics
        self._content_id = content_id
        self._worker = worker
        self._attempt = attempt
        self._open: tuple[Stage, uuid.UUID] | None = None
        self._totals: dict[Stage, float] = {}
        self._last_write = 0.0
        self._last_value = -1

    def stage_started(self, stage: Stage, total: float) -> None:
        if stage not in self._stages:
            return
        self._totals[stage] = total or 1.0
        if self._open is not None and self._open[0] is stage:
            return  # opened already (the runner starts the script stage before fetching)

        def record() -> uuid.UUID:
            run = StageRun(
                content_id=self._content_id,
                stage=stage.value,
                status=StageRunStatus.RUNNING,
                attempt=self._attempt,
                worker=self._worker,
            )
            with self._db.session() as session:
                ContentRepository(session).add_stage_run(run)
                self._set_progress(session, stage, progress_before(stage))
            return run.id

        run_id = self._retrying(record, f"{stage.value} started")
        self._open = (stage, run_id)

    def stage_advanced(self, stage: Stage, done: float) -> None:
        if stage not in self._stages:
            return
        share = min(max(done / self._totals.get(stage, 1.0), 0.0), 1.0)
        value = progress_before(stage) + int(WEIGHTS[stage] * share)
        now = time.monotonic()
        if value == self._last_value or now - self._last_write < WRITE_EVERY:
            return
        try:
            with self._db.session() as session:
                self._set_progress(session, stage, value)
        except SQLAlchemyError as error:
            # A percentage is not worth a render: with the database restarting, the render
            # goes on and the next write (or the stage's end) brings the figure up to date.
            # The lease's heartbeat, not this, says whether the job may go on.
            self._last_write = now
            log.warning("content %s: progress not recorded (%s); going on",
                        self._content_id, type(error).__name__)  # fmt: skip

    def stage_finished(self, stage: Stage, seconds: float, reused: bool) -> None:
        if stage not in self._stages:
            return
        status = StageRunStatus.REUSED if reused else StageRunStatus.SUCCEEDED
        if self._metrics is not None:
            self._metrics.stage_seconds.labels(stage.value).observe(seconds)

        def record() -> None:
            with self._db.session() as session:
                self._close_run(session, status, seconds, None)
                self._set_progress(session, stage, progress_before(stage) + WEIGHTS[stage])

        self._retrying(record, f"{stage.value} finished")
        self._open = None

    def abort(self, status: StageRunStatus, error: str | None) -> None:
        """Close the stage that was running when the job stopped (failed or cancelled)."""
        if self._metrics is not None and self._open is not None and status is StageRunStatus.FAILED:
            self._metrics.stage_failures.labels(self._open[0].value).inc()

        def record() -> None:
            with self._db.session() as session:
                self._close_run(session, status, None, error)

        self._retrying(record, "stage closed")
        self._open = None

    def _retrying(self, record: Callable[[], T], what: str) -> T:
        return retry_unreachable(record, self._retry_seconds, f"content {self._content_id}: {what}")

    def _close_run(
        self, session: Session, status: StageRunStatus, seconds: float | None, error: str | None
    ) -> None:
        if self._open is None:
            return
        _, run_id = self._open
        ContentRepository(session).close_stage_run(run_id, status, seconds, error)

    def _set_progress(self, session: Session, stage: Stage, value: int) -> None:
        ContentRepository(session).set_progress(self._content_id, self._worker, stage.value, value)
        self._last_write, self._last_value = time.monotonic(), value
