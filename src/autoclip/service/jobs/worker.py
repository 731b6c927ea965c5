"""A worker: Dramatiq consumers for both queues, the content runner, the tasks (exports,
purges of deleted contents), and the reconciler."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from autoclip.service.exports.service import build_export, reconcile_exports
from autoclip.service.jobs.factory import Factory, fetch_and_count
from autoclip.service.jobs.purge import purge_content
from autoclip.service.jobs.queue import (
    CONTENT_PUBLISH,
    CONTENT_PURGE,
    CONTENT_QUEUE,
    EXPORT_BUILD,
    RENDER_QUEUE,
    SOURCE_FETCH,
    WEBHOOK_DELIVER,
    QueueWorker,
    start_worker,
)
from autoclip.service.jobs.reconciler import Reconciler, reconcile
from autoclip.service.jobs.runner import ContentRunner
from autoclip.service.publishing.service import PublicationJob
from autoclip.service.runtime import Runtime
from autoclip.service.webhooks.service import deliver

log = logging.getLogger("autoclip.worker")


class WorkerProcess:
    def __init__(
        self,
        runtime: Runtime,
        worker_id: str,
        *,
        queues: set[str] | None = None,
        first_stale_after: timedelta | None = None,
    ) -> None:
        self.runtime = runtime
        self.worker_id = worker_id
        self.queues = queues or {CONTENT_QUEUE, RENDER_QUEUE}
        self._first_stale_after = first_stale_after
        self._worker: QueueWorker | None = None
        self._reconciler: Reconciler | None = None
        self._factory: Factory | None = None

    def start(self) -> None:
        if self.runtime.settings.maintenance_mode:
            # Maintenance: take nothing new (a worker being replaced finished its jobs on
            # SIGTERM). Queued work stays in the database and the broker until it ends.
            log.warning("maintenance mode: worker %s takes no jobs", self.worker_id)
            return
        settings = self.runtime.settings.worker
        runtime = self.runtime
        runtime.jobs.bind(ContentRunner(runtime, self.worker_id))
        runtime.jobs.bind_task(EXPORT_BUILD, lambda export_id: build_export(runtime, export_id))
        runtime.jobs.bind_task(CONTENT_PURGE, lambda content_id: self._purge(content_id))
        runtime.jobs.bind_task(SOURCE_FETCH, lambda source_id: fetch_and_count(runtime, source_id))
        publish = PublicationJob(runtime, self.worker_id)
        runtime.jobs.bind_task(CONTENT_PUBLISH, lambda publication_id: publish.run(publication_id))
        runtime.jobs.bind_task(WEBHOOK_DELIVER, lambda delivery_id: self._deliver(delivery_id))
        if self._first_stale_after is not None:
            reconcile(runtime, self._first_stale_after)
            reconcile_exports(runtime, self._first_stale_after)
        threads = (settings.threads if CONTENT_QUEUE in self.queues else 0) + (
            settings.render_threads if RENDER_QUEUE in self.queues else 0
        )
        self._worker = start_worker(self.runtime.jobs, threads, self.queues)
        # A message is re-sent only if it has been queued ten leases long (10 minutes by
        # default): lost with a killed worker's prefetch, or between commit and send.
        # Expired leases are re-sent at once, and so is everything waiting once a broker
        # that lost its data (or could not be reached) answers again (reconciler.py).
        stale_after = timedelta(
            seconds=settings.requeue_after_seconds or settings.lease_seconds * 10
        )
        self._reconciler = Reconciler(self.runtime, settings.reconcile_seconds, stale_after)
        self._reconciler.start()
        # Due sources and schedules: every worker looks, one takes each due time.
        self._factory = Factory(self.runtime, self.runtime.settings.factory.poll_seconds)
        self._factory.start()
        log.info("worker %s started on %s", self.worker_id, sorted(self.queues))

    def _purge(self, content_id: str) -> None:
        # Not purged for good yet (its generation still running): that worker purges again.
        purge_content(self.runtime, uuid.UUID(content_id))

    def _deliver(self, delivery_id: str) -> None:
        runtime = self.runtime
        deliver(
            runtime.db.session,
            runtime.jobs,
            runtime.settings,
            runtime.sealer,
            uuid.UUID(delivery_id),
            count=lambda outcome: runtime.job_metrics.webhook_deliveries.labels(outcome).inc(),
        )

    def stop(self) -> None:
        if self._factory is not None:
            self._factory.stop()
        if self._reconciler is not None:
            self._reconciler.stop()
        if self._worker is not None:
            # Finish the jobs in hand (a render may take up to its time limit); the pod's
            # grace period is sized for this. Unstarted prefetched messages go back.
            limit = self.runtime.settings.worker.render_time_limit_seconds
            self._worker.stop(timeout=int((limit + 30) * 1000))
