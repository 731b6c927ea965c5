"""Prometheus metrics under the operations manual's names (its queries and alerts read them).

One registry per runtime (never the global one), so tests can build many in one process
and an embedded server shows its in-process worker's metrics on its own `/metrics`.
Worker processes serve the same registry on `--metrics-port`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool

from autoclip.providers.cloud.breaker import BreakerState, shared_breakers
from autoclip.service.db import Database
from autoclip.service.jobs.queue import CONTENT_QUEUE, RENDER_QUEUE, JobQueue

SERVICE = "autoclip-api"
log = logging.getLogger("autoclip.metrics")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
GENERATION_BUCKETS = (5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800, 3600)
STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class ApiMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by route template and status.",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["service", "method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(SERVICE, method, route, str(status)).inc()
        self.latency.labels(SERVICE, method, route).observe(seconds)


class JobMetrics:
    """What the workers do: finished generations, their duration, and each stage's."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.generations = Counter(
            "content_generation",  # exposed as content_generation_total
            "Generations finished, by outcome (ready, failed, cancelled).",
            ["status"],
            registry=registry,
        )
        self.generation_seconds = Histogram(
            "content_generation_duration_seconds",
            "From the request to a ready video (queue wait included).",
            buckets=GENERATION_BUCKETS,
            registry=registry,
        )
        self.stage_seconds = Histogram(
            "autoclip_stage_duration_seconds",
            "Time each pipeline stage took (reused stages included, at their cost).",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=registry,
        )
        self.stage_failures = Counter(
            "autoclip_stage_failures",  # exposed as autoclip_stage_failures_total
            "Stage runs that failed.",
            ["stage"],
            registry=registry,
        )
        self.provider_calls = Counter(
            "autoclip_provider_calls",  # exposed as autoclip_provider_calls_total
            "Successful calls to cloud providers, by service.",
            ["service"],
            registry=registry,
        )
        self.provider_cost = Counter(
            "autoclip_provider_cost_usd",  # exposed as autoclip_provider_cost_usd_total
            "Estimated spend on cloud providers, in US dollars, by service.",
            ["service"],
            registry=registry,
        )
        self.publishes = Counter(
            "autoclip_publishes",  # exposed as autoclip_publishes_total
            "Publish attempts to YouTube by outcome (published, failed, retried, waiting: "
            "held for the next quota day).",
            ["outcome"],
            registry=registry,
        )
        self.webhook_deliveries = Counter(
            "autoclip_webhook_deliveries",  # exposed as autoclip_webhook_deliveries_total
            "Webhook delivery attempts by outcome (delivered, retried, failed: out of "
            "attempts or its endpoint disabled).",
            ["outcome"],
            registry=registry,
        )


class YouTubeQuotaCollector(Collector):
    """`autoclip_youtube_quota_used{bucket}`: YouTube quota spent in the current Google day
    (it resets at midnight Pacific), read from the database at scrape time, so every
    process shows the same figure."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from autoclip.service.publishing.repository import QuotaRepository, quota_day

        gauge = GaugeMetricFamily(
            "autoclip_youtube_quota_used",
            "YouTube quota spent today: uploads (videos.insert calls) and units (other calls).",
            labels=["bucket"],
        )
        try:
            with self._db.session(write=False) as session:
                used = QuotaRepository(session).used(quota_day())
        except Exception:
            log.warning("quota use unavailable: the database does not answer", exc_info=True)
            return
        for bucket in ("uploads", "units"):
            gauge.add_metric([bucket], used.get(bucket, 0))
        yield gauge


class ProviderCircuitCollector(Collector):
    """`autoclip_provider_circuit_open{breaker}`: 1 while a provider's breaker is open or
    trying one call (half-open), 0 when closed. Read at scrape time from the process's
    shared breakers, so a provider being skipped shows before its backlog does."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "autoclip_provider_circuit_open",
            "Whether calls to the provider are being skipped after repeated failures.",
            labels=["breaker"],
        )
        for key, breaker in shared_breakers().items():
            gauge.add_metric([key], 0.0 if breaker.state is BreakerState.CLOSED else 1.0)
        yield gauge


