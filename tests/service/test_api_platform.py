"""What operators rely on: health and readiness, metrics, request ids, rate limits, the
OpenAPI document, and problem JSON even for a crash."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from autoclip.service.app import create_app
from autoclip.service.models import Content, GenerationRun, Plan, User
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings
from ratelimits import frozen_rate_limits
from service.conftest import sign_up

TEXT = (
    "수면은 건강의 기본입니다. 매일 같은 시간에 잠자리에 들면 몸의 리듬이 안정됩니다. "
    "잠들기 전에 화면을 멀리하면 깊은 잠을 잘 수 있습니다."
)
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
PROBLEM_JSON = "application/problem+json"


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def sample(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_health_and_ready(client: TestClient) -> None:
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "queue": "ok", "storage": "ok"},
    }


def test_not_ready_without_storage(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Credentials present (so no instance-metadata lookups), endpoint closed.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings = make_settings(
        storage_url="s3://autoclip-media", s3_endpoint_url=f"http://127.0.0.1:{closed_port()}"
    )
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            assert client.get("/health").status_code == 200  # alive, but not ready
            ready = client.get("/ready")
            assert ready.status_code == 503, ready.text
            body = ready.json()
            assert body["status"] == "not ready"
            assert body["checks"]["database"] == "ok"
            assert body["checks"]["queue"] == "ok"
            assert body["checks"]["storage"].startswith("unavailable")
    finally:
        runtime.close()


def test_metrics(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    me = client.get("/api/v1/users/me", headers=auth)
    assert me.headers["X-RateLimit-Limit"] == "60"  # the free plan's
    assert me.headers["X-RateLimit-Remaining"] == "59"
    assert 1 <= int(me.headers["X-RateLimit-Reset"]) <= 60
    assert "Retry-After" not in me.headers
    ids = []
    for _ in range(3):
        made = client.post(
            "/api/v1/contents", json={"generation_type": "text", "text": TEXT}, headers=auth
        )
        assert made.status_code == 202, made.text
        ids.append(made.json()["id"])
    assert client.get(f"/api/v1/contents/{ids[0]}", headers=auth).status_code == 200
    assert client.get(f"/api/v1/contents/{uuid.uuid4()}", headers=auth).status_code == 404
    assert client.post(f"/api/v1/contents/{ids[2]}/cancel", headers=auth).status_code == 200
    assert client.get("/no/such/route").status_code == 404

    found = samples(client)
    route = "/api/v1/contents/{content_id}"
    service = "autoclip-api"
    assert sample(found, "http_requests_total", service=service, method="GET", route=route,
                  status="200") == 1.0  # fmt: skip
    assert sample(found, "http_requests_total", service=service, method="GET", route=route,
                  status="404") == 1.0  # fmt: skip
    assert sample(found, "http_requests_total", service=service, method="POST",
                  route="/api/v1/contents", status="202") == 3.0  # fmt: skip
    assert sample(found, "http_requests_total", service=service, method="POST",
                  route="/api/v1/contents/{content_id}/cancel", status="200") == 1.0  # fmt: skip
    assert sample(found, "http_requests_total", service=service, method="GET",
                  route="unmatched", status="404") == 1.0  # fmt: skip
    # Raw ids never become label values (one series per content would swamp Prometheus).
    assert not any(ids[0] in value for (_, labels) in found for _, value in labels)
    assert sample(found, "http_request_duration_seconds_count", service=service, method="GET",
                  route=route) == 2.0  # fmt: skip
    # Read from the broker: all three messages wait, the cancelled content's too (a worker
    # drops it when it comes); nothing waits for a render.
    assert sample(found, "bull_waiting_count", queue="content-generation") == 3.0
    assert sample(found, "bull_waiting_count", queue="render") == 0.0
    # The metrics endpoint itself is counted, under its own template.
    assert client.get("/metrics").text.count('route="/metrics"') >= 1


def test_request_ids(client: TestClient, runtime: Runtime) -> None:
    for given in ("trace-42.abc:XYZ_1", "x" * 64):
        echoed = client.get("/health", headers={"X-Request-ID": given})
        assert echoed.headers["X-Request-ID"] == given
    seen = set()
    for bad in (b"", b"has spaces", b"x" * 65, b"semi;colon", "ü".encode()):
        response = client.get("/health", headers={"X-Request-ID": bad})
        made = response.headers["X-Request-ID"]
        assert made.encode() != bad
        assert len(made) == 32
        seen.add(made)
    assert len(seen) == 5  # a new one each time
    # Errors carry one too: auth, validation, routing.
    for response in (
        client.get("/api/v1/users/me"),
        client.post("/api/v1/auth/register", json={}),
        client.get("/api/v1/nothing-here"),
        client.delete("/health"),
    ):
        assert response.headers["content-type"].startswith(PROBLEM_JSON), response.text
        assert len(response.headers["X-Request-ID"]) == 32
    assert client.delete("/health").status_code == 405

    # The id is kept with the content the request made (the longest sane one fits).
    auth = sign_up(client)
    longest = "r" * 64
    made = client.post(
        "/api/v1/contents",
        json={"generation_type": "text", "text": TEXT},
        headers={**auth, "X-Request-ID": longest},
    )
    assert made.status_code == 202, made.text
    assert made.headers["X-Request-ID"] == longest
    with runtime.db.session(write=False) as session:
        stored = session.get(Content, uuid.UUID(made.json()["id"]))
        assert stored is not None
        assert stored.run_id is not None
        run = session.get(GenerationRun, stored.run_id)
        assert run is not None
        assert run.request_id == longest


@pytest.fixture
def slow_free_plan(runtime: Runtime) -> Iterator[int]:
    """The free plan at 3 requests a minute; put back afterwards (the plans table outlives
    a test on PostgreSQL)."""
    with runtime.db.session() as session:
        plan = session.get(Plan, "free")
        assert plan is not None
        before = plan.requests_per_minute
        plan.requests_per_minute = 3
    runtime.plans.clear()  # plans are cached for the process's life
    yield 3
    with runtime.db.session() as session:
        session.execute(update(Plan).where(Plan.id == "free").values(requests_per_minute=before))
    runtime.plans.clear()


def test_rate_limit_when_exceeded(
    client: TestClient, runtime: Runtime, slow_free_plan: int
) -> None:
    other = sign_up(client)
    with frozen_rate_limits(runtime):
        remaining = []
        for _ in range(3):
            allowed = client.get("/api/v1/users/me", headers=other)
            assert allowed.status_code == 200, allowed.text
            assert allowed.headers.get_list("X-RateLimit-Limit") == ["3"]
            assert "Retry-After" not in allowed.headers
            remaining.append(allowed.headers["X-RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]

        refused = client.get("/api/v1/users/me", headers=other)
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"].startswith(PROBLEM_JSON)
        assert refused.json()["type"].endswith("/rate-limited")
        for name in (
            "Retry-After",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
        ):
            assert len(refused.headers.get_list(name)) == 1, (name, refused.headers)
        assert refused.headers["X-RateLimit-Limit"] == "3"
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["Retry-After"] == refused.headers["X-RateLimit-Reset"]
        assert refused.headers["X-Request-ID"]
        # Writes are limited the same way, and nothing is charged for a refused one.
        write = client.post(
            "/api/v1/contents", json={"generation_type": "text", "text": TEXT}, headers=other
        )
        assert write.status_code == 429
    with runtime.db.session(write=False) as session:
        balances = set(session.scalars(select(User.credit_balance)))
    assert balances == {3}


def test_anonymous_rate_limit(client: TestClient, runtime: Runtime) -> None:
    with frozen_rate_limits(runtime):
        body = {"refresh_token": "x" * 43}
        for _ in range(30):
            assert client.post("/api/v1/auth/refresh", json=body).status_code == 401
        refused = client.post("/api/v1/auth/refresh", json=body)
        assert refused.status_code == 429, refused.text
        assert refused.headers["X-RateLimit-Limit"] == "30"
        assert int(refused.headers["Retry-After"]) >= 1
        # Logins from the same address share the budget.
        login = client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x"})
        assert login.status_code == 429
    # Health, readiness and metrics are never limited.
    assert client.get("/health").status_code == 200


def test_openapi_and_docs(client: TestClient) -> None:
    document = client.get("/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    assert spec["info"]["title"] == "AutoClip API"
    paths = spec["paths"]
    for path, methods in {
        "/api/v1/auth/register": {"post"},
        "/api/v1/auth/login": {"post"},
        "/api/v1/auth/refresh": {"post"},
        "/api/v1/auth/logout": {"post"},
        "/api/v1/users/me": {"get"},
        "/api/v1/api-keys": {"get", "post"},
        "/api/v1/api-keys/{key_id}": {"delete"},
        "/api/v1/projects": {"get", "post"},
        "/api/v1/projects/{project_id}": {"get", "patch", "delete"},
        "/api/v1/contents": {"get", "post"},
        "/api/v1/contents/{content_id}": {"get", "delete"},
        "/api/v1/contents/{content_id}/cancel": {"post"},
        "/api/v1/contents/{content_id}/regenerate": {"post"},
        "/api/v1/contents/{content_id}/jobs": {"get"},
        "/api/v1/contents/{content_id}/events": {"get"},
        "/api/v1/analytics/credits": {"get"},
        "/api/v1/files/{key}": {"get"},
        "/health": {"get"},
        "/ready": {"get"},
        "/metrics": {"get"},
    }.items():
        assert path in paths, sorted(paths)
        assert methods <= set(paths[path]), (path, paths[path])
    assert "202" in paths["/api/v1/contents"]["post"]["responses"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_crash_is_problem_json(client: TestClient) -> None:
    app = client.app
    assert hasattr(app, "add_api_route")

    def explode() -> None:
        raise RuntimeError("secret internals")

    async def explode_async() -> None:
        raise ValueError("more secret internals")

    app.add_api_route("/api/v1/explode", explode)
    app.add_api_route("/api/v1/explode-async", explode_async)
    for path in ("/api/v1/explode", "/api/v1/explode-async"):
        crash = client.get(path, headers={"X-Request-ID": "crash-1"})
        assert crash.status_code == 500
        assert crash.headers["content-type"].startswith(PROBLEM_JSON)
        assert crash.headers["X-Request-ID"] == "crash-1"
        body = crash.json()
        assert body["status"] == 500
        assert body["instance"] == path
        assert "crash-1" in body["detail"]
        assert "secret" not in crash.text
        generated = client.get(path)
        assert generated.status_code == 500
        assert generated.headers["X-Request-ID"] in generated.json()["detail"]
    found = samples(client)
    assert sample(found, "http_requests_total", service="autoclip-api", method="GET",
                  route="/api/v1/explode", status="500") == 2.0  # fmt: skip


def test_unknown_fields_are_refused_everywhere(client: TestClient) -> None:
    auth = sign_up(client)
    for method, path, body in (
        ("POST", "/api/v1/projects", {"name": "p", "extra": 1}),
        ("POST", "/api/v1/api-keys", {"name": "k", "scopes": ["all"]}),
        ("POST", "/api/v1/auth/logout", {"refresh_token": "x" * 43, "all": True}),
        ("POST", "/api/v1/contents", {"generation_type": "text", "text": TEXT, "priority": 9}),
    ):
        response = client.request(method, path, json=body, headers=auth)
        assert response.status_code == 422, (path, response.text)
        errors = response.json()["errors"]
        assert errors
        assert all(set(e) == {"field", "message"} for e in errors)
