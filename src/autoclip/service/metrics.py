"""Prometheus metrics under the operations manual's names (its queries and alerts read them).

Each app gets its own registry, so tests can build many apps in one process.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from autoclip.service.db import Database
from autoclip.service.jobs.queue import CONTENT_QUEUE, RENDER_QUEUE
from autoclip.service.models import Content, ContentStatus, JobPhase

SERVICE = "autoclip-api"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by route template and status.",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["service", "method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(QueueDepthCollector(db))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(SERVICE, method, route, str(status)).inc()
        self.latency.labels(SERVICE, method, route).observe(seconds)


class QueueDepthCollector(Collector):
    """`bull_waiting_count{queue}`: contents waiting for a worker, read from the database
    (the truth, whatever the broker), by the queue their next step goes to."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "bull_waiting_count", "Contents waiting for a worker.", labels=["queue"]
        )
        waiting = {CONTENT_QUEUE: 0, RENDER_QUEUE: 0}
        with self._db.session(write=False) as session:
            rows = session.execute(
                select(Content.phase, func.count())
                .where(
                    Content.deleted_at.is_(None),
                    Content.lease_owner.is_(None),
                    Content.status.in_([ContentStatus.QUEUED, ContentStatus.PROCESSING]),
                )
                .group_by(Content.phase)
            ).all()
        for phase, count in rows:
            waiting[CONTENT_QUEUE if phase is JobPhase.PREPARE else RENDER_QUEUE] += count
        for queue, count in waiting.items():
            gauge.add_metric([queue], count)
        yield gauge
