"""Projects, API keys, usage and credits, and the account: each through the service
functions (or the route functions themselves) of the API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from autoclip.errors import InputError
from autoclip.options import Aspect, Language, Tone, Vertical
from autoclip.service.auth import service as auth
from autoclip.service.auth.repository import ApiKeyRepository
from autoclip.service.auth.schemas import ApiKeyOut, NewApiKey, PasswordChange
from autoclip.service.auth.throttle import LoginThrottle
from autoclip.service.billing.endpoints import credits as credits_of
from autoclip.service.billing.usage import daily_usage
from autoclip.service.db import utcnow
from autoclip.service.deps import RuntimeDep, SessionDep, client_of
from autoclip.service.problems import (
    AppError,
    NotFound,
    ReauthenticationRequired,
    TooManyRequests,
    WrongPassword,
)
from autoclip.service.projects import service as projects
from autoclip.service.projects.schemas import ProjectCreate, ProjectOut, ProjectUpdate
from autoclip.service.studio.catalog import text
from autoclip.service.studio.chart import cost_chart
from autoclip.service.studio.forms import input_error, problem_text, validation_errors
from autoclip.service.studio.render import page
from autoclip.service.studio.session import end_session, start_session
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in

router = APIRouter()
Field = Annotated[str, Form()]
CHART_DAYS = 30


# -- projects ------------------------------------------------------------------------------


def _projects_page(
    request: Request, visit: VisitDep, session: SessionDep, values: dict[str, str],
    errors: dict[str, str], status: int = 200, notice: str = "",
) -> Response:  # fmt: skip
    user = signed_in(request, visit)
    rows, _ = projects.list_projects(session, user, 1, 100)
    shown = [ProjectOut.model_validate(row) for row in rows]
    return page(
        request, visit, "projects.html", status=status, projects=shown, values=values,
        errors=errors, notice=notice, verticals=list(Vertical), tones=list(Tone),
        aspects=list(Aspect), languages=list(Language),
    )  # fmt: skip


@router.get("/projects")
def projects_page(
    request: Request, visit: VisitDep, session: SessionDep, notice: str = ""
) -> Response:
    shown = notice if notice == "projects.saved" else ""
    defaults = {"language": visit.language, "format": "9:16"}
    return _projects_page(request, visit, session, defaults, {}, notice=shown)


def _project_values(
    name: str, description: str, vertical: str, tone: str, format: str, language: str,
    review: str,
) -> dict[str, Any]:  # fmt: skip
    return {
        "name": name, "description": description, "vertical": vertical, "tone": tone,
        "format": format, "language": language, "require_review": bool(review),
    }  # fmt: skip


@router.post("/projects")
def create_project(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Field = "",
    description: Field = "",
    vertical: Field = "tech",
    tone: Field = "professional",
    format: Field = "9:16",
    language: Field = "ko",
    require_review: Field = "",
    project_id: Field = "",
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    values = _project_values(name, description, vertical, tone, format, language, require_review)
    try:
        if project_id:
            target = uuid.UUID(project_id)
            projects.update_project(session, user, target, ProjectUpdate(**values))
        else:
            projects.create_project(session, user, ProjectCreate(**values))
    except ValidationError as error:
        shown = {k: str(v) for k, v in values.items()} | {"project_id": project_id}
        errors = validation_errors(error, visit.language)
        return _projects_page(request, visit, session, shown, errors, status=422)
    except (ValueError, NotFound):
        return not_found(request, visit)
    return see_other("/projects?notice=projects.saved")


class _NotANumber(Exception):
    """A key's days that are not a whole number."""


# -- API keys ------------------------------------------------------------------------------


def _keys(session: SessionDep, user_id: uuid.UUID) -> list[ApiKeyOut]:
    rows = ApiKeyRepository(session).of_user(user_id)
    return [ApiKeyOut.model_validate(k) for k in rows]


@router.get("/keys")
def keys_page(request: Request, visit: VisitDep, session: SessionDep) -> Response:
    user = signed_in(request, visit)
    return page(request, visit, "keys.html", keys=_keys(session, user.id), created=None,
                errors={}, problem="", name="")  # fmt: skip


