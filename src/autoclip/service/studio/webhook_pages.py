"""Webhook endpoints (add, change the events, turn off and on, a new secret, delete) and
each one's delivery log with "send again": through webhooks/service.py and its repository,
as the API's routes do. A signing secret is shown once, on the answer that made it."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.models import WebhookEndpoint
from autoclip.service.problems import AppError, Conflict, Invalid, NotFound
from autoclip.service.schemas import MAX_PAGE
from autoclip.service.studio.catalog import text
from autoclip.service.studio.forms import problem_text, validation_errors
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in
from autoclip.service.webhooks import service
from autoclip.service.webhooks.events import EventType
from autoclip.service.webhooks.repository import WebhookRepository
from autoclip.service.webhooks.schemas import (
    DeliveryOut,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
)

router = APIRouter()
Field = Annotated[str, Form()]
Events = Annotated[list[str], Form()]
PER_PAGE = 25
NOTICES = ("webhooks.saved", "webhooks.deleted", "webhooks.redelivered")
PROBLEMS = {"disabled": "webhooks.disabled_refused"}
EVENTS = [e.value for e in EventType]


def _errors(error: ValidationError | AppError, language: str) -> tuple[dict[str, str], str]:
    """The API's refusal, on its field (said in words for the common ones) or on top."""
    if isinstance(error, ValidationError):
        errors = validation_errors(error, language)
        if "events" in errors:
            errors["events"] = text("webhooks.pick_event", language)
        return errors, ""
    if isinstance(error, Invalid) and error.field == "url":
        words = text("webhooks.url_refused", language)
        return {"url": words if language == "ko" else f"{words} ({error.detail})"}, ""
    if isinstance(error, Conflict) and "at most" in error.detail:
        return {}, text("webhooks.too_many", language)
    return {}, problem_text(error, language)


def _own(session: SessionDep, visit: Visitor, endpoint_id: str) -> WebhookEndpoint | None:
    assert visit.user is not None
    try:
        return service.get_endpoint(session, visit.user, uuid.UUID(endpoint_id))
    except (ValueError, NotFound):
        return None


# -- the list and a new endpoint -----------------------------------------------------------


def _list_page(  # nosec B107 # the secret to show once, empty by default; not a password
    request: Request, visit: Visitor, session: SessionDep, runtime: RuntimeDep,
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    problem: str = "", secret: str = "", notice: str = "", status: int = 200,
) -> Response:  # fmt: skip
    user = signed_in(request, visit)
    shown = [EndpointOut.model_validate(e) for e in WebhookRepository(session).endpoints(user.id)]
    return page(
        request, visit, "webhooks.html", status=status, endpoints=shown, events=EVENTS,
        values=values or {"url": "", "description": "", "events": []}, errors=errors or {},
        problem=problem, secret=secret, notice=notice,
    )  # fmt: skip


@router.get("/webhooks")
def webhooks_page(
    request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep,
    notice: str = "",
) -> Response:  # fmt: skip
    return _list_page(request, visit, session, runtime, notice=notice if notice in NOTICES else "")


