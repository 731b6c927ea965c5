"""Everything a process of the service holds, built from settings in one place.

No client, broker or engine is made at import time: the API, the worker and each test
build their own runtime and pass it down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from redis import Redis

from autoclip.kit.private import make_private_dir
from autoclip.kit.storage import Storage, storage_from_url
from autoclip.service.auth.callers import CallerCache
from autoclip.service.auth.tokens import TokenSigner
from autoclip.service.db import Database
from autoclip.service.jobs.queue import JobQueue, make_broker
from autoclip.service.metrics import ApiMetrics, JobMetrics, build_registry
from autoclip.service.models import Plan
from autoclip.service.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from autoclip.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    storage: Storage
    signer: TokenSigner
    limiter: RateLimiter
    jobs: JobQueue
    redis: Redis | None
    registry: CollectorRegistry
    job_metrics: JobMetrics
    plans: dict[str, Plan] = field(default_factory=dict)  # static: seeded by migration
    callers: CallerCache = field(default_factory=lambda: CallerCache(0))
    _api_metrics: ApiMetrics | None = None

    def api_metrics(self) -> ApiMetrics:
        """The HTTP metrics, registered once however many apps serve this runtime."""
        if self._api_metrics is None:
            self._api_metrics = ApiMetrics(self.registry)
        return self._api_metrics

    def close(self) -> None:
        self.jobs.broker.close()
        if self.redis is not None:
            self.redis.close()
        self.db.dispose()


def build_runtime(settings: Settings) -> Runtime:
    # 0700 when made here (kit/private.py); temp/ up front too, since more than the engine
    # writes there (exports), each with its own mkdir.
    make_private_dir(settings.data_dir)
    make_private_dir(settings.work_dir)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    db = Database(settings.effective_database_url())
    jobs = JobQueue(make_broker(settings), settings)
    registry, job_metrics = build_registry(db, jobs)
    return Runtime(
        settings=settings,
        db=db,
        storage=storage_from_url(settings.effective_storage_url(), settings.s3_endpoint_url),
        signer=TokenSigner(settings.effective_secret_keys(), settings.auth.access_token_minutes),
        limiter=RedisRateLimiter(redis) if redis is not None else MemoryRateLimiter(),
        jobs=jobs,
        redis=redis,
        registry=registry,
        job_metrics=job_metrics,
        callers=CallerCache(settings.auth.caller_cache_seconds),
    )
