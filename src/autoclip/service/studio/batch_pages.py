"""Batches: many contents from a JSONL text (pasted or uploaded; one content a line, each
with its own options, as `POST /api/v1/contents/batch` takes them), checked first with
the API's estimate of each line, then made all at once or not at all; and a batch's page
with each item's result and its progress. Everything goes through batches/service.py
and contents/estimate.py, the functions the API's routes call."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from autoclip.errors import ConfigurationError, InputError
from autoclip.service.auth.callers import Caller
from autoclip.service.batches import service
from autoclip.service.batches.schemas import MAX_BATCH, BatchCreate
from autoclip.service.contents.estimate import estimate_content
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.problems import AppError, NotFound, PaymentRequired
from autoclip.service.projects.service import list_projects
from autoclip.service.studio.catalog import text
from autoclip.service.studio.forms import field_message, field_of, problem_text
from autoclip.service.studio.reasons import in_words
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in

router = APIRouter()
Field = Annotated[str, Form()]
RECENT = 10
MAX_FILE = 4 * 2**20  # a hundred lines of the longest texts fit


@dataclass
class Check:
    """What the form's lines would make: each line's refusal, and the estimate."""

    lines: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    credits: int = 0
    cost_usd: float = 0.0
    balance: int | None = None
    body: BatchCreate | None = None


def _form_page(
    request: Request, visit: Visitor, session: SessionDep, user: Caller, values: dict[str, str],
    check: Check | None = None, problem: str = "", status: int = 200,
) -> Response:  # fmt: skip
    projects, _ = list_projects(session, user, 1, 100)
    recent = [service.batch_out(session, b) for b in service.recent_batches(session, user, RECENT)]
    return page(request, visit, "batches.html", status=status, values=values, check=check,
                problem=problem, projects=projects, recent=recent, max_items=MAX_BATCH)  # fmt: skip


@router.get("/batches")
def batches_page(request: Request, visit: VisitDep, session: SessionDep) -> Response:
    user = signed_in(request, visit)
    return _form_page(request, visit, session, user, {"lines": "", "project_id": ""})


def _said(item: Mapping[str, Any], language: str) -> str:
    where = field_of(item.get("loc", ())[2:])
    return f"{where}: {field_message(item, language)}"


def check_lines(
    session: SessionDep, runtime: RuntimeDep, user: Caller, lines: str, project_id: str,
    language: str,
) -> Check:  # fmt: skip
    """Each line read as a content's JSON body, the whole validated as the API's batch
    request, and each item estimated as `POST /contents/estimate` would."""
    check = Check()
    items: list[Any] = []
    numbers: list[int] = []
    for number, line in enumerate(lines.splitlines(), start=1):
        if not line.strip():
            continue
        check.lines += 1
        try:
            items.append(json.loads(line))
            numbers.append(number)
        except ValueError:
            check.problems.append((number, text("batches.not_json", language)))
    if check.problems:
        return check
    if not items:
        check.problems.append((0, text("batches.empty", language)))
        return check
    try:
        body = BatchCreate.model_validate({"project_id": project_id or None, "items": items})
    except ValidationError as error:
        for found in error.errors():
            location = found.get("loc", ())
            if len(location) > 1 and location[0] == "items" and isinstance(location[1], int):
                check.problems.append((numbers[location[1]], _said(found, language)))
            elif location and location[0] == "items" and found["type"] == "too_long":
                check.problems.append((0, text("batches.too_many", language).format(
                    max=MAX_BATCH)))  # fmt: skip
            else:
                check.problems.append((0, field_message(found, language)))
        return check
    check.body = body
    for number, asked in zip(numbers, body.items, strict=True):
        # As create_batch does: an item naming no project is the batch's.
        if asked.project_id is None and body.project_id is not None:
            asked = asked.model_copy(update={"project_id": body.project_id})
        try:
            estimate = estimate_content(session, user, asked, runtime.settings)
        except InputError as error:
            said = in_words(error.message, language) or f"{error.field}: {error.message}"
            check.problems.append((number, said))
        except (AppError, ConfigurationError) as error:
            detail = error.detail if isinstance(error, AppError) else str(error)
            check.problems.append((number, in_words(detail, language) or detail))
        else:
            check.credits += estimate.credits
            check.cost_usd += estimate.estimated_cost_usd
            check.balance = estimate.balance
    return check


@router.post("/batches")
def submit(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    lines: Field = "",
    project_id: Field = "",
    step: Field = "check",
    file: Annotated[UploadFile | None, File()] = None,
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    language = visit.language
    if file is not None and file.filename:
        data = file.file.read(MAX_FILE + 1)
        try:
            if len(data) > MAX_FILE:
                raise UnicodeError
            lines = data.decode("utf-8-sig")
        except UnicodeError:
            values = {"lines": lines, "project_id": project_id}
            problem = text("batches.bad_file", language).format(mb=MAX_FILE // 2**20)
            return _form_page(request, visit, session, user, values, problem=problem, status=422)
        step = "check"  # an uploaded file is shown, checked, before it is made
    values = {"lines": lines, "project_id": project_id}
    check = check_lines(session, runtime, user, lines, project_id, language)
    if step != "make" or check.body is None:
        # Lines the estimate refuses are still a batch (those items are rejected, and
        # cost nothing); lines that are no content's body are not.
        status = 422 if check.body is None else 200
        return _form_page(request, visit, session, user, values, check, status=status)
    try:
        batch = service.create_batch(
            session, runtime.jobs, user, check.body, settings=runtime.settings,
            request_id=getattr(request.state, "request_id", None),
        )  # fmt: skip
    except NotFound:
        session.rollback()
        problem = text("field.choice", language)
        return _form_page(request, visit, session, user, values, check, problem, status=404)
    except PaymentRequired:
        session.rollback()
        problem = text("batches.no_credits", language).format(n=check.credits)
        return _form_page(request, visit, session, user, values, check, problem, status=402)
    except AppError as error:
        session.rollback()
        problem = problem_text(error, language)
        return _form_page(request, visit, session, user, values, check, problem, status=422)
    return see_other(f"/batches/{batch.id}")


def _own(session: SessionDep, user: Caller, batch_id: str) -> Any:
    try:
        return service.get_batch(session, user, uuid.UUID(batch_id))
    except (ValueError, NotFound):
        return None


@router.get("/batches/{batch_id}")
def batch_page(batch_id: str, request: Request, visit: VisitDep, session: SessionDep) -> Response:
    user = signed_in(request, visit)
    batch = _own(session, user, batch_id)
    if batch is None:
        return not_found(request, visit)
    shown = service.batch_out(session, batch)
    language = visit.language
    reasons = {
        item.index: in_words(item.error.message, language) or item.error.message
        for item in shown.items
        if item.error is not None
    }
    done = shown.summary.finished
    # Done as the API counts it (batches/service.py DONE): one waiting for review is not.
    finished = shown.summary.ready + shown.summary.failed + shown.summary.cancelled
    return page(request, visit, "batch.html", batch=shown, reasons=reasons, done=done,
                finished=finished)  # fmt: skip


@router.get("/batches/{batch_id}/progress")
def progress(batch_id: str, request: Request, visit: VisitDep, session: SessionDep) -> Response:
    """The batch's state now, for the page's script (the API's `GET /batches/{id}`
    answer; the page's session is its credential)."""
    user = signed_in(request, visit)
    batch = _own(session, user, batch_id)
    if batch is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    body = service.batch_out(session, batch).model_dump(mode="json")
    return JSONResponse(body, headers={"cache-control": "no-store"})
