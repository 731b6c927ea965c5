"""Errors as RFC 7807 problem JSON (`application/problem+json`).

Services raise `AppError` subclasses; one handler renders them. Validation errors name
each offending field as a dotted path (`options.aspect`), so a client can point at it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from autoclip.errors import ConfigurationError, InputError

PROBLEM_JSON = "application/problem+json"
DATABASE_RETRY_AFTER_S = 5  # a restart or failover takes seconds; the pool reconnects itself
log = logging.getLogger("autoclip.api")


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


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "options", "aspect") -> "options.aspect"; query/path keep their own name
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


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
        errors = [
            {"field": _field_path(item.get("loc", ())), "message": item.get("msg", "invalid")}
            for item in error.errors()
        ]
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
        return problem(
            error.status_code,
            str(error.detail) if error.status_code != 404 else "Not found",
            str(error.detail),
            type_slug="http-error" if error.status_code != 404 else "not-found",
            instance=request.url.path,
            headers=dict(error.headers or {}),
        )
