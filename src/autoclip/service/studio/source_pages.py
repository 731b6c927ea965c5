"""A project's sources (feeds, watched pages, topic lists): listed with their fetch
status, added, paused and resumed, fetched now, deleted, and each one's items with the
contents made of them. Every change goes through sources/service.py, the functions the
API's routes call."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from autoclip.errors import ConfigurationError, InputError
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.models import Project, SourceKind
from autoclip.service.problems import AppError, NotFound
from autoclip.service.projects import service as projects
from autoclip.service.projects.repository import ProjectRepository
from autoclip.service.sources import service
from autoclip.service.sources.endpoints import source_out
from autoclip.service.sources.schemas import SourceCreate, SourceItemOut, SourceUpdate
from autoclip.service.studio.catalog import text
from autoclip.service.studio.forms import input_error, problem_text, validation_errors, whole
from autoclip.service.studio.reasons import in_words
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in

router = APIRouter()
Field = Annotated[str, Form()]
_CREATE: TypeAdapter[Any] = TypeAdapter(SourceCreate)
ITEMS = 50
NOTICES = ("sources.added", "sources.deleted")
ACTIONS = ("pause", "resume", "fetch", "delete")
ACTION_NOTICES = ("sources.paused", "sources.resumed", "sources.fetching")


def own_project(session: SessionDep, visit: Visitor, project_id: str) -> Project | None:
    """The visitor's project by the id in the address, else None (shown as not found)."""
    assert visit.user is not None
    try:
        return projects.get_project(session, visit.user, uuid.UUID(project_id))
    except (ValueError, NotFound):
        return None


def topic_lines(value: str) -> list[str]:
    """A textarea's lines: the empty ones (a trailing newline) are no topics."""
    return [line for line in value.splitlines() if line.strip()]


# sources/repository.py's words when failures pause a source.
_FAILURES = re.compile(r"paused after (?P<n>\d+) failed fetches in a row; the last: (?P<last>.*)",
                       re.S)  # fmt: skip


def pause_reason(reason: str | None, language: str) -> str:
    """Why a source is paused, in the page's language (its page shows the fetch's own
    sentence beside the words)."""
    if not reason:
        return ""
    if reason == service.PAUSED_BY_OWNER:
        return text("sources.paused_by_owner", language)
    found = _FAILURES.fullmatch(reason)
    if found:
        last = found["last"]
        said = in_words(last, language) or last
        return text("sources.paused_failures", language).format(n=found["n"], last=said)
    return reason


def _list(
    request: Request, visit: Visitor, session: SessionDep, project: Project,
    values: dict[str, str], errors: dict[str, str], problem: str = "", status: int = 200,
    notice: str = "",
) -> Response:  # fmt: skip
    assert visit.user is not None
    rows = service.list_sources(session, visit.user, project.id)
    return page(
        request, visit, "sources.html", status=status, project=project,
        sources=[source_out(s) for s in rows], values=values, errors=errors, problem=problem,
        why={s.id: pause_reason(s.paused_reason, visit.language) for s in rows},
        notice=notice, kinds=list(SourceKind),
    )  # fmt: skip


@router.get("/projects/{project_id}/sources")
def sources_page(
    project_id: str, request: Request, visit: VisitDep, session: SessionDep, notice: str = ""
) -> Response:
    signed_in(request, visit)
    project = own_project(session, visit, project_id)
    if project is None:
        return not_found(request, visit)
    shown = notice if notice in NOTICES else ""
    values = {"kind": "feed", "interval_minutes": "60"}
    return _list(request, visit, session, project, values, {}, notice=shown)


@router.post("/projects/{project_id}/sources")
def add_source(
    project_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    kind: Field = "feed",
    name: Field = "",
    url: Field = "",
    topics: Field = "",
    interval_minutes: Field = "60",
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    project = own_project(session, visit, project_id)
    if project is None:
        return not_found(request, visit)
    language = visit.language
    body: dict[str, Any] = {"kind": kind, "name": name, "interval_minutes": whole(interval_minutes)}
    if kind == "topics":
        body["topics"] = topic_lines(topics)
    else:
        body["url"] = url
    errors: dict[str, str] = {}
    problem = ""
    try:
        data = _CREATE.validate_python(body)
        service.create_source(session, user, project.id, data, runtime.settings,
                              runtime.clock.now())  # fmt: skip
    except ValidationError as error:
        errors = validation_errors(error, language)
    except InputError as error:
        errors = input_error(error, language)
    except ConfigurationError as error:
        problem = text("error.generic", language).format(detail=str(error))
    except AppError as error:
        problem = problem_text(error, language)
    else:
        return see_other(f"/projects/{project.id}/sources?notice=sources.added")
    session.rollback()
    values = {"kind": kind, "name": name, "url": url, "topics": topics,
              "interval_minutes": interval_minutes}  # fmt: skip
    return _list(request, visit, session, project, values, errors, problem, status=422)


@router.get("/sources/{source_id}")
def source_page(
    source_id: str, request: Request, visit: VisitDep, session: SessionDep, notice: str = ""
) -> Response:
    user = signed_in(request, visit)
    try:
        target = uuid.UUID(source_id)
        source = service.get_source(session, user, target)
        items = service.source_items(session, user, target, ITEMS)
    except (ValueError, NotFound):
        return not_found(request, visit)
    project = ProjectRepository(session).owned(user.id, source.project_id)
    return page(
        request, visit, "source.html", source=source_out(source), project=project,
        why=pause_reason(source.paused_reason, visit.language),
        items=[SourceItemOut.model_validate(i) for i in items],
        notice=notice if notice in ACTION_NOTICES else "",
    )  # fmt: skip


@router.post("/sources/{source_id}/{action}")
def act(
    source_id: str,
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
    settings = runtime.settings
    try:
        target = uuid.UUID(source_id)
        if action == "delete":
            project_id = service.get_source(session, user, target).project_id
            service.delete_source(session, user, target, now)
            return see_other(f"/projects/{project_id}/sources?notice=sources.deleted")
        if action == "fetch":
            service.fetch_soon(session, user, target, now)
            notice = "sources.fetching"
        else:
            paused = action == "pause"
            service.update_source(session, user, target, SourceUpdate(paused=paused), settings,
                                  now)  # fmt: skip
            notice = "sources.paused" if paused else "sources.resumed"
    except (ValueError, NotFound):
        return not_found(request, visit)
    return see_other(f"/sources/{target}?notice={notice}")
