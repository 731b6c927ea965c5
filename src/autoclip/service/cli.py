"""`autoclip serve`, `autoclip worker`, `autoclip db upgrade`, `autoclip config show`."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
from typing import Annotated

import typer

from autoclip.errors import ConfigurationError
from autoclip.service.db import Database
from autoclip.service.jobs.queue import CONTENT_QUEUE, RENDER_QUEUE
from autoclip.service.logs import configure_logging
from autoclip.service.migrate import is_current, upgrade
from autoclip.settings import Settings

db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
config_app = typer.Typer(help="Settings.", no_args_is_help=True)


def ensure_schema(settings: Settings) -> None:
    """Embedded mode migrates its own SQLite file; a shared database is migrated on purpose."""
    db = Database(settings.effective_database_url())
    try:
        if is_current(db):
            return
        if db.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            upgrade(db)
            return
        raise ConfigurationError(
            "the database schema is not up to date: run `autoclip db upgrade` first"
        )
    finally:
        db.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations (SQLite and PostgreSQL alike)."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url())
    try:
        upgrade(db, revision)
    finally:
        db.dispose()
    typer.echo(f"database at {settings.masked()['database_url']} is at {revision}")


@config_app.command("show")
def config_show() -> None:
    """The effective settings, secrets masked."""
    typer.echo(json.dumps(Settings().masked(), indent=2, ensure_ascii=False))


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="API processes (distributed mode only: each needs Redis).")
    ] = 1,
) -> None:
    """The API. In embedded mode (no Redis) the worker runs inside it too."""
    import uvicorn

    configure_logging()
    settings = Settings()
    ensure_schema(settings)
    if workers > 1 and not settings.distributed:
        raise ConfigurationError(
            "--workers above 1 needs AUTOCLIP_REDIS_URL (the in-process queue is per process)"
        )
    uvicorn.run(
        "autoclip.service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def worker(
    threads: Annotated[int | None, typer.Option(help="Content-generation threads.")] = None,
    render_threads: Annotated[int | None, typer.Option(help="Render threads.")] = None,
    queues: Annotated[
        str, typer.Option(help=f"Comma-separated: {CONTENT_QUEUE},{RENDER_QUEUE}.")
    ] = f"{CONTENT_QUEUE},{RENDER_QUEUE}",
    metrics_port: Annotated[
        int, typer.Option(help="Serve Prometheus metrics on this port (0: off).")
    ] = 9100,
) -> None:
    """A worker for distributed mode: takes jobs from Redis until SIGTERM or Ctrl-C."""
    from autoclip.service.jobs.worker import WorkerProcess
    from autoclip.service.runtime import build_runtime

    configure_logging()
    settings = Settings()
    if not settings.distributed:
        raise ConfigurationError(
            "`autoclip worker` needs AUTOCLIP_REDIS_URL; embedded mode runs its worker "
            "inside `autoclip serve`"
        )
    chosen = {q.strip() for q in queues.split(",") if q.strip()}
    if not chosen or not chosen <= {CONTENT_QUEUE, RENDER_QUEUE}:
        raise ConfigurationError(f"--queues: choose from {CONTENT_QUEUE}, {RENDER_QUEUE}")
    ensure_schema(settings)
    updates = {"threads": threads, "render_threads": render_threads}
    settings.worker = settings.worker.model_copy(
        update={k: v for k, v in updates.items() if v is not None}
    )
    runtime = build_runtime(settings)
    process = WorkerProcess(runtime, f"{socket.gethostname()}:{os.getpid()}", queues=chosen)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, registry=runtime.registry)
    process.start()
    stop.wait()
    logging.getLogger("autoclip.worker").info("stopping: finishing the jobs in hand")
    process.stop()
    runtime.close()
