"""The API application, built by a factory from a runtime (never at import time).

In embedded mode the factory also starts the worker in this process, so `autoclip serve`
alone is a working product.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import APIRouter, FastAPI

from autoclip.service.admin import router as admin_router
from autoclip.service.auth.endpoints import router as auth_router
from autoclip.service.contents.endpoints import router as contents_router
from autoclip.service.credits.endpoints import router as credits_router
from autoclip.service.exports import router as exports_router
from autoclip.service.files import router as files_router
from autoclip.service.health import router as health_router
from autoclip.service.jobs.worker import WorkerProcess
from autoclip.service.middleware import ConcurrencyGate, RequestContext
from autoclip.service.problems import install_problem_handlers
from autoclip.service.projects.endpoints import router as projects_router
from autoclip.service.runtime import Runtime
from autoclip.service.usage import router as usage_router

API_PREFIX = "/api/v1"
# Below the threadpool's 40 threads and the database pool's 30 connections (db.py).
IN_FLIGHT_LIMIT = 24
log = logging.getLogger("autoclip.api")


def create_app(runtime: Runtime, *, run_worker: bool | None = None) -> FastAPI:
    """`run_worker`: start the in-process worker; by default, in embedded mode only."""
    settings = runtime.settings
    embedded = settings.embedded_worker and not settings.distributed
    in_process = embedded if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker: WorkerProcess | None = None
        if in_process and not settings.maintenance_mode:
            worker_id = f"{socket.gethostname()}:{os.getpid()}:api"
            # The in-memory queue starts empty: whatever is queued in the database is
            # re-sent at once (stale_after=0), then every reconcile interval.
            worker = WorkerProcess(runtime, worker_id, first_stale_after=timedelta(0))
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(
        title="AutoClip API",
        version="1",
        description="Turn a topic, a text or a web page into a narrated short video.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.metrics = runtime.api_metrics()
    install_problem_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    routers = (
        auth_router,
        projects_router,
        contents_router,
        credits_router,
        usage_router,
        exports_router,
    )
    for router in (*routers, admin_router, files_router):
        api.include_router(router)
    app.include_router(api)
    app.include_router(health_router)
    # Inside RequestContext, so time spent queued counts in the latency metrics.
    app.add_middleware(ConcurrencyGate, limit=IN_FLIGHT_LIMIT, one_writer=runtime.db.is_sqlite)
    app.add_middleware(
        RequestContext, metrics=app.state.metrics, maintenance=settings.maintenance_mode
    )
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory `autoclip serve` runs (one per API process)."""
    from autoclip.service.runtime import build_runtime
    from autoclip.settings import Settings

    return create_app(build_runtime(Settings()))
