"""What every studio route shares: the visitor, the signed-in check, form checks, answers."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from autoclip.service.auth.callers import Caller
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.studio.render import page
from autoclip.service.studio.session import (
    CSRF_HEADER,
    Visitor,
    anonymous_visitor,
    form_ok,
    visitor,
)


def get_visit(request: Request, runtime: RuntimeDep, session: SessionDep) -> Visitor:
    return visitor(request, runtime, session)


VisitDep = Annotated[Visitor, Depends(get_visit)]


# Paths whose unknown addresses keep the API's JSON answer.
NOT_PAGES = ("/api/", "/docs", "/openapi.json", "/health", "/metrics", "/static/")


class LoginRequired(Exception):
    """A page for signed-in users asked for without a session: off to the log-in page."""

    def __init__(self, then: str) -> None:
        super().__init__(then)
        self.then = then


def signed_in(request: Request, visit: Visitor) -> Caller:
    if visit.user is None:
        then = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(then)
    return visit.user


def safe_next(value: str | None, default: str = "/") -> str:
    """A path on this site to go to after a form, never another site's address."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    return value


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def forged(request: Request, visit: Visitor) -> HTMLResponse:
    return page(request, visit, "message.html", status=403, heading="error.csrf", body=None)


def form_refused(
    request: Request, runtime: RuntimeDep, visit: Visitor, token: str | None
) -> HTMLResponse | None:
    """The answer to a post without this browser's anti-forgery token, else None."""
    token = token or request.headers.get(CSRF_HEADER)
    return None if form_ok(runtime, visit, token) else forged(request, visit)


def not_found(request: Request, visit: Visitor) -> HTMLResponse:
    return page(request, visit, "not_found.html", status=404)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _log_in_first(request: Request, error: LoginRequired) -> Response:
        return see_other(f"/login?next={quote(error.then, safe='/')}")

    # An address that is nowhere: for a browser (outside the API, the docs and the
    # operators' paths) the studio's "not found" page in its language; everything else
    # keeps the API's problem answer.
    api_answer = app.exception_handlers[StarletteHTTPException]

    async def _not_found(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        path = request.url.path
        if error.status_code != 404 or path.startswith(NOT_PAGES):
            answer: Response = await api_answer(request, error)  # type: ignore[misc]
            return answer
        visit = anonymous_visitor(request, request.app.state.runtime)
        return page(request, visit, "not_found.html", status=404)

    app.add_exception_handler(StarletteHTTPException, _not_found)
