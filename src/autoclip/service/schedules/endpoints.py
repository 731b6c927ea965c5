from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.models import Schedule, ScheduleRun
from autoclip.service.openapi import problems
from autoclip.service.schedules import service
from autoclip.service.schedules.schemas import (
    ScheduleCreate,
    ScheduleOut,
    ScheduleRunOut,
    ScheduleUpdate,
)
from autoclip.service.schemas import MAX_PAGE, Page

router = APIRouter(tags=["schedules"])
PROJECT_404 = problems(404, s404="No such project of yours.")
PUBLISHING = problems(
    404,
    409,
    s404="No such project, schedule or channel (`channel_id`) of yours.",
    s409="auto_publish with no YouTube channel connected, or the channel disconnected.",
)


def schedule_out(session: Session, schedule: Schedule) -> ScheduleOut:
    computed = {"kind", "waiting_items"}
    fields = {n: getattr(schedule, n) for n in ScheduleOut.model_fields if n not in computed}
    out = ScheduleOut.model_validate(fields | {"kind": "cron" if schedule.cron else "times"})
    out.waiting_items = service.waiting_items(session, schedule.project_id)
    return out


def run_out(run: ScheduleRun) -> ScheduleRunOut:
    return ScheduleRunOut.model_validate(
        {
            "id": run.id,
            "schedule_id": run.schedule_id,
            "due_at": run.due_at,
            "ran_at": run.ran_at,
            "lag_seconds": max(0.0, (run.ran_at - run.due_at).total_seconds()),
            "missed": run.missed,
            "outcome": run.outcome,
            "made": run.made,
            "failed": run.failed,
        }
    )


@router.get("/projects/{project_id}/schedules", responses=PROJECT_404)
def list_schedules(
    project_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> list[ScheduleOut]:
    return [schedule_out(session, s) for s in service.list_schedules(session, user, project_id)]


@router.post("/projects/{project_id}/schedules", status_code=201, responses=PUBLISHING)
def create(
    project_id: uuid.UUID,
    data: ScheduleCreate,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ScheduleOut:
    """At each due time (`times` of day, or `cron`, in `timezone`), generate up to
    `per_run` of the drafts waiting in the project's sources, in their order. After
    downtime a missed due time runs once. Each run is listed under `/runs`. With
    `auto_publish`, each content it makes is published once ready, to `channel_id` (or
    your only channel): one must be connected."""
    schedule = service.create_schedule(session, user, project_id, data, runtime.clock.now())
    response.headers["Location"] = f"/api/v1/schedules/{schedule.id}"
    return schedule_out(session, schedule)


@router.get("/schedules/{schedule_id}")
def get(schedule_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ScheduleOut:
    return schedule_out(session, service.get_schedule(session, user, schedule_id))


@router.patch("/schedules/{schedule_id}", responses=PUBLISHING)
def update(
    schedule_id: uuid.UUID,
    data: ScheduleUpdate,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ScheduleOut:
    """A changed rhythm, or a schedule enabled again, counts from now."""
    schedule = service.update_schedule(session, user, schedule_id, data, runtime.clock.now())
    return schedule_out(session, schedule)


@router.delete("/schedules/{schedule_id}", status_code=204)
def delete(
    schedule_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    service.delete_schedule(session, user, schedule_id, runtime.clock.now())
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/runs")
def runs(
    schedule_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ScheduleRunOut]:
    """The schedule's runs, the latest due first: what each made and what failed, why."""
    rows, total = service.schedule_runs(session, user, schedule_id, page, per_page)
    return Page[ScheduleRunOut](
        items=[run_out(r) for r in rows], page=page, per_page=per_page, total=total
    )
