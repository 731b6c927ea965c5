"""Operator routes (users with `is_admin`): the queue's state and retrying failed work."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import Field

from autoclip.service.auth.callers import Caller
from autoclip.service.db import utcnow
from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.openapi import problems
from autoclip.service.ops.service import queue_stats, retry_failed
from autoclip.service.problems import Forbidden
from autoclip.service.schemas import Input, JsonBool, JsonNumber, Output


def admin_user(user: CurrentUser) -> Caller:
    if not user.is_admin:
        raise Forbidden("operators only (autoclip admin grant EMAIL)")
    return user


router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(admin_user)],
    responses=problems(403, s403="Operators only."),
)


class RetryFailed(Input):
    since_hours: JsonNumber = Field(default=24, gt=0, le=24 * 90)
    dry_run: JsonBool = False


class RetriedOut(Output):
    content_id: str
    outcome: str


@router.get("/queue/stats")
def stats(runtime: RuntimeDep) -> dict[str, Any]:
    return queue_stats(runtime)


@router.post("/queue/retry-failed")
def retry(data: RetryFailed, session: SessionDep, runtime: RuntimeDep) -> list[RetriedOut]:
    since = utcnow() - timedelta(hours=data.since_hours)
    done = retry_failed(session, runtime.jobs, since, dry_run=data.dry_run)
    return [RetriedOut(content_id=r.content_id, outcome=r.outcome) for r in done]
