"""Service fixtures: a migrated database (SQLite or PostgreSQL), a runtime, an API client.

`backend` runs a test on SQLite (the embedded default) and again on PostgreSQL with the
Redis-backed rate limiter (distributed). The PostgreSQL database is migrated once per
session and emptied between tests; SQLite gets a fresh copy of a migrated file.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select, text, update

from autoclip.providers.config import OpenAIConfig
from autoclip.service.app import create_app
from autoclip.service.billing.plans import PLANS
from autoclip.service.db import Base, Database
from autoclip.service.migrate import upgrade
from autoclip.service.models import Plan, User
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings, WorkerSettings

KEEP_TABLES = {"plans", "alembic_version"}


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "autoclip.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server_url: str) -> str:
    db = Database(postgres_server_url)
    upgrade(db)
    db.dispose()
    return postgres_server_url


def empty_postgres(url: str) -> None:
    db = Database(url)
    names = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        # Tests may change a plan (a low rate limit): put the seeded plans back.
        for plan in PLANS:
            connection.execute(update(Plan).where(Plan.id == plan["id"]).values(**plan))
    db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_settings(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> Callable[..., Settings]:
    """Settings for this test's backend; keyword arguments override fields."""

    def make(**overrides: Any) -> Settings:
        fields: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "secret_key": "test-secret-key-" + uuid.uuid4().hex,
            # A lease long enough that a worker slowed by parallel test processes keeps it
            # (3 s lost one under load 15); no test here waits for one to run out.
            "worker": WorkerSettings(lease_seconds=10, reconcile_seconds=0.5, retry_base_seconds=0),
        }
        if backend == "sqlite":
            target = tmp_path / "data" / "autoclip.db"
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(request.getfixturevalue("migrated_sqlite"), target)
        else:
            url = request.getfixturevalue("migrated_postgres")
            empty_postgres(url)
            redis_url = request.getfixturevalue("redis_server_url")
            Redis.from_url(redis_url).flushdb()
            fields |= {"database_url": url, "redis_url": redis_url}
        fields |= overrides
        return Settings(**fields)

    return make


# An OpenAI-compatible server that takes no key, named by its base URL (as a local Ollama
# would be): what makes the `openai` chains count as configured without a key. Nothing
# listens there; the tests that use it never let a worker call it.
LOCAL_OPENAI = OpenAIConfig(base_url="http://127.0.0.1:9")


@pytest.fixture
def runtime(make_settings: Callable[..., Settings]) -> Iterator[Runtime]:
    built = build_runtime(make_settings())
    yield built
    built.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """The API with no worker: contents stay queued, so API behaviour is tested alone."""
    with TestClient(create_app(runtime, run_worker=False)) as api:
        yield api


JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


def mailed_tokens(runtime: Runtime, email: str) -> list[str]:
    """The verification tokens mailed to `email` so far, oldest first, read from the outbox
    the service writes mail to when no mail server is configured (the default)."""
    runtime.mail.wait_idle(timeout=30)
    found = []
    for path in sorted((runtime.settings.outbox_dir).glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == email.lower():
            found += JWT.findall(message.get_body().get_content())  # type: ignore[union-attr]
    return found


def verify_email(client: TestClient, email: str) -> None:
    """Confirm `email` the way its owner would: the token from the mail, to the API."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    tokens = mailed_tokens(runtime, email)
    assert tokens, f"no verification mail to {email}"
    verified = client.post("/api/v1/auth/verify", json={"token": tokens[-1]})
    assert verified.status_code == 200, verified.text


def sign_up(
    client: TestClient, email: str | None = None, password: str = "correct horse 1"
) -> dict[str, str]:
    """Register, confirm the email and log in a new user; return the Authorization header."""
    email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
    made = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": "Kim"}
    )
    assert made.status_code == 202, made.text
    verify_email(client, email)
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """New passwords hashed with Argon2id at its cheapest (1 pass, 1 MiB) for tests that are
    not about passwords: sign-up and login stay real, but cost milliseconds, not a second
    on a busy machine. (Verification reads the parameters from the hash itself.)"""
    monkeypatch.setattr("autoclip.service.auth.service.hash_password", _CHEAP_HASHER.hash)


def forget_callers(runtime: Runtime) -> None:
    """After a test changes users' rows behind the API's back: the API reads them again
    (the code that changes a plan or a right does the same for its user)."""
    with runtime.db.session(write=False) as session:
        for user_id in session.scalars(select(User.id)):
            runtime.callers.forget(user_id)