@router.post("/webhooks")
def create_endpoint(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    url: Field = "",
    description: Field = "",
    events: Events = [],  # noqa: B006 # FastAPI copies a default; no events checked
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    values = {"url": url, "description": description, "events": events}
    try:
        data = EndpointCreate.model_validate(values)
        _, secret = service.create_endpoint(
            session, runtime.settings, runtime.sealer, user, data.url, data.events,
            data.description,
        )  # fmt: skip
    except (ValidationError, AppError) as error:
        session.rollback()
        errors, problem = _errors(error, visit.language)
        return _list_page(request, visit, session, runtime, values, errors, problem, status=422)
    session.flush()
    # The secret is on this answer only: a reload does not post again (no-store page).
    return _list_page(request, visit, session, runtime, secret=secret, status=201)


# -- one endpoint --------------------------------------------------------------------------


def _endpoint_page(  # nosec B107 # the secret to show once, empty by default
    request: Request, visit: Visitor, session: SessionDep, runtime: RuntimeDep,
    endpoint: WebhookEndpoint, page_number: int = 1, values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, problem: str = "", secret: str = "",
    notice: str = "", status: int = 200,
) -> Response:  # fmt: skip
    user = signed_in(request, visit)
    rows, total = WebhookRepository(session).deliveries(
        user.id, page_number, PER_PAGE, endpoint_id=endpoint.id
    )
    shown = EndpointOut.model_validate(endpoint)
    return page(
        request, visit, "webhook.html", status=status, endpoint=shown, events=EVENTS,
        deliveries=[DeliveryOut.model_validate(d) for d in rows], total=total,
        page_number=page_number, pages=max(1, math.ceil(total / PER_PAGE)),
        values=values or {"url": shown.url, "description": shown.description,
                          "events": shown.events},
        errors=errors or {}, problem=problem, secret=secret, notice=notice,
        overlap_hours=f"{runtime.settings.webhooks.rotation_overlap_hours:g}",
    )  # fmt: skip


@router.get("/webhooks/{endpoint_id}")
def endpoint_page(
    endpoint_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    notice: str = "",
    problem: str = "",
) -> Response:
    signed_in(request, visit)
    endpoint = _own(session, visit, endpoint_id)
    if endpoint is None:
        return not_found(request, visit)
    said = text(PROBLEMS[problem], visit.language) if problem in PROBLEMS else ""
    return _endpoint_page(request, visit, session, runtime, endpoint, page_number,
                          notice=notice if notice in NOTICES else "", problem=said)  # fmt: skip


def _change(
    request: Request, visit: Visitor, session: SessionDep, runtime: RuntimeDep,
    endpoint_id: str, csrf: str, changes: dict[str, Any],
) -> Response:  # fmt: skip
    """One change through the API's update rules; refused: the page with the errors."""
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    endpoint = _own(session, visit, endpoint_id)
    if endpoint is None:
        return not_found(request, visit)
    try:
        data = EndpointUpdate.model_validate(changes)
        service.update_endpoint(session, runtime.settings, user, endpoint.id,
                                data.model_dump(exclude_unset=True))  # fmt: skip
    except (ValidationError, AppError) as error:
        session.rollback()
        errors, problem = _errors(error, visit.language)
        endpoint = _own(session, visit, endpoint_id)
        assert endpoint is not None
        return _endpoint_page(request, visit, session, runtime, endpoint, values=changes,
                              errors=errors, problem=problem, status=422)  # fmt: skip
    return see_other(f"/webhooks/{endpoint.id}?notice=webhooks.saved")


@router.post("/webhooks/{endpoint_id}")
def update_endpoint(
    endpoint_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    url: Field = "",
    description: Field = "",
    events: Events = [],  # noqa: B006 # FastAPI copies a default; no events checked
    csrf: Field = "",
) -> Response:
    changes = {"url": url, "description": description, "events": events}
    return _change(request, visit, session, runtime, endpoint_id, csrf, changes)


@router.post("/webhooks/{endpoint_id}/enable")
def enable(
    endpoint_id: str, request: Request, visit: VisitDep, session: SessionDep,
    runtime: RuntimeDep, csrf: Field = "",
) -> Response:  # fmt: skip
    return _change(request, visit, session, runtime, endpoint_id, csrf, {"enabled": True})


@router.post("/webhooks/{endpoint_id}/disable")
def disable(
    endpoint_id: str, request: Request, visit: VisitDep, session: SessionDep,
    runtime: RuntimeDep, csrf: Field = "",
) -> Response:  # fmt: skip
    return _change(request, visit, session, runtime, endpoint_id, csrf, {"enabled": False})


@router.post("/webhooks/{endpoint_id}/rotate")
def rotate(
    endpoint_id: str, request: Request, visit: VisitDep, session: SessionDep,
    runtime: RuntimeDep, csrf: Field = "",
) -> Response:  # fmt: skip
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    endpoint = _own(session, visit, endpoint_id)
    if endpoint is None:
        return not_found(request, visit)
    endpoint, secret = service.rotate_secret(
        session, runtime.settings, runtime.sealer, user, endpoint.id
    )
    return _endpoint_page(request, visit, session, runtime, endpoint, secret=secret)


@router.post("/webhooks/{endpoint_id}/delete")
def delete(
    endpoint_id: str, request: Request, visit: VisitDep, session: SessionDep,
    runtime: RuntimeDep, csrf: Field = "",
) -> Response:  # fmt: skip
    signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    endpoint = _own(session, visit, endpoint_id)
    if endpoint is None:
        return not_found(request, visit)
    WebhookRepository(session).remove_endpoint(endpoint)
    return see_other("/webhooks?notice=webhooks.deleted")


@router.post("/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver")
def redeliver(
    endpoint_id: str, delivery_id: str, request: Request, visit: VisitDep,
    session: SessionDep, runtime: RuntimeDep, csrf: Field = "",
) -> Response:  # fmt: skip
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    endpoint = _own(session, visit, endpoint_id)
    if endpoint is None:
        return not_found(request, visit)
    try:
        target = uuid.UUID(delivery_id)
    except ValueError:
        return not_found(request, visit)
    found = WebhookRepository(session).owned_delivery(user.id, target)
    if found is None or found.endpoint_id != endpoint.id:
        return not_found(request, visit)
    try:
        service.redeliver(session, runtime.jobs, user, target)
    except Conflict:
        session.rollback()
        return see_other(f"/webhooks/{endpoint.id}?problem=disabled")
    return see_other(f"/webhooks/{endpoint.id}?notice=webhooks.redelivered")
