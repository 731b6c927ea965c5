"""Accounts over HTTP: registration, login and its throttle, refresh rotation, logout, API keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from autoclip.service.auth.callers import CallerCache
from autoclip.service.models import ApiKey, RefreshToken, User
from autoclip.service.runtime import Runtime
from service.conftest import sign_up, verify_email

PASSWORD = "correct horse 1"
PROBLEM_JSON = "application/problem+json"
CHEAP = pytest.mark.usefixtures("cheap_password_hashing")  # not about the hash's cost


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.com"


def register(
    client: TestClient, email: str, password: str = PASSWORD, *, confirm: bool = True
) -> httpx.Response:
    """Sign up; with `confirm`, also use the link mailed for it (as its owner would)."""
    response: httpx.Response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": "Lee"}
    )
    if confirm and response.status_code == 202:
        verify_email(client, email)
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
    made = register(client, email.upper(), confirm=False)
    assert made.status_code == 202, made.text
    answer = made.json()
    assert answer["email"] == email  # stored lowercased
    assert PASSWORD not in str(answer)
    assert "open the link" in answer["detail"]
    # No sign-in, and no credits, before the email is confirmed (test_email_verification.py).
    assert_problem(login(client, email), 403)
    verify_email(client, email)
    me = client.get("/api/v1/users/me", headers=bearer(login(client, email).json()["access_token"]))
    assert me.json()["plan_id"] == "free"
    assert me.json()["credit_balance"] == 3
    assert me.json()["email_verified_at"] is not None

    # An email that has an account gets the very same answer: nothing tells them apart.
    again = register(client, email, "another long passphrase 9", confirm=False)
    assert (again.status_code, again.json()) == (202, answer)
    assert login(client, email, "another long passphrase 9").status_code == 401
    with runtime.db.session(write=False) as session:
        assert session.scalars(select(User).where(User.email == email)).all()  # one row
    assert_problem(register(client, "not-an-email", confirm=False), 422, "email")
    assert_problem(register(client, new_email(), "short", confirm=False), 422, "password")
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
@pytest.mark.parametrize(
    "password",
    [
        "password",
        "12345678",
        "password1",
        "qwertyuiop",
        "iloveyou2024!",
        "비밀번호1234",
        "{email}",  # the account's own email
        "{local}2024",  # its name part
        "Seojun Park1",  # its name
    ],
)
def test_guessable_passwords_are_refused(client: TestClient, password: str) -> None:
    email = f"seojun{uuid.uuid4().hex[:6]}@example.com"
    password = password.format(email=email, local=email.split("@")[0])
    refused = client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "name": "Seojun Park"},
    )
    assert_problem(refused, 422, "password")
    assert "too easy to guess" in refused.json()["detail"]


@CHEAP
def test_passwords_are_kept_exactly_as_typed(client: TestClient) -> None:
    email = new_email()
    spaced = "  correct horse 1  "
    assert register(client, email, spaced).status_code == 202
    assert_problem(login(client, email, PASSWORD), 401)
    assert login(client, email, spaced).status_code == 200


@CHEAP
def test_login_good_and_bad(client: TestClient) -> None:
    email = new_email()
    assert register(client, email).status_code == 202
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


def login_from(client: TestClient, address: str, email: str, password: str) -> httpx.Response:
    with TestClient(client.app, client=(address, 40000)) as other:
        return login(other, email, password)


@CHEAP
@pytest.mark.parametrize("known", [True, False], ids=["known email", "unknown email"])
def test_failed_logins_slow_the_guesser_not_the_owner(
    client: TestClient, runtime: Runtime, known: bool
) -> None:
    email = new_email()
    if known:
        assert register(client, email).status_code == 202
    limit = runtime.settings.auth.max_failed_logins
    # Typos below the limit are forgiven by a good login from that client.
    for _ in range(limit - 1):
        assert_problem(login_from(client, "203.0.113.5", email, "wrong password"), 401)
    if known:
        assert login_from(client, "203.0.113.5", email, PASSWORD).status_code == 200

    answers = [login_from(client, "203.0.113.9", email, "wrong password") for _ in range(limit)]
    assert all(a.status_code == 401 for a in answers), [a.text for a in answers]
    throttled = login_from(client, "203.0.113.9", email, PASSWORD)
    assert_problem(throttled, 429)  # that client waits, right password or not
    retry_after = int(throttled.headers["Retry-After"])
    assert 0 < retry_after <= runtime.settings.auth.lockout_minutes * 60
    # The owner, from anywhere else, is not locked out; an unknown email looks the same.
    fresh = login_from(client, "198.51.100.7", email, PASSWORD)
    assert fresh.status_code == (200 if known else 401), fresh.text
    # IPv6: one subscriber's /64 is one client.
    for address in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"):
        for _ in range(2):
            login_from(client, address, email, "wrong password")
    assert_problem(login_from(client, "2001:db8:1:2::ffff", email, PASSWORD), 429)


@CHEAP
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    make_settings: Any,
) -> None:
    from autoclip.service.app import create_app
    from autoclip.service.runtime import build_runtime

    runtime = build_runtime(make_settings(trusted_proxies="10.0.0.0/8"))
    try:
        app = create_app(runtime, run_worker=False)
        with TestClient(app, client=("10.1.1.1", 1)) as proxy:
            email = new_email()
            assert register(proxy, email).status_code == 202

            def attempt(peer_is_proxy: bool, forwarded: str) -> httpx.Response:
                peer = "10.1.1.1" if peer_is_proxy else "192.0.2.50"
                with TestClient(app, client=(peer, 1)) as caller:
                    response: httpx.Response = caller.post(
                        "/api/v1/auth/login",
                        json={"email": email, "password": "wrong password"},
                        headers={"X-Forwarded-For": forwarded},
                    )
                    return response

            limit = runtime.settings.auth.max_failed_logins
            # Through the proxy, one client (whatever it prepends) is throttled alone...
            for _ in range(limit):
                assert attempt(True, "6.6.6.6, 198.51.100.1").status_code == 401
            assert attempt(True, "7.7.7.7, 198.51.100.1").status_code == 429
            # ...and another client behind the same proxy is not.
            assert attempt(True, "198.51.100.2").status_code == 401
            # A caller that is not our proxy cannot pick its address with the header.
            for n in range(limit):
                assert attempt(False, f"198.51.100.{10 + n}").status_code == 401
            assert attempt(False, "198.51.100.99").status_code == 429
            # TLS ended at our proxy still counts as TLS (HSTS); a stranger's claim does not.
            for peer, hsts in (("10.1.1.1", True), ("192.0.2.50", False)):
                with TestClient(app, client=(peer, 1)) as caller:
                    seen = caller.get("/health", headers={"X-Forwarded-Proto": "https"})
                assert ("strict-transport-security" in seen.headers) is hsts, peer
    finally:
        runtime.close()


@CHEAP
def test_refresh_rotation_and_reuse_detection(client: TestClient, runtime: Runtime) -> None:
    email = new_email()
    assert register(client, email).status_code == 202
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
    assert register(client, email).status_code == 202
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

    # A well-signed token of a user that does not exist, or of a deactivated user: the
    # deactivation reaches the API once its cached view of the caller is older than the
    # cache allows (a few seconds), here moved on by a fake clock.
    stranger = runtime.signer.access_token(uuid.uuid4(), datetime.now(UTC))
    assert_problem(client.get("/api/v1/users/me", headers=bearer(stranger)), 401)
    now = [0.0]
    runtime.callers = CallerCache(5.0, clock=lambda: now[0])
    assert client.get("/api/v1/users/me", headers=auth).status_code == 200
    with runtime.db.session() as session:
        session.execute(update(User).values(is_active=False))
    now[0] = 4.9
    assert client.get("/api/v1/users/me", headers=auth).status_code == 200
    now[0] = 5.1
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


@CHEAP
def test_api_key_scopes_expiry_and_minting(client: TestClient, runtime: Runtime) -> None:
    email = new_email()
    assert register(client, email).status_code == 202
    auth = bearer(login(client, email).json()["access_token"])
    made = client.post(
        "/api/v1/api-keys", json={"name": "reader", "scopes": ["read"]}, headers=auth
    )
    assert made.status_code == 201, made.text
    reader = made.json()
    assert reader["scopes"] == ["read"]
    expires = datetime.fromisoformat(reader["expires_at"])
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    # A read-only key reads, and is refused every change.
    assert client.get("/api/v1/projects", headers=bearer(reader["key"])).status_code == 200
    refused = client.post("/api/v1/projects", json={"name": "x"}, headers=bearer(reader["key"]))
    assert_problem(refused, 403)
    # No key makes keys.
    writer = client.post("/api/v1/api-keys", json={"name": "w"}, headers=auth).json()
    assert_problem(
        client.post("/api/v1/api-keys", json={"name": "y"}, headers=bearer(writer["key"])), 403
    )
    never = client.post(
        "/api/v1/api-keys", json={"name": "forever", "expires_in_days": None}, headers=auth
    )
    assert never.json()["expires_at"] is None
    bad_keys: list[dict[str, Any]] = [{"scopes": []}, {"scopes": ["admin"]}, {"expires_in_days": 0}]
    for bad in bad_keys:
        assert (
            client.post("/api/v1/api-keys", json={"name": "b", **bad}, headers=auth).status_code
            == 422
        )

    # An expired key stops working.
    with runtime.db.session() as session:
        session.execute(
            update(ApiKey)
            .where(ApiKey.id == uuid.UUID(writer["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert_problem(client.get("/api/v1/users/me", headers=bearer(writer["key"])), 401)

    # A token from a sign-in long ago (refreshed since) needs the password to make a key.
    stale = bearer(
        runtime.signer.access_token(me_id(client, auth), datetime.now(UTC) - timedelta(hours=1))
    )
    again = client.post("/api/v1/api-keys", json={"name": "late"}, headers=stale)
    assert_problem(again, 403, "password")
    assert again.json()["type"].endswith("reauthentication-required")
    wrong = client.post(
        "/api/v1/api-keys", json={"name": "late", "password": "wrong password"}, headers=stale
    )
    assert_problem(wrong, 403, "password")
    right = client.post(
        "/api/v1/api-keys", json={"name": "late", "password": PASSWORD}, headers=stale
    )
    assert right.status_code == 201, right.text


@CHEAP
def test_refreshed_tokens_keep_their_sign_in_time(client: TestClient, runtime: Runtime) -> None:
    email = new_email()
    assert register(client, email).status_code == 202
    first = login(client, email).json()
    signed_in = runtime.signer.read_access_token(first["access_token"])
    assert signed_in is not None
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    claims = runtime.signer.read_access_token(refreshed.json()["access_token"])
    assert claims is not None
    assert abs((claims.auth_time - signed_in.auth_time).total_seconds()) <= 1


@CHEAP
def test_logout_everywhere(client: TestClient) -> None:
    email = new_email()
    assert register(client, email).status_code == 202
    sessions = [login(client, email).json() for _ in range(2)]
    auth = bearer(sessions[0]["access_token"])
    key = client.post("/api/v1/api-keys", json={"name": "k"}, headers=auth).json()["key"]
    out = client.post("/api/v1/auth/logout-all", json={}, headers=auth)
    assert out.json() == {"sessions_ended": 2}
    for tokens in sessions:
        refresh = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert_problem(refresh, 401)
    assert client.get("/api/v1/users/me", headers=bearer(key)).status_code == 200  # kept
    client.post("/api/v1/auth/logout-all", json={"api_keys": True}, headers=auth)
    assert_problem(client.get("/api/v1/users/me", headers=bearer(key)), 401)


def me_id(client: TestClient, auth: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get("/api/v1/users/me", headers=auth).json()["id"])


@CHEAP
def test_password_change(client: TestClient, runtime: Runtime) -> None:
    email = new_email()
    assert register(client, email).status_code == 202
    this_device = login(client, email).json()
    other_device = login(client, email).json()
    auth = bearer(this_device["access_token"])
    url = "/api/v1/users/me/password"

    wrong = client.post(url, headers=auth, json={"current_password": "nope",
                                                 "new_password": "violet lantern 42"})  # fmt: skip
    assert_problem(wrong, 403, "current_password")
    assert wrong.json()["type"].endswith("/wrong-password")
    weak = client.post(url, headers=auth, json={"current_password": PASSWORD,
                                                "new_password": "password1"})  # fmt: skip
    assert_problem(weak, 422, "new_password")
    same = client.post(url, headers=auth, json={"current_password": PASSWORD,
                                                "new_password": PASSWORD})  # fmt: skip
    assert_problem(same, 422, "new_password")
    assert_problem(client.post(url, json={"current_password": PASSWORD,
                                          "new_password": "violet lantern 42"}), 401)  # fmt: skip

    change = {"current_password": PASSWORD, "new_password": "violet lantern 42"}
    changed = client.post(url, headers=auth, json=change)
    assert changed.status_code == 200, changed.text
    tokens = changed.json()
    assert client.get("/api/v1/users/me", headers=bearer(tokens["access_token"])).status_code == 200
    # Every other session ended: both earlier refresh tokens are refused; the new one works.
    for earlier in (this_device, other_device):
        refused = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": earlier["refresh_token"]}
        )
        assert_problem(refused, 401)
    renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    assert_problem(login(client, email), 401)
    assert login(client, email, "violet lantern 42").status_code == 200


@CHEAP
def test_password_change_guesses_are_throttled_like_sign_ins(
    client: TestClient, runtime: Runtime
) -> None:
    email = new_email()
    assert register(client, email).status_code == 202
    auth = bearer(login(client, email).json()["access_token"])
    guess = {"current_password": "a guess", "new_password": "violet lantern 42"}
    for _ in range(runtime.settings.auth.max_failed_logins):
        assert_problem(client.post("/api/v1/users/me/password", headers=auth, json=guess), 403)
    right = {**guess, "current_password": PASSWORD}
    throttled = client.post("/api/v1/users/me/password", headers=auth, json=right)
    assert_problem(throttled, 429)
    assert int(throttled.headers["Retry-After"]) > 0
    assert_problem(login(client, email), 429)  # the same count as the sign-in's
