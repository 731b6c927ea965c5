"""A distributed AutoClip of the test's own, for fault runs: throwaway PostgreSQL and Redis
(tests/services.py), moto_server behind a TCP proxy the test controls (netproxy.py), real
`autoclip worker` processes, and the API in-process on the same database.

Nothing here is the machine's shared PostgreSQL or Redis: every server is started on a
free port and thrown away. Leases and the reconciler are shortened through settings so a
fault costs seconds, not minutes; the lost-message floor is left at production's ten
minutes, so that what brings work back after a broker loss is what production has.

AUTOCLIP_FAULT_TIMINGS=production runs the workers with the production defaults (60 s
leases, a reconciler pass every 10 s, retries from 5 s) to measure what an operator will
see; the figures each test measures are printed (`pytest -s`) and, with
AUTOCLIP_FAULT_REPORT=path, appended to that file as JSON lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from autoclip.service.app import create_app
from autoclip.service.models import ContentStatus, User
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings, WorkerSettings
from faults.netproxy import TcpProxy
from s3server import TEST_CREDENTIALS
from service.test_jobs_support import (
    VIDEO_FILES,
    entries,
    ledger,
    row,
    stage_runs,
    wait_for,
)
from services import ThrowawayPostgres, ThrowawayRedis
from workers import WorkerProc, start_worker

PRODUCTION = os.environ.get("AUTOCLIP_FAULT_TIMINGS", "") == "production"
REPORT_ENV = "AUTOCLIP_FAULT_REPORT"
LOST_MESSAGE_FLOOR_S = 600.0  # production's default: ten 60-second leases
SHORT_WORKER = {
    "lease_seconds": 3.0,
    "reconcile_seconds": 0.5,
    "retry_base_seconds": 0.5,
    "requeue_after_seconds": LOST_MESSAGE_FLOOR_S,
}
# Short, distinct texts: each renders a draft video of a few seconds (distinct, because
# equal texts would share their stage cache entries and renders).
TEXTS = [
    "Sleep repairs the body. Go to bed at the same time each night.",
    "Drink water often. A glass before each meal is a good habit.",
    "Walk after meals. Ten minutes keeps blood sugar steady.",
    "Stretch every morning. Two minutes is enough to wake the body.",
    "Rest your eyes. Look at something far away every twenty minutes.",
]


def worker_settings() -> WorkerSettings:
    """The workers' settings in these runs: short leases, or production's."""
    return WorkerSettings() if PRODUCTION else WorkerSettings(**SHORT_WORKER)


@dataclass
class Cluster:
    """The servers of one fault test, and the workers it started."""

    tmp: Path
    postgres: ThrowawayPostgres
    database_url: str
    redis: ThrowawayRedis
    s3: TcpProxy  # the endpoint the service uses
    s3_direct: str  # moto itself, to look at the bucket while the proxy is down
    bucket: str
    prefix: str = "autoclip"
    secret_key: str = field(default_factory=lambda: "fault-test-key-" + uuid.uuid4().hex)
    workers: list[WorkerProc] = field(default_factory=list)

    @property
    def storage_url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def data_dir(self) -> Path:
        return self.tmp / "data"

    def settings(self, **overrides: Any) -> Settings:
        """The API's settings (the in-process runtime the test reads the truth with)."""
        fields: dict[str, Any] = {
            "data_dir": self.tmp / "api",
            "database_url": self.database_url,
            "redis_url": self.redis.url,
            "storage_url": self.storage_url,
            "s3_endpoint_url": self.s3.endpoint,
            "secret_key": self.secret_key,
            "rate_limits": False,
            "worker": worker_settings(),
        }
        return Settings(**(fields | overrides))

    def worker_env(
        self, data_dir: Path | None = None, extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOCLIP_", "AWS_"))}
        env |= TEST_CREDENTIALS
        env |= {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AUTOCLIP_DATABASE_URL": self.database_url,
            "AUTOCLIP_REDIS_URL": self.redis.url,
            "AUTOCLIP_STORAGE_URL": self.storage_url,
            "AUTOCLIP_S3_ENDPOINT_URL": self.s3.endpoint,
            # one machine: the workers share the data folder, hence the stage cache
            "AUTOCLIP_DATA_DIR": str(data_dir or self.data_dir),
            "AUTOCLIP_SECRET_KEY": self.secret_key,
            "AUTOCLIP_LOG_LEVEL": "INFO",
            "AUTOCLIP_LOG_FORMAT": "text",
        }
        for name, value in worker_settings().model_dump(exclude_none=True).items():
            env[f"AUTOCLIP_WORKER__{name.upper()}"] = str(value)
        return env | (extra or {})

    def spawn(
        self, name: str, data_dir: Path | None = None, env: dict[str, str] | None = None
    ) -> WorkerProc:
        """Start an `autoclip worker` in its own process group and wait until it takes jobs."""
        return self.spawn_many([name], data_dir, env)[0]

    def spawn_many(
        self, names: list[str], data_dir: Path | None = None, env: dict[str, str] | None = None
    ) -> list[WorkerProc]:
        """Start workers side by side (their start-up is mostly imports), then wait for all."""
        started = []
        for name in names:
            log = self.tmp / f"{name}.log"
            started.append(start_worker(name, log, self.worker_env(data_dir, env)))
        self.workers += started
        for worker in started:
            wait_for(partial(_up, worker), 60, f"{worker.name} to start")
            assert worker.alive(), f"{worker.name} exited at start:{self.logs()}"
        return started

    def kill(self, worker: WorkerProc) -> None:
        """SIGKILL the worker and its children (ffmpeg): a lost machine, an OOM kill."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.process.wait(timeout=30)

    def logs(self) -> str:
        parts = [
            f"\n----- {w.name} (pid {w.pid}, exit {w.process.poll()}) -----\n{w.output()}"
            for w in self.workers
        ]
        return "".join(parts)

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGKILL)
                worker.process.wait(timeout=30)

    @contextlib.contextmanager
    def api(self, **overrides: Any) -> Iterator[tuple[Runtime, TestClient]]:
        """The API (no worker inside) and its runtime, on this cluster's servers."""
        runtime = build_runtime(self.settings(**overrides))
        try:
            with TestClient(create_app(runtime, run_worker=False)) as client:
                yield runtime, client
        finally:
            runtime.close()


def _up(worker: WorkerProc) -> bool:
    """Started (it logs so once its queues are consumed), or exited."""
    return " started on " in worker.output() or not worker.alive()


def give_credits(runtime: Runtime, credits: int) -> None:
    """Every user (the test's one) gets `credits`: the free plan's 3 are too few here."""
    with runtime.db.session() as session:
        session.execute(update(User).values(credit_balance=credits))


def record(fault: str, **figures: float | int | str) -> None:
    """Print what a fault run measured, and append it to $AUTOCLIP_FAULT_REPORT if set."""
    entry = {"fault": fault, "timings": "production" if PRODUCTION else "short", **figures}
    line = json.dumps(entry, ensure_ascii=False)
    sys.stdout.write(f"\nfault figures: {line}\n")
    target = os.environ.get(REPORT_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def assert_each_made_once(
    runtime: Runtime,
    client: TestClient,
    auth: dict[str, str],
    ids: list[str],
    start_balance: int,
) -> None:
    """After a fault: every content is ready, published once with all its files, and
    charged once with no refund."""
    finished = [row(runtime, i) for i in ids]
    assert [c.status for c in finished] == [ContentStatus.READY] * len(ids), [
        (c.status, c.error) for c in finished
    ]
    for content_id in ids:
        runs = [r for r in stage_runs(runtime, content_id) if r.stage == "publish"]
        assert [r.status.value for r in runs].count("succeeded") == 1, runs
        keys = runtime.storage.list_keys(f"videos/{content_id}/")
        assert keys == [f"videos/{content_id}/{name}" for name in VIDEO_FILES]
    balance, book = ledger(client, auth)
    assert balance == start_balance - len(ids)
    assert all(len(entries(book, i, "generation")) == 1 for i in ids)
    assert [e for e in book if e["reason"] == "refund"] == []
