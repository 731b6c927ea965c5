"""The job queue: Dramatiq actors that carry a content id and nothing else.

Two queues. `content-generation` runs the stages before the render (script, narration,
visuals, captions), and the short tasks (building an export, removing a deleted content's
files); `render` runs the render, thumbnail and publish, one message at a
time per worker process (prefetch 1), under a time limit. Embedded mode uses Dramatiq's
in-memory broker with a worker inside the API process; distributed mode uses Redis.
Messages are only transport: the database says what is to be done, and the reconciler
re-sends anything a lost message or a dead worker left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from autoclip.service.connections import redis_pool
from autoclip.service.db import utcnow
from autoclip.service.jobs.names import CONTENT_QUEUE as CONTENT_QUEUE
from autoclip.service.jobs.names import RENDER_QUEUE as RENDER_QUEUE
from autoclip.service.models import JobPhase
from autoclip.settings import Settings

QUEUE_OF_PHASE = {JobPhase.PREPARE: CONTENT_QUEUE, JobPhase.RENDER: RENDER_QUEUE}
Handler = Callable[[str, JobPhase], None]
TaskHandler = Callable[[str], None]
# Jobs besides a content's phases, each carrying one id. They run on the content-generation
# queue: every deployment has workers on it, and neither is long enough to need its own.
EXPORT_BUILD = "export_build"  # an export id: zip its contents
CONTENT_PURGE = "content_purge"  # a deleted content's id: remove its stored objects
SOURCE_FETCH = "source_fetch"  # a source id: fetch it, make contents of its new items
CONTENT_PUBLISH = "content_publish"  # a publication's id: upload its video to YouTube
WEBHOOK_DELIVER = "webhook_deliver"  # a webhook delivery's id: its next attempt
TASKS = (EXPORT_BUILD, CONTENT_PURGE, SOURCE_FETCH, CONTENT_PUBLISH, WEBHOOK_DELIVER)
# A key that lives as long as the broker's data does: gone means the queues are gone too.
BROKER_MARK = "autoclip:broker-mark"
log = logging.getLogger(__name__)


def make_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        # A worker that stops heartbeating (kill -9, lost machine) has its unacked messages
        # requeued by its peers after this long; our lease reconciler is usually faster.
        # Its own pool, bounded like every Redis client (service/connections.py): Dramatiq
        # polls (no blocking commands), so a few seconds per reply never cut a good one.
        return RedisBroker(  # type: ignore[no-untyped-call]
            connection_pool=redis_pool(settings), heartbeat_timeout=60_000
        )
    return StubBroker()


class JobQueue:
    def __init__(self, broker: dramatiq.Broker, settings: Settings) -> None:
        self.broker = broker
        self._handler: Handler | None = None
        limit_ms = int(settings.worker.render_time_limit_seconds * 1000)
        self._actors = {
            phase: dramatiq.actor(
                actor_name=f"content_{phase.value}",
                queue_name=QUEUE_OF_PHASE[phase],
                broker=broker,
                max_retries=0,  # retries are ours: decided per error, recorded in the database
                time_limit=limit_ms,
            )(self._make_entry(phase))
            for phase in JobPhase
        }
        self._task_handlers: dict[str, TaskHandler] = {}
        self._tasks = {
            name: dramatiq.actor(
                actor_name=name,
                queue_name=CONTENT_QUEUE,
                broker=broker,
                max_retries=0,  # the reconciler re-sends what the database says is undone
                time_limit=limit_ms,
            )(self._make_task_entry(name))
            for name in TASKS
        }

    def bind(self, handler: Handler) -> None:
        """Who runs a job when a worker receives it (the content runner)."""
        self._handler = handler

    def bind_task(self, name: str, handler: TaskHandler) -> None:
        """Who runs the task `name` (one of TASKS) when a worker receives it."""
        if name not in self._tasks:
            raise ValueError(f"unknown task {name!r}")
        self._task_handlers[name] = handler

    def send(self, content_id: str, phase: JobPhase, delay_seconds: float = 0) -> None:
        delay = int(delay_seconds * 1000) or None
        self._actors[phase].send_with_options(args=(content_id,), delay=delay)

    def send_task(self, name: str, object_id: str, delay_seconds: float = 0) -> None:
        delay = int(delay_seconds * 1000) or None
        self._tasks[name].send_with_options(args=(object_id,), delay=delay)

    def waiting(self, queue_name: str) -> int:
        """Messages in the broker's queue that no worker has taken yet."""
        if isinstance(self.broker, RedisBroker):
            return int(self.broker.client.llen(f"{self.broker.namespace}:{queue_name}"))
        if isinstance(self.broker, StubBroker):
            queue = self.broker.queues.get(queue_name)
            return queue.qsize() if queue is not None else 0
        return 0

    def ping(self) -> None:
        if isinstance(self.broker, RedisBroker):
            self.broker.client.ping()

    def kept_messages(self) -> bool:
        """False if the broker may have lost messages since this was last asked: it has
        no mark of ours, as a Redis restarted empty, flushed, or failed over to a replica
        without our writes has none. Leaves the mark; the first caller after a loss gets
        False, the others True. Raises if the broker cannot be reached.

        Always True for the in-memory broker: its messages go only with its process,
        which re-sends everything when it starts (WorkerProcess `first_stale_after`).
        A mark lost otherwise (an eviction policy on a full Redis) costs one needless
        re-send of what waits: a duplicate message finds its content taken, and is skipped."""
        if isinstance(self.broker, RedisBroker):
            placed = self.broker.client.set(BROKER_MARK, utcnow().isoformat(), nx=True)
            return not placed
        return True

    def _make_entry(self, phase: JobPhase) -> Callable[[str], None]:
        def run(content_id: str) -> None:
            if self._handler is None:
                raise RuntimeError("no handler bound to the job queue")
            self._handler(content_id, phase)

        run.__name__ = f"content_{phase.value}"
        return run

    def _make_task_entry(self, name: str) -> Callable[[str], None]:
        def run(object_id: str) -> None:
            handler = self._task_handlers.get(name)
            if handler is None:
                raise RuntimeError(f"no handler bound to the task {name}")
            handler(object_id)

        run.__name__ = name
        return run


class QueueWorker(dramatiq.Worker):
    """A Dramatiq worker whose render queue prefetches one message at a time."""

    def _add_consumer(self, queue_name: str, *, delay: bool = False) -> None:
        if queue_name != RENDER_QUEUE:
            super()._add_consumer(queue_name, delay=delay)
            return
        prefetch = self.queue_prefetch
        self.queue_prefetch = 1
        try:
            super()._add_consumer(queue_name, delay=delay)
        finally:
            self.queue_prefetch = prefetch


def start_worker(queue: JobQueue, threads: int, queues: set[str] | None = None) -> QueueWorker:
    worker = QueueWorker(queue.broker, worker_threads=threads, queues=queues, worker_timeout=200)
    worker.start()
    return worker