@router.post("/keys")
def create_key(  # nosec B107 # an empty form field by default, not a password
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Field = "",
    read_only: Field = "",
    expires_in_days: Field = "90",
    password: Field = "",
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    assert visit.credential is not None
    errors: dict[str, str] = {}
    problem = ""
    created = None
    days = expires_in_days.strip()
    try:
        if days and not days.isdigit():
            raise _NotANumber()
        data = NewApiKey(
            name=name,
            scopes=["read"] if read_only else ["read", "write"],
            # The API takes a JSON number; a form sends text.
            expires_in_days=int(days) if days else None,
            password=password or None,
        )
        _key, created = auth.create_api_key(
            session, user, data, visit.credential, runtime.settings.auth
        )
    except ValidationError as error:
        errors = validation_errors(error, visit.language)
    except _NotANumber:
        errors = {"expires_in_days": text("field.invalid", visit.language)}
    except ReauthenticationRequired:
        errors = {"password": text("keys.reauth", visit.language)}
    except AppError as error:
        problem = problem_text(error, visit.language)
    session.flush()
    return page(request, visit, "keys.html", status=201 if created else 422,
                keys=_keys(session, user.id), created=created, errors=errors,
                problem=problem, name="" if created else name)  # fmt: skip


@router.post("/keys/{key_id}/revoke")
def revoke_key(
    key_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    try:
        auth.revoke_api_key(session, user, uuid.UUID(key_id))
    except (ValueError, NotFound):
        return not_found(request, visit)
    return see_other("/keys")


# -- usage and credits ---------------------------------------------------------------------


@router.get("/usage")
def usage_page(request: Request, visit: VisitDep, session: SessionDep) -> Response:
    user = signed_in(request, visit)
    credits = credits_of(user, session, limit=100)
    end = utcnow().date()
    start = end - timedelta(days=CHART_DAYS - 1)
    report = daily_usage(session, user.id, start, end)
    chart = cost_chart(report, start, CHART_DAYS)
    return page(request, visit, "usage.html", credits=credits, report=report, chart=chart,
                days=CHART_DAYS)  # fmt: skip


# -- account -------------------------------------------------------------------------------


def _account(
    request: Request, visit: VisitDep, session: SessionDep, errors: dict[str, str] | None = None,
    problem: str = "", notice: str = "", status: int = 200,
) -> Response:  # fmt: skip
    user = signed_in(request, visit)
    row = auth.user_row(session, user)
    return page(request, visit, "account.html", status=status, account=row, errors=errors or {},
                problem=problem, notice=notice)  # fmt: skip


@router.get("/account")
def account_page(
    request: Request, visit: VisitDep, session: SessionDep, notice: str = ""
) -> Response:
    shown = notice if notice == "account.password_changed" else ""
    return _account(request, visit, session, notice=shown)


@router.post("/account/password")
def change_password(  # nosec B107 # empty form fields by default, not passwords
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    current_password: Field = "",
    new_password: Field = "",
    csrf: Field = "",
) -> Response:
    """The API's password change: the current password asked for (wrong ones count as
    failed sign-ins), the sign-up's rules for the new one, every other session ended.
    This browser's session was one of them: it gets the new one."""
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    language = visit.language
    policy = runtime.settings.auth
    try:
        data = PasswordChange(current_password=current_password, new_password=new_password)
        tokens = auth.change_password(
            session, runtime.signer, policy, LoginThrottle(runtime.limiter, policy),
            client_of(request), user, data, browser=True,
        )  # fmt: skip
    except ValidationError as error:
        return _account(request, visit, session, validation_errors(error, language), status=422)
    except InputError as error:
        return _account(request, visit, session, input_error(error, language), status=422)
    except WrongPassword:
        errors = {"current_password": text("account.wrong_password", language)}
        return _account(request, visit, session, errors, status=403)
    except TooManyRequests as error:
        seconds = error.headers.get("Retry-After", "60")
        problem = text("login.locked", language).format(seconds=seconds)
        return _account(request, visit, session, problem=problem, status=429)
    answer = see_other("/account?notice=account.password_changed")
    start_session(answer, visit, tokens.refresh_token, policy.refresh_token_days)
    return answer


@router.post("/account/logout-all")
def logout_all(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    api_keys: Field = "",
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    auth.logout_everywhere(session, user, bool(api_keys))
    answer = see_other("/login?notice=login.logged_out")
    end_session(answer, visit)
    return answer