class QueueDepthCollector(Collector):
    """`bull_waiting_count{queue}`: messages waiting in the broker, not yet taken by a worker.
    (The manual's dashboards and QueueBacklog alert read this name.)"""

    def __init__(self, queue: JobQueue) -> None:
        self._queue = queue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "bull_waiting_count", "Messages waiting for a worker.", labels=["queue"]
        )
        try:
            depths = [(name, self._queue.waiting(name)) for name in (CONTENT_QUEUE, RENDER_QUEUE)]
        except Exception:
            # The broker is down: leave the gauge out rather than fail the whole scrape
            # (the error rate and every other metric still matter most then).
            log.warning("queue depth unavailable: the broker does not answer", exc_info=True)
            return
        for name, depth in depths:
            gauge.add_metric([name], depth)
        yield gauge


class DatabasePoolCollector(Collector):
    def __init__(self, db: Database) -> None:
        self._db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self._db.engine.pool
        if not isinstance(pool, QueuePool):
            return
        size = GaugeMetricFamily("autoclip_db_pool_size", "Connections the pool keeps open.")
        size.add_metric([], pool.size())
        used = GaugeMetricFamily(
            "autoclip_db_pool_connections", "Pool connections by state.", labels=["state"]
        )
        used.add_metric(["in_use"], pool.checkedout())
        used.add_metric(["idle"], pool.checkedin())
        used.add_metric(["overflow"], max(pool.overflow(), 0))
        yield size
        yield used


def build_registry(db: Database, queue: JobQueue) -> tuple[CollectorRegistry, JobMetrics]:
    registry = CollectorRegistry()
    registry.register(QueueDepthCollector(queue))
    registry.register(DatabasePoolCollector(db))
    registry.register(ProviderCircuitCollector())
    registry.register(YouTubeQuotaCollector(db))
    return registry, JobMetrics(registry)


LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 6 * 3600, 24 * 3600)


class FactoryMetrics:
    """What the factory does: source fetches by outcome, schedule runs' lag and what they
    made."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.fetches = Counter(
            "autoclip_source_fetches",  # exposed as autoclip_source_fetches_total
            "Source fetches, by kind and outcome (new_items, unchanged, not_modified, failed).",
            ["kind", "outcome"],
            registry=registry,
        )
        self.lag = Histogram(
            "autoclip_schedule_lag_seconds",
            "From a schedule's due time to its run (its contents enqueued).",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.runs = Counter(
            "autoclip_schedule_runs",
            "Schedule runs, by outcome (made, partial, nothing_new, no_credits, failed).",
            ["outcome"],
            registry=registry,
        )
        self.made = Counter(
            "autoclip_schedule_contents",  # exposed as autoclip_schedule_contents_total
            "Contents generated by schedule runs, by schedule id.",
            ["schedule"],
            registry=registry,
        )


class OverdueSchedulesCollector(Collector):
    """Enabled schedules whose due time passed more than `after` ago without a run: no
    process is ticking them (no worker running, or its factory stuck). Read at scrape."""

    def __init__(self, db: Database, now: Callable[[], datetime], after: timedelta) -> None:
        self._db = db
        self._now = now  # the runtime's clock, read at each scrape (it may be swapped)
        self._after = after

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from autoclip.service.schedules.repository import ScheduleRepository  # no cycle

        family = GaugeMetricFamily(
            "autoclip_schedules_overdue",
            "Enabled schedules past their due time without a run.",
        )
        try:
            with self._db.session(write=False) as session:
                count = ScheduleRepository(session).count_overdue(self._now() - self._after)
        except Exception:
            log.warning("overdue schedules: the database could not be read", exc_info=True)
            return
        family.add_metric([], count)
        yield family
