"""Request context as plain ASGI middleware: a request id in and out, metrics by route
template, and the rate-limit headers a dependency decided on."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autoclip.service.logs import request_id_var
from autoclip.service.metrics import ApiMetrics
from autoclip.service.problems import problem

REQUEST_ID = "X-Request-ID"
# At most 64: the id is stored with the content it created (a 64-character column; a
# longer one failed that insert on PostgreSQL).
_GOOD_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNGATED_PATHS = frozenset({"/health", "/metrics"})
MAINTENANCE_RETRY_AFTER = 300
log = logging.getLogger("autoclip.api")
access = logging.getLogger("autoclip.api.access")


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics, maintenance: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.maintenance = maintenance

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _GOOD_ID.match(given) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        began = time.perf_counter()
        status = 500
        context = request_id_var.set(request_id)
        # Counted under route="maintenance", which the error-rate alert leaves out.
        refused = self.maintenance and scope["method"] not in READ_METHODS

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                state["response_started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                present = {name.lower() for name, _ in headers}
                for name, value in state.get("rate_headers", {}).items():
                    if name.lower().encode() not in present:  # a 429 carries its own
                        headers.append((name.lower().encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        try:
            if refused:
                await _read_only(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error", extra={"requestId": request_id})
            if status != 500 or state.get("response_started"):
                raise
            # Answered here rather than by Starlette's outermost handler, so that even a
            # crash carries the request id the operator will search the logs for.
            crash = problem(
                500,
                "Internal error",
                f"an unexpected error occurred; quote request id {request_id}",
                type_slug="internal-error",
                instance=scope.get("path", ""),
            )
            await crash(scope, receive, send_with_headers)
        finally:
            template = "maintenance" if refused else _route_template(scope)
            seconds = time.perf_counter() - began
            self.metrics.observe(scope["method"], template, status, seconds)
            access.info(
                "%s %s %s",
                scope["method"],
                template,
                status,
                extra={
                    "method": scope["method"],
                    "route": template,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            request_id_var.reset(context)


async def _read_only(scope: Scope, receive: Receive, send: Send) -> None:
    """MAINTENANCE_MODE: every change is refused for now; reads and health go on."""
    answer = problem(
        503,
        "Maintenance",
        "AutoClip is in maintenance: reading works, changes are refused for now",
        type_slug="maintenance",
        instance=scope.get("path", ""),
        headers={"Retry-After": str(MAINTENANCE_RETRY_AFTER)},
    )
    await answer(scope, receive, send)


def _route_template(scope: Scope) -> str:
    """The matched route's full path template (`/api/v1/contents/{content_id}`).

    FastAPI now includes routers by reference: `scope["route"]` is the route as its own
    router declared it (`/contents/{content_id}`, no prefixes); the full template is on the
    effective route context it records. Older versions copied routes with full paths.
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(scope.get("route"), "path", None)
    return str(template) if template else "unmatched"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ConcurrencyGate:
    """Holds requests in the event loop before they take a worker thread or a connection.

    FastAPI runs each sync dependency and endpoint on its threadpool (40 threads), and a
    request keeps its pooled database connection from authentication to its commit, which
    needs a thread again. With more requests in flight than threads or connections, the
    waiting ones can hold every thread while the ones holding connections wait for a thread:
    a deadlock until a timeout. At most `limit` requests (below both) go in at once; the
    rest wait here, cheaply. With SQLite, changes also go in one at a time: it has one
    writer, and a writer waiting for the lock inside would hold a thread. `/health`,
    `/metrics` and event streams pass untouched.
    """

    def __init__(self, app: ASGIApp, limit: int, one_writer: bool) -> None:
        self.app = app
        self._slots = asyncio.Semaphore(limit)
        self._writer = asyncio.Lock() if one_writer else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        # Probes must answer under any load; an event stream lasts as long as its
        # generation and would hold a slot for all that time (it takes a thread only for
        # a moment per poll).
        if scope["type"] != "http" or path in UNGATED_PATHS or path.endswith("/events"):
            await self.app(scope, receive, send)
            return
        async with self._slots:
            if self._writer is None or scope["method"] in READ_METHODS:
                await self.app(scope, receive, send)
                return
            async with self._writer:
                await self.app(scope, receive, send)
