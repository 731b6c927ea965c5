"""Everything a process of the service holds, built from settings in one place.

No client, broker or engine is made at import time: the API, the worker and each test
build their own runtime and pass it down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from prometheus_client import CollectorRegistry
from redis import Redis

from autoclip.kit.clock import Clock, FileClock, SystemClock
from autoclip.kit.mail import Mailer, MailQueue, OutboxMailer, SmtpMailer
from autoclip.kit.private import make_private_dir
from autoclip.kit.sealing import Sealer
from autoclip.kit.storage import Storage, storage_from_url
from autoclip.service.auth.callers import CallerCache
from autoclip.service.auth.tokens import TokenSigner
from autoclip.service.connections import redis_client
from autoclip.service.db import Database
from autoclip.service.jobs.queue import JobQueue, make_broker
from autoclip.service.metrics import (
    ApiMetrics,
    FactoryMetrics,
    JobMetrics,
    OverdueSchedulesCollector,
    build_registry,
)
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
    mail: MailQueue
    sealer: Sealer  # stored secrets: YouTube tokens, webhook secrets
    factory_metrics: FactoryMetrics
    # The factory's time (sources' and schedules' due times): the system's, or a file's.
    clock: Clock = field(default_factory=SystemClock)
    callers: CallerCache = field(default_factory=lambda: CallerCache(0))
    _api_metrics: ApiMetrics | None = None

    @property
    def plans(self) -> dict[str, Plan]:
        """The plans read so far (static: seeded by migration), kept by the database."""
        return self.db.plans

    def api_metrics(self) -> ApiMetrics:
        """The HTTP metrics, registered once however many apps serve this runtime."""
        if self._api_metrics is None:
            self._api_metrics = ApiMetrics(self.registry)
        return self._api_metrics

    def close(self) -> None:
        self.mail.close()  # what is queued still goes (each send is time-bounded)
        self.jobs.broker.close()
        if self.redis is not None:
            self.redis.close()
        self.db.dispose()


def build_runtime(settings: Settings) -> Runtime:
    # 0700 when made here (kit/private.py); temp/ up front too, since more than the engine
    # writes there (exports), each with its own mkdir.
    make_private_dir(settings.data_dir)
    make_private_dir(settings.work_dir)
    redis = redis_client(settings) if settings.redis_url else None
    db = Database(
        settings.effective_database_url(),
        connect_timeout_s=settings.database_connect_timeout_s,
        statement_timeout_s=settings.database_statement_timeout_s,
    )
    jobs = JobQueue(make_broker(settings), settings)
    registry, job_metrics = build_registry(db, jobs)
    clock_file = settings.factory.clock_file
    clock: Clock = FileClock(clock_file) if clock_file is not None else SystemClock()
    runtime = Runtime(
        settings=settings,
        db=db,
        storage=storage_from_url(
            settings.effective_storage_url(), settings.s3_endpoint_url, settings.s3_limits()
        ),
        signer=TokenSigner(settings.effective_secret_keys(), settings.auth.access_token_minutes),
        limiter=RedisRateLimiter(redis) if redis is not None else MemoryRateLimiter(),
        jobs=jobs,
        redis=redis,
        registry=registry,
        job_metrics=job_metrics,
        factory_metrics=FactoryMetrics(registry),
        clock=clock,
        callers=CallerCache(settings.auth.caller_cache_seconds),
        mail=MailQueue(build_mailer(settings)),
        sealer=Sealer(settings.encryption_keys()),
    )
    overdue_after = timedelta(seconds=settings.factory.overdue_after_seconds)
    registry.register(OverdueSchedulesCollector(db, lambda: runtime.clock.now(), overdue_after))
    return runtime


def build_mailer(settings: Settings) -> Mailer:
    """SMTP when AUTOCLIP_SMTP_URL is set; else the outbox in the data folder, which suits
    one machine (whoever runs it reads the mail there; `autoclip serve` warns when it is
    distributed)."""
    server = settings.smtp_server()
    return SmtpMailer(server) if server is not None else OutboxMailer(settings.outbox_dir)
