"""A project's schedules: listed, created and edited (times of day or cron, time zone,
contents a run, auto-publish), paused and resumed, deleted, and each one's runs (what it
made, what failed and why). Every change goes through schedules/service.py, the
functions the API's routes call."""

from __future__ import annotations

import math
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from autoclip.errors import InputError
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.models import Project
from autoclip.service.problems import NotFound
from autoclip.service.projects.repository import ProjectRepository
from autoclip.service.schedules import service
from autoclip.service.schedules.endpoints import run_out, schedule_out
from autoclip.service.schedules.schemas import ScheduleCreate, ScheduleUpdate
from autoclip.service.studio.catalog import text
from autoclip.service.studio.forms import input_error, validation_errors, whole
from autoclip.service.studio.reasons import in_words
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.source_pages import own_project
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in

router = APIRouter()
Field = Annotated[str, Form()]
_CREATE: TypeAdapter[Any] = TypeAdapter(ScheduleCreate)
RUNS = 20
DEFAULT_ZONE = "Asia/Seoul"
NOTICES = ("schedules.added", "schedules.deleted")
ACTION_NOTICES = ("schedules.saved", "schedules.paused", "schedules.resumed")
ACTIONS = ("pause", "resume", "delete")


def times_of(value: str) -> list[str]:
    """The times a form's field lists: "09:00, 18:00", or one a line."""
    return [t for t in re.split(r"[\s,]+", value) if t]


def said(reason: str, language: str) -> str:
    """A run's or a schedule's reason in the page's language (the service's own words
    when it is none of the known ones)."""
    if reason == service.NO_CREDITS:
        return text("schedules.no_credits", language)
    return in_words(reason, language) or reason


def rhythm_errors(errors: dict[str, str], language: str) -> dict[str, str]:
    """The model's errors, with the rhythm's fields said as what to write there."""
    for name in ("times", "cron", "timezone"):
        if name in errors:
            errors[name] = text(f"schedules.{name}_invalid", language)
    return errors


def _body(
    name: str, kind: str, times: str, cron: str, timezone: str, per_run: str,
    auto_publish: str,
) -> dict[str, Any]:  # fmt: skip
    body: dict[str, Any] = {"timezone": timezone, "per_run": whole(per_run),
                            "auto_publish": bool(auto_publish)}  # fmt: skip
    if name.strip():
        body["name"] = name  # else the API's default name (a new one), or unchanged
    if kind == "cron":
        body["cron"] = cron
    else:
        body["times"] = times_of(times)
    return body


def _values(schedule: Any) -> dict[str, Any]:
    return {
        "name": schedule.name, "kind": schedule.kind, "times": ", ".join(schedule.times),
        "cron": schedule.cron or "", "timezone": schedule.timezone,
        "per_run": str(schedule.per_run), "auto_publish": schedule.auto_publish,
    }  # fmt: skip


def _list(
    request: Request, visit: Visitor, session: SessionDep, project: Project,
    values: dict[str, Any], errors: dict[str, str], status: int = 200, notice: str = "",
) -> Response:  # fmt: skip
    assert visit.user is not None
    rows = service.list_schedules(session, visit.user, project.id)
    shown = [schedule_out(session, s) for s in rows]
    return page(
        request, visit, "schedules.html", status=status, project=project, schedules=shown,
        values=values, errors=errors, notice=notice,
        why={s.id: said(s.stopped_reason, visit.language) for s in shown if s.stopped_reason},
    )  # fmt: skip


@router.get("/projects/{project_id}/schedules")
def schedules_page(
    project_id: str, request: Request, visit: VisitDep, session: SessionDep, notice: str = ""
) -> Response:
    signed_in(request, visit)
    project = own_project(session, visit, project_id)
    if project is None:
        return not_found(request, visit)
    values = {"name": "", "kind": "times", "times": "09:00", "cron": "",
              "timezone": DEFAULT_ZONE, "per_run": "1", "auto_publish": False}  # fmt: skip
    shown = notice if notice in NOTICES else ""
    return _list(request, visit, session, project, values, {}, notice=shown)


