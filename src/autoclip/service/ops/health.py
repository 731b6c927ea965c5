"""Liveness, readiness and metrics."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from autoclip.service.deps import RuntimeDep
from autoclip.service.runtime import Runtime
from autoclip.service.schemas import Output

router = APIRouter(tags=["health"])


class Health(Output):
    status: str


class Readiness(Output):
    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(
        description="database, queue, storage: `ok`, or why it is unavailable."
    )


@router.get("/health")
async def health() -> Health:
    """The process answers. (Nothing else is checked: a restart would not fix a database.)"""
    return Health(status="ok")


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


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"description": "Not ready: a check failed.", "model": Readiness}},
)
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """Ready to take traffic: the database, the queue and the storage all answer."""
    checks = await run_in_threadpool(_checks, runtime)
    ok = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ok else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus' text format.",
            "content": {CONTENT_TYPE_LATEST.partition(";")[0]: {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
