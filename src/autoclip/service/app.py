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

from fastapi import APIRouter, Depends, FastAPI

from autoclip.kit.outbound import parse_networks
from autoclip.service.admin.endpoints import router as admin_router
from autoclip.service.auth.endpoints import router as auth_router
from autoclip.service.batches.endpoints import router as batches_router
from autoclip.service.billing.endpoints import ledger_router
from autoclip.service.billing.endpoints import router as credits_router
from autoclip.service.billing.usage import daily_router
from autoclip.service.billing.usage import router as usage_router
from autoclip.service.brands.endpoints import router as brands_router
from autoclip.service.brands.endpoints import uploads as brand_uploads
from autoclip.service.channels.endpoints import router as channels_router
from autoclip.service.clients import ClientAddress
from autoclip.service.contents.endpoints import estimates_router
from autoclip.service.contents.endpoints import router as contents_router
from autoclip.service.deps import json_bodies_only, json_or_form_bodies
from autoclip.service.docs import DOCS_URL, install_docs
from autoclip.service.exports.endpoints import router as exports_router
from autoclip.service.files.endpoints import router as files_router
from autoclip.service.jobs.worker import WorkerProcess
from autoclip.service.media.endpoints import router as media_router
from autoclip.service.middleware import ConcurrencyGate, RequestContext
from autoclip.service.openapi import install_openapi
from autoclip.service.ops.health import router as health_router
from autoclip.service.problems import install_problem_handlers
from autoclip.service.projects.endpoints import router as projects_router
from autoclip.service.protection import API_HEADERS, BodyLimit, HeaderPolicy, SecurityHeaders
from autoclip.service.publishing.endpoints import router as publishing_router
from autoclip.service.runtime import Runtime
from autoclip.service.schedules.endpoints import router as schedules_router
from autoclip.service.sources.endpoints import router as sources_router
from autoclip.service.studio import install_studio
from autoclip.service.templates.endpoints import router as templates_router
from autoclip.service.voices.endpoints import router as voices_router
from autoclip.service.webhooks.endpoints import router as webhooks_router

API_PREFIX = "/api/v1"
UPLOAD_FRAMING_BYTES = 64 * 1024
# Below the threadpool's 40 threads; the database pool keeps as many connections (db.py).
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
        # FastAPI's own pages load their scripts from CDNs: /docs is served locally instead.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.runtime = runtime
    app.state.metrics = runtime.api_metrics()
    install_problem_handlers(app)
    install_openapi(app, settings)
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(json_bodies_only)])
    # A request walks the routes in this order until one matches: the busiest first.
    routers = (
        batches_router,  # before contents: /contents/batch is no content id
        contents_router,
        auth_router,
        projects_router,
        estimates_router,
        sources_router,
        schedules_router,
        credits_router,
        usage_router,
        ledger_router,
        daily_router,
        voices_router,
        exports_router,
        templates_router,
        brands_router,
        publishing_router,
        channels_router,
        webhooks_router,
    )
    for router in (*routers, admin_router, files_router):
        api.include_router(router)
    # The media library takes its uploads as multipart/form-data.
    uploads = APIRouter(prefix=API_PREFIX, dependencies=[Depends(json_or_form_bodies)])
    uploads.include_router(media_router)
    app.include_router(api)
    app.include_router(uploads)
    app.include_router(brand_uploads, prefix=API_PREFIX)
    app.include_router(health_router)
    docs_headers = install_docs(app)
    studio_headers = install_studio(app, runtime.storage)
    # The last added runs first. Inside RequestContext, so time spent queued counts in the
    # latency metrics.
    app.add_middleware(ConcurrencyGate, limit=IN_FLIGHT_LIMIT, one_writer=runtime.db.is_sqlite)
    # Outside the gate, so a refused upload waits for no slot; inside RequestContext, so
    # the 413 carries a request id and is counted. Per-prefix limits go in `limits`.
    app.add_middleware(
        BodyLimit,
        default=settings.max_request_bytes,
        limits={
            # An upload: the file and its multipart framing (the studio's upload form
            # posts to /media the same way).
            f"{API_PREFIX}/media": settings.media.max_bytes + UPLOAD_FRAMING_BYTES,
            "/media": settings.media.max_bytes + UPLOAD_FRAMING_BYTES,
            # The storyboard's form, which may carry a scene's new picture.
            "/contents": settings.media.max_bytes + UPLOAD_FRAMING_BYTES,
            f"{API_PREFIX}/brand-files": settings.max_upload_bytes,
        },
    )
    app.add_middleware(
        RequestContext, metrics=app.state.metrics, maintenance=settings.maintenance_mode
    )
    # Outside RequestContext, so every answer has them, its own (503, crash 500) too. The
    # one place where a path prefix gets its headers: the studio's pages at "/" and its
    # files, the API, the docs; elsewhere (health, metrics, the OpenAPI document, which
    # are longer prefixes than "/") the strict default applies.
    strict = HeaderPolicy()
    policies = {
        **studio_headers,
        **{path: strict for path in ("/health", "/metrics", "/openapi.json")},
        API_PREFIX: API_HEADERS,
        DOCS_URL: docs_headers,
    }
    app.add_middleware(SecurityHeaders, policies=policies, default=HeaderPolicy())
    # Outermost: the client's address decides rate limits and sign-in throttles.
    app.add_middleware(ClientAddress, proxies=parse_networks(settings.trusted_proxies))
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory `autoclip serve` runs (one per API process)."""
    from autoclip.service.runtime import build_runtime
    from autoclip.settings import Settings

    return create_app(build_runtime(Settings()))
