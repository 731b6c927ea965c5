"""What every request and response passes through, as plain ASGI middleware: a limit on
the request body, and the security headers. Both are chosen by path prefix (the longest
matching prefix wins), so a part of the app with other needs gets its own entry: media
uploads a larger body limit, the future browser studio at `/` its own content policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autoclip.service.problems import problem

T = TypeVar("T")


def by_prefix(path: str, table: Mapping[str, T], default: T) -> T:
    """The entry of the longest prefix `path` is under (whole segments: `/docs` covers
    `/docs/assets/x`, not `/docsearch`), else `default`."""
    best: str | None = None
    for prefix in table:
        base = prefix.rstrip("/")
        under = path == base or path.startswith(base + "/")
        if under and (best is None or len(base) > len(best.rstrip("/"))):
            best = prefix
    return default if best is None else table[best]


class BodyTooLarge(Exception):
    """Raised to the app by `receive` once a streamed body passes its limit."""


class BodyLimit:
    """Refuses a request body over its path's limit with 413, before anything reads it.

    A declared Content-Length over the limit is answered at once: the app is never called,
    and the body never read (a client that sent `Expect: 100-continue` never sends it). A
    body without a length (chunked) is counted as the app reads it: the moment it passes the
    limit, the 413 goes out and the app's read fails, so nothing holds more than the limit
    plus one chunk (the server hands over at most 64 KiB at a time). The app's own answer
    to that failed read (FastAPI makes it a 400) is dropped: the client has its 413.

    The 413 says `Connection: close`, so the server stops reading the rest of the upload
    instead of draining it.
    """

    def __init__(self, app: ASGIApp, default: int, limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = by_prefix(path, self.limits, self.default)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, receive, send, limit)
            return
        received = 0
        started = answered = False

        async def counted_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started:
                        await _too_large(scope, receive, send, limit)
                        answered = True
                    raise BodyTooLarge(f"request body over {limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            if not answered:
                raise  # the app had started its response: only dropping the connection is left


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    answer = problem(
        413,
        "Request too large",
        f"the request body is over the limit of {limit} bytes",
        type_slug="request-too-large",
        instance=scope.get("path", ""),
        headers={"Connection": "close"},
    )
    await answer(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length; counting still applies
    return None


# JSON and other non-documents: nothing may be loaded, nothing may frame it.
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = (b"strict-transport-security", b"max-age=31536000")


@dataclass(frozen=True)
class HeaderPolicy:
    """The headers that depend on what a path serves."""

    content_security_policy: str = STRICT_CSP
    cache_control: str | None = None

    def headers(self) -> list[tuple[bytes, bytes]]:
        found = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", self.content_security_policy.encode()),
        ]
        if self.cache_control is not None:
            found.append((b"cache-control", self.cache_control.encode()))
        return found


# The API's answers hold tokens, keys and users' data: no cache may keep any of them.
API_HEADERS = HeaderPolicy(cache_control="no-store")


class SecurityHeaders:
    """Adds the security headers to every response, by the policy of its path's prefix.

    A header the response already carries is left as it is: an endpoint that sets its own
    (the event stream's Cache-Control) knows better. HSTS is sent only on a request that
    came over TLS (behind a trusted proxy, service/clients.py takes the scheme from
    X-Forwarded-Proto):
    over plain HTTP it would be ignored anyway, and on a local `autoclip serve` it would
    have the browser refuse plain HTTP to localhost for a year.
    """

    def __init__(
        self,
        app: ASGIApp,
        policies: Mapping[str, HeaderPolicy],
        default: HeaderPolicy | None = None,
    ) -> None:
        self.app = app
        self.policies = {prefix: policy.headers() for prefix, policy in policies.items()}
        self.default = (default or HeaderPolicy()).headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = by_prefix(scope.get("path", ""), self.policies, self.default)
        if scope.get("scheme") == "https":
            wanted = [*wanted, HSTS]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in wanted if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
