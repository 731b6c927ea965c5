"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from autoclip.service.deps import RuntimeDep
from autoclip.service.runtime import Runtime

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process answers. (Nothing else is checked: a restart would not fix a database.)"""
    return {"status": "ok"}


def _checks(runtime: Runtime) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in (
        ("database", runtime.db.ping),
        ("queue", runtime.jobs.ping),
        ("storage", runtime.storage.ping),
    ):
        try:
            check()
            results[name] = "ok"
        except Exception as error:
            results[name] = f"unavailable: {type(error).__name__}: {error}"[:300]
    return results


@router.get("/ready")
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """Ready to take traffic: the database, the queue and the storage all answer."""
    checks = await run_in_threadpool(_checks, runtime)
    ok = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ok else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
