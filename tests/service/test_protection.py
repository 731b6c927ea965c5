"""What every request and response passes through: the request body limit (refused with
413 before it is read, also when streamed, without the server's memory growing) and the
security headers (every response, by path prefix; HSTS only over TLS)."""

from __future__ import annotations

import http.client
import json
import select
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy import select as sql_select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from autoclip.service.app import create_app
from autoclip.service.models import User
from autoclip.service.protection import BodyLimit, by_prefix
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import MAX_REQUEST_BYTES, Settings
from service.conftest import sign_up, verify_email
from service.test_api_concurrency import serve

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
# Neither the limit nor the headers depend on the database: SQLite alone.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
PROBLEM_JSON = "application/problem+json"
MiB = 1 << 20
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"


@pytest.fixture
def small_limit(make_settings: Callable[..., Settings]) -> Iterator[TestClient]:
    runtime = build_runtime(make_settings(max_request_bytes=4096))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            yield client
    finally:
        runtime.close()


def users(runtime: Runtime) -> int:
    with runtime.db.session(write=False) as session:
        return int(session.scalar(sql_select(func.count()).select_from(User)) or 0)


@SQLITE_ONLY
def test_a_declared_body_over_the_limit_is_refused_on_every_route(
    small_limit: TestClient,
) -> None:
    client = small_limit
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    big = json.dumps({"email": "a@example.com", "password": "x" * 5000, "name": "Kim"})
    for method, path in (
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/contents"),  # refused before authentication, too
        ("PUT", "/no/such/route"),
        ("GET", "/health"),
    ):
        response = client.request(
            method, path, content=big, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413, (path, response.text)
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        assert response.json()["type"].endswith("/request-too-large")
        assert "4096" in response.json()["detail"]
        assert response.headers["connection"] == "close"
        assert len(response.headers["X-Request-ID"]) == 32  # counted and traced like any
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert users(runtime) == 0
    # At the limit is fine.
    fits = {"email": "kim@example.com", "password": "correct horse 1", "name": "Kim"}
    padded = json.dumps(fits).encode()
    padded += b" " * (4096 - len(padded))
    made = client.post(
        "/api/v1/auth/register", content=padded, headers={"Content-Type": "application/json"}
    )
    assert made.is_success, made.text
    assert users(runtime) == 1


@SQLITE_ONLY
def test_the_default_limit_fits_the_longest_text(client: TestClient) -> None:
    assert Settings().max_request_bytes == MAX_REQUEST_BYTES == MiB
    auth = sign_up(client)
    # The longest text a content may have, in Hangul escaped as \uXXXX: 6 bytes a character.
    text = ("수면은 건강의 기본입니다. " * 4000)[:50_000]
    body = json.dumps({"generation_type": "text", "text": text}, ensure_ascii=True).encode()
    assert len(body) > 200_000
    made = client.post(
        "/api/v1/contents",
        content=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert made.status_code == 202, made.text


@dataclass
class Upload:
    status: int
    body: bytes
    sent: int
    peak_rss_growth: int


def _request_head(path: str, framing: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n"
    ).encode()


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, response.read()


def upload_chunked(base_url: str, path: str, total: int, chunk: int = 64 * 1024) -> Upload:
    """Stream `total` bytes as a chunked body, and stop once the server answers.

    The server's memory is sampled after every chunk (the server runs in this process), so
    a server that buffers the body shows even if it frees it at the end.
    """
    me = psutil.Process()
    baseline = peak = me.memory_info().rss
    host, port = base_url.removeprefix("http://").split(":")
    frame = f"{chunk:x}\r\n".encode() + b" " * chunk + b"\r\n"
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(_request_head(path, "Transfer-Encoding: chunked"))
        answered = select.poll()
        answered.register(sock, select.POLLIN)
        try:
            while sent < total and not answered.poll(0):
                sock.sendall(frame)
                sent += chunk
                peak = max(peak, me.memory_info().rss)
            if sent >= total:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        status, body = _read_response(sock)
    return Upload(status, body, sent, peak - baseline)


@SQLITE_ONLY
def test_a_streamed_body_is_cut_off_at_the_limit(client: TestClient) -> None:
    """A real server: the test client would buffer the whole body before the app runs."""
    app = client.app
    with serve(app) as base_url:
        upload_chunked(base_url, "/api/v1/auth/login", 4 * MiB)  # warm up: lazy imports etc.
        total = 50 * MiB
        upload = upload_chunked(base_url, "/api/v1/auth/login", total)
        assert upload.status == 413, upload.body
        problem = json.loads(upload.body)
        assert problem["type"].endswith("/request-too-large")
        assert problem["instance"] == "/api/v1/auth/login"
        # Stopped long before the end: what was sent is the limit plus the sockets' buffers.
        assert upload.sent < total // 2, upload.sent
        # Reading all of it took ~460 MB; now the body is never held.
        assert upload.peak_rss_growth < 24 * MiB, upload.peak_rss_growth
        assert httpx.get(f"{base_url}/health", timeout=30).status_code == 200


@SQLITE_ONLY
def test_a_declared_length_is_refused_before_the_body_is_sent(client: TestClient) -> None:
    with serve(client.app) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=15) as sock:
            # Only the head: a server that waited for the body would time out here.
            sock.sendall(_request_head("/api/v1/auth/login", f"Content-Length: {50 * MiB}"))
            status, body = _read_response(sock)
        assert status == 413, body
        assert json.loads(body)["type"].endswith("/request-too-large")


def test_a_path_prefix_can_have_its_own_limit() -> None:
    """For media uploads later: a larger limit on their prefix only."""

    async def size(request: Request) -> JSONResponse:
        return JSONResponse({"size": len(await request.body())})

    routes = [Route(p, size, methods=["POST"]) for p in ("/api/v1/contents", "/api/v1/media/x")]
    app = BodyLimit(Starlette(routes=routes), default=100, limits={"/api/v1/media": 10_000})
    with TestClient(app) as client:
        assert client.post("/api/v1/contents", content=b"x" * 100).json() == {"size": 100}
        assert client.post("/api/v1/contents", content=b"x" * 101).status_code == 413
        assert client.post("/api/v1/media/x", content=b"x" * 5000).json() == {"size": 5000}
        assert client.post("/api/v1/media/x", content=b"x" * 10_001).status_code == 413

        # Streamed: counted as it is read; the app's own answer to the failed read is dropped.
        def chunks() -> Iterator[bytes]:
            yield from (b"x" * 60, b"x" * 60)

        streamed = client.post("/api/v1/contents", content=chunks())
        assert streamed.status_code == 413
        assert streamed.json()["status"] == 413


def test_by_prefix_takes_the_longest_whole_segment_match() -> None:
    table = {"/": "studio", "/api/v1": "api", "/api/v1/media/": "media", "/docs": "docs"}
    assert by_prefix("/api/v1/media/abc", table, "none") == "media"
    assert by_prefix("/api/v1/media", table, "none") == "media"
    assert by_prefix("/api/v1/mediation", table, "none") == "api"
    assert by_prefix("/docs", table, "none") == "docs"
    assert by_prefix("/docsearch", table, "none") == "studio"
    assert by_prefix("/health", {"/api/v1": "api"}, "none") == "none"


def assert_secure(response: httpx.Response, csp: str = STRICT_CSP) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"] == csp
    assert len(headers.get_list("Content-Security-Policy")) == 1


@SQLITE_ONLY
def test_every_response_has_the_security_headers(client: TestClient) -> None:
    app = client.app
    assert hasattr(app, "add_api_route")

    def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/v1/explode", explode)
    responses = [
        client.get("/health"),
        client.get("/metrics"),
        client.get("/openapi.json"),
        client.get("/api/v1/no/such/route"),  # (a page address is the studio's: its policy)
        client.get("/api/v1/users/me"),  # 401
        client.post("/api/v1/auth/register", json={}),  # 422
        client.get("/api/v1/explode"),  # RequestContext's own 500
    ]
    for response in responses:
        assert_secure(response)
        # Plain HTTP: HSTS would be ignored, and would pin localhost to HTTPS for a year.
        assert "Strict-Transport-Security" not in response.headers


@SQLITE_ONLY
def test_token_and_api_responses_are_not_stored(client: TestClient) -> None:
    email = f"user-{uuid.uuid4().hex[:8]}@example.com"
    password = "correct horse 1"
    registered = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": "Kim"}
    )
    verify_email(client, email)
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    tokens = login.json()
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    auth = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    key = client.post("/api/v1/api-keys", json={"name": "ci"}, headers=auth)
    me = client.get("/api/v1/users/me", headers=auth)
    for response in (registered, login, refreshed, key, me):
        assert response.is_success, response.text
        assert response.headers["Cache-Control"] == "no-store", response.request.url
        assert_secure(response)


@SQLITE_ONLY
def test_hsts_only_over_tls(runtime: Runtime) -> None:
    app = create_app(runtime, run_worker=False)
    with TestClient(app, base_url="https://autoclip.example") as client:
        for path in ("/health", "/api/v1/users/me", "/docs"):
            response = client.get(path)
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@SQLITE_ONLY
def test_maintenance_refusals_have_the_headers_too(
    make_settings: Callable[..., Settings],
) -> None:
    runtime = build_runtime(make_settings(maintenance_mode=True))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            refused = client.post("/api/v1/auth/register", json={})
            assert refused.status_code == 503
            assert_secure(refused)
            assert refused.headers["Cache-Control"] == "no-store"
    finally:
        runtime.close()