@router.post("/projects/{project_id}/schedules")
def add_schedule(
    project_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Field = "",
    kind: Field = "times",
    times: Field = "",
    cron: Field = "",
    timezone: Field = DEFAULT_ZONE,
    per_run: Field = "1",
    auto_publish: Field = "",
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    project = own_project(session, visit, project_id)
    if project is None:
        return not_found(request, visit)
    body = _body(name, kind, times, cron, timezone, per_run, auto_publish) | {"kind": kind}
    try:
        data = _CREATE.validate_python(body)
        service.create_schedule(session, user, project.id, data, runtime.clock.now())
    except ValidationError as error:
        errors = rhythm_errors(validation_errors(error, visit.language), visit.language)
    else:
        return see_other(f"/projects/{project.id}/schedules?notice=schedules.added")
    values = {"name": name, "kind": kind, "times": times, "cron": cron, "timezone": timezone,
              "per_run": per_run, "auto_publish": bool(auto_publish)}  # fmt: skip
    return _list(request, visit, session, project, values, errors, status=422)


def _schedule(
    request: Request, visit: Visitor, session: SessionDep, schedule_id: str, run_page: int,
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    status: int = 200, notice: str = "",
) -> Response:  # fmt: skip
    assert visit.user is not None
    try:
        target = uuid.UUID(schedule_id)
        schedule = schedule_out(session, service.get_schedule(session, visit.user, target))
        rows, total = service.schedule_runs(session, visit.user, target, run_page, RUNS)
    except (ValueError, NotFound):
        return not_found(request, visit)
    language = visit.language
    runs = [run_out(r) for r in rows]
    return page(
        request, visit, "schedule.html", status=status, schedule=schedule,
        project=ProjectRepository(session).owned(visit.user.id, schedule.project_id), runs=runs,
        reasons={(r.id, i): said(f.reason, language) for r in runs for i, f in enumerate(r.failed)},
        stopped=said(schedule.stopped_reason, language) if schedule.stopped_reason else "",
        values=values or _values(schedule), errors=errors or {}, notice=notice,
        run_page=run_page, run_pages=max(1, math.ceil(total / RUNS)),
    )  # fmt: skip


@router.get("/schedules/{schedule_id}")
def schedule_page(
    schedule_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    run_page: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
    notice: str = "",
) -> Response:
    signed_in(request, visit)
    shown = notice if notice in ACTION_NOTICES else ""
    return _schedule(request, visit, session, schedule_id, run_page, notice=shown)


@router.post("/schedules/{schedule_id}")
def edit_schedule(
    schedule_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Field = "",
    kind: Field = "times",
    times: Field = "",
    cron: Field = "",
    timezone: Field = DEFAULT_ZONE,
    per_run: Field = "1",
    auto_publish: Field = "",
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    body = _body(name, kind, times, cron, timezone, per_run, auto_publish)
    try:
        target = uuid.UUID(schedule_id)
        service.update_schedule(session, user, target, ScheduleUpdate(**body), runtime.clock.now())
    except ValidationError as error:
        errors = rhythm_errors(validation_errors(error, visit.language), visit.language)
    except InputError as error:
        errors = input_error(error, visit.language)
    except (ValueError, NotFound):
        return not_found(request, visit)
    else:
        return see_other(f"/schedules/{target}?notice=schedules.saved")
    session.rollback()
    values = {"name": name, "kind": kind, "times": times, "cron": cron, "timezone": timezone,
              "per_run": per_run, "auto_publish": bool(auto_publish)}  # fmt: skip
    return _schedule(request, visit, session, schedule_id, 1, values, errors, status=422)


@router.post("/schedules/{schedule_id}/{action}")
def act(
    schedule_id: str,
    action: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if action not in ACTIONS:
        return not_found(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    now = runtime.clock.now()
    try:
        target = uuid.UUID(schedule_id)
        if action == "delete":
            project_id = service.get_schedule(session, user, target).project_id
            service.delete_schedule(session, user, target, now)
            return see_other(f"/projects/{project_id}/schedules?notice=schedules.deleted")
        enabled = action == "resume"
        service.update_schedule(session, user, target, ScheduleUpdate(enabled=enabled), now)
    except (ValueError, NotFound):
        return not_found(request, visit)
    notice = "schedules.resumed" if enabled else "schedules.paused"
    return see_other(f"/schedules/{target}?notice={notice}")
