"""Accounts over HTTP: registration, login and lockout, refresh rotation, logout, API keys."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from autoclip.service.models import ApiKey, RefreshToken, User
from autoclip.service.runtime import Runtime
from service.conftest import sign_up

PASSWORD = "correct horse 1"
PROBLEM_JSON = "application/problem+json"
CHEAP = pytest.mark.usefixtures("cheap_password_hashing")  # not about the hash's cost


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.com"


def register(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    response: httpx.Response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": "Lee"}
    )
    return response


def login(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    response: httpx.Response = client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    return response


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("https://")
    assert body["instance"].startswith("/")
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, body


def test_register_validation_and_duplicates(client: TestClient, runtime: Runtime) -> None:
    email = new_email()
    made = register(client, email.upper())
    assert made.status_code == 201, made.text
    user = made.json()
    assert user["email"] == email  # stored lowercased
    assert user["plan_id"] == "free"
    assert user["credit_balance"] == 3
    assert "password" not in user
    assert "password_hash" not in user

    assert_problem(register(client, email), 409, "email")
    assert_problem(register(client, "not-an-email"), 422, "email")
    assert_problem(register(client, new_email(), "short"), 422, "password")
    assert_problem(
        client.post("/api/v1/auth/register", json={"email": new_email(), "password": PASSWORD}),
        422,
        "name",
    )
    unknown = client.post(
        "/api/v1/auth/register",
        json={"email": new_email(), "password": PASSWORD, "name": "Lee", "is_admin": True},
    )
    assert_problem(unknown, 422, "is_admin")

    # Only an Argon2id hash is kept, never the password.
    with runtime.db.session(write=False) as session:
        stored = session.execute(select(User.password_hash).where(User.email == email)).scalar()
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106's profile
    assert PASSWORD not in stored


@CHEAP
def test_login_good_and_bad(client: TestClient) -> None:
    email = new_email()
    assert register(client, email).status_code == 201
    good = login(client, email.upper())  # the email is matched case-insensitively
    assert good.status_code == 200, good.text
    tokens = good.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    me = client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email

    wrong = login(client, email, "wrong password")
    assert_problem(wrong, 401)
    unknown = login(client, new_email())
    assert_problem(unknown, 401)
    assert wrong.json()["detail"] == unknown.json()["detail"]  # nothing to probe
    assert_problem(
        client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD, "x": 1}),
        422,
        "x",
    )


def failed_logins(runtime: Runtime, email: str) -> int:
    with runtime.db.session(write=False) as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one()
    return user.failed_logins


@CHEAP
def test_lockout_after_five_failures(client: TestClient, runtime: Runtime) -> None:
    email = new_email()
    assert register(client, email).status_code == 201
    limit = runtime.settings.auth.max_failed_logins
    # Failures below the limit are forgotten by a good login.
    for _ in range(limit - 1):
        assert_problem(login(client, email, "wrong password"), 401)
    assert failed_logins(runtime, email) == limit - 1
    assert login(client, email).status_code == 200
    assert failed_logins(runtime, email) == 0

    for _ in range(limit):
        assert_problem(login(client, email, "wrong password"), 401)
    locked = login(client, email)  # the right password is refused while locked
    assert_problem(locked, 423)
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= runtime.settings.auth.lockout_minutes * 60 + 1
    assert_problem(login(client, email, "wrong password"), 423)

    # Once the lock has passed, the right password works again.
    with runtime.db.session() as session:
        session.execute(update(User).where(User.email == email).values(locked_until=None))
    assert login(client, email).status_code == 200
    with runtime.db.session(write=False) as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one()
        assert user.failed_logins == 0
        assert user.locked_until is None


@CHEAP
def test_refresh_rotation_and_reuse_detection(client: TestClient, runtime: Runtime) -> None:
    email = new_email()
    assert register(client, email).status_code == 201
    first = login(client, email).json()

    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/users/me", headers=bearer(second["access_token"])).is_success

    third = client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200, third.text
    latest = third.json()["refresh_token"]

    # Replaying a used token: refused, and its whole family is revoked (the newest too).
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(replay, 401)
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": latest}), 401)
    with runtime.db.session(write=False) as session:
        rows = session.scalars(select(RefreshToken)).all()
    assert len(rows) == 3
    assert all(row.revoked_at is not None for row in rows)

    # Another login starts a new family that works.
    fresh = login(client, email).json()
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert again.status_code == 200, again.text
    unknown = client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 43})
    assert_problem(unknown, 401)
    assert_problem(client.post("/api/v1/auth/refresh", json={}), 422, "refresh_token")


@CHEAP
def test_logout_revokes_the_refresh_token(client: TestClient) -> None:
    email = new_email()
    assert register(client, email).status_code == 201
    tokens = login(client, email).json()
    refresh = tokens["refresh_token"]
    auth = bearer(tokens["access_token"])

    assert_problem(client.post("/api/v1/auth/logout", json={"refresh_token": refresh}), 401)
    out = client.post("/api/v1/auth/logout", json={"refresh_token": refresh}, headers=auth)
    assert out.status_code == 204, out.text
    assert out.content == b""
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}), 401)


@CHEAP
def test_me_needs_a_valid_token(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    assert client.get("/api/v1/users/me", headers=auth).status_code == 200

    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer ak_not-a-real-key"},
        {"Authorization": auth["Authorization"][:-2] + "xx"},  # tampered signature
    ):
        response = client.get("/api/v1/users/me", headers=headers)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.headers["X-Request-ID"]

    # A well-signed token of a user that does not exist, or of a deactivated user.
    stranger = runtime.signer.access_token(uuid.uuid4())
    assert_problem(client.get("/api/v1/users/me", headers=bearer(stranger)), 401)
    with runtime.db.session() as session:
        session.execute(update(User).values(is_active=False))
    assert_problem(client.get("/api/v1/users/me", headers=auth), 401)


@CHEAP
def test_api_keys(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    made = client.post("/api/v1/api-keys", json={"name": "ci"}, headers=auth)
    assert made.status_code == 201, made.text
    created = made.json()
    key = created["key"]
    assert key.startswith("ak_")
    assert len(key) > 40
    assert key.startswith(created["prefix"])
    assert created["revoked_at"] is None

    listed = client.get("/api/v1/api-keys", headers=auth)
    assert listed.status_code == 200, listed.text
    [shown] = listed.json()
    assert shown["id"] == created["id"]
    assert shown["prefix"] == created["prefix"]
    assert "key" not in shown
    assert key not in listed.text
    with runtime.db.session(write=False) as session:
        stored = session.get(ApiKey, uuid.UUID(created["id"]))
        assert stored is not None
        assert stored.key_hash != key
        assert key not in stored.key_hash

    # The key is a Bearer credential for writes and reads alike. (Its first use is a
    # write: recording that use must not wait on the request's own SQLite write lock.)
    project = client.post("/api/v1/projects", json={"name": "by key"}, headers=bearer(key))
    assert project.status_code == 201, project.text
    me = client.get("/api/v1/users/me", headers=bearer(key))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == client.get("/api/v1/users/me", headers=auth).json()["email"]
    with runtime.db.session(write=False) as session:
        stored = session.get(ApiKey, uuid.UUID(created["id"]))
        assert stored is not None
        assert stored.last_used_at is not None

    assert_problem(client.post("/api/v1/api-keys", json={"name": ""}, headers=auth), 422, "name")
    assert_problem(client.post("/api/v1/api-keys", json={"name": "x"}), 401)

    revoked = client.delete(f"/api/v1/api-keys/{created['id']}", headers=auth)
    assert revoked.status_code == 204, revoked.text
    assert_problem(client.get("/api/v1/users/me", headers=bearer(key)), 401)
    [after] = client.get("/api/v1/api-keys", headers=auth).json()
    assert after["revoked_at"] is not None
    assert_problem(client.delete(f"/api/v1/api-keys/{uuid.uuid4()}", headers=auth), 404)
    assert_problem(client.delete("/api/v1/api-keys/not-a-uuid", headers=auth), 422, "key_id")
