"""Errors as RFC 7807 problem JSON (`application/problem+json`).

Services raise `AppError` subclasses; one handler renders them. Validation errors name
each offending field as a dotted path (`options.aspect`), so a client can point at it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from autoclip.errors import ConfigurationError, InputError

PROBLEM_JSON = "application/problem+json"
DATABASE_RETRY_AFTER_S = 5  # a restart or failover takes seconds; the pool reconnects itself
log = logging.getLogger("autoclip.api")
# The field of each request body that is a tagged union (a content's generation_type):
# pydantic puts the member's tag in an error's location ("topic" in topic.options.voice),
# which is not a field the client sent.
UNION_TAGS = ("generation_type", "kind")
# What FastAPI says when a body cannot be read at all (not UTF-8, say): said plainly here.
_UNREADABLE_BODY = "There was an error parsing the body"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ProblemField(BaseModel):
    field: str | None = Field(description="The field, as a dotted path (options.voice).")
    message: str


class Problem(BaseModel):
    """Every error answer (RFC 9457 problem details, `application/problem+json`)."""

    type: str = Field(description="A URL naming the kind of problem.")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="The path that was asked for.")
    errors: list[ProblemField] | None = Field(
        default=None, description="The fields at fault, when the input was."
    )


class AppError(Exception):
    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers or {}


class NotFound(AppError):
    status, title, type_slug = 404, "Not found", "not-found"


class Unauthorized(AppError):
    status, title, type_slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str = "a valid bearer token or API key is required") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Conflict(AppError):
    status, title, type_slug = 409, "Conflict", "conflict"


class Invalid(AppError):
    status, title, type_slug = 422, "Invalid input", "validation-error"


class PaymentRequired(AppError):
    status, title, type_slug = 402, "Out of credits", "out-of-credits"


class Forbidden(AppError):
    status, title, type_slug = 403, "Forbidden", "forbidden"


class ReauthenticationRequired(Forbidden):
    title, type_slug = "Sign in again", "reauthentication-required"


class WrongPassword(Forbidden):
    title, type_slug = "Wrong password", "wrong-password"


class UnsupportedMediaType(AppError):
    status, title, type_slug = 415, "Unsupported media type", "unsupported-media-type"


class TooManyRequests(AppError):
    status, title, type_slug = 429, "Too many requests", "rate-limited"


class Unavailable(AppError):
    status, title, type_slug = 503, "Service unavailable", "unavailable"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_slug: str,
    instance: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://autoclip.dev/problems/{type_slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(location: tuple[Any, ...] | list[Any], body: object = None) -> str:
    # ("body", "options", "aspect") -> "options.aspect"; query/path keep their own name
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        in_body = parts[0] == "body"
        parts = parts[1:]
        # ("topic", "options", "voice"): "topic" is the member's tag, not a field
        tagged = isinstance(body, Mapping) and any(
            str(body.get(tag)) == parts[0] for tag in UNION_TAGS if parts
        )
        if in_body and len(parts) > 1 and tagged:
            parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_item(item: Mapping[str, Any], body: object) -> dict[str, Any]:
    """One error of a request's validation as the problem's `errors` show it."""
    context = item.get("ctx") or {}
    location = list(item.get("loc", ()))
    if item.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        # The union's tag itself is wrong or missing: the error is on that field.
        location.append(str(context.get("discriminator", "")).strip("'"))
        if item.get("type") == "union_tag_not_found":
            return {"field": _field_path(location), "message": "Field required"}
        choices = context.get("expected_tags", "")
        return {"field": _field_path(location), "message": f"Input should be one of {choices}"}
    return {"field": _field_path(location, body), "message": item.get("msg", "invalid")}


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """The methods some route answers at the scope's path, for a 405's `Allow`.

    Starlette's 405 names only the methods of the first route whose path matched, and
    every method of a path is its own route here (GET /contents/{id} and DELETE ...)."""
    return [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, error: AppError) -> JSONResponse:
        errors = [{"field": error.field, "message": error.detail}] if error.field else None
        return problem(
            error.status,
            error.title,
            error.detail,
            type_slug=error.type_slug,
            instance=request.url.path,
            errors=errors,
            headers=error.headers,
        )

    @app.exception_handler(InputError)
    async def _input_error(request: Request, error: InputError) -> JSONResponse:
        return problem(
            422,
            "Invalid input",
            str(error),
            type_slug="validation-error",
            instance=request.url.path,
            errors=[{"field": error.field, "message": error.message}],
        )

    @app.exception_handler(ConfigurationError)
    async def _configuration_error(request: Request, error: ConfigurationError) -> JSONResponse:
        return problem(
            422, "Not available", str(error), type_slug="not-configured",
            instance=request.url.path,
        )  # fmt: skip

    @app.exception_handler(OperationalError)
    async def _database_unreachable(request: Request, error: OperationalError) -> JSONResponse:
        # The database refused or dropped the connection (restarting, failing over): a
        # moment's outage, not a fault of the request, so 503 with a time to come back
        # rather than a 500. Its message names the server, so the client is not told it.
        log.warning("database unreachable: %s", str(error.orig or error).splitlines()[0])
        return problem(
            503,
            "Service unavailable",
            "the database is not answering; try again shortly",
            type_slug="unavailable",
            instance=request.url.path,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [_validation_item(item, error.body) for item in error.errors()]
        fields = ", ".join(e["field"] for e in errors)
        return problem(
            422,
            "Invalid input",
            f"invalid fields: {fields}",
            type_slug="validation-error",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app.router.routes, request.scope))
        if error.status_code == 400 and error.detail == _UNREADABLE_BODY:
            return problem(
                400,
                "Unreadable body",
                "the request body could not be read: send JSON, encoded as UTF-8",
                type_slug="unreadable-body",
                instance=request.url.path,
                errors=[{"field": "body", "message": "not JSON in UTF-8"}],
            )
        return problem(
            error.status_code,
            str(error.detail) if error.status_code != 404 else "Not found",
            str(error.detail),
            type_slug="http-error" if error.status_code != 404 else "not-found",
            instance=request.url.path,
            headers=headers,
        )
