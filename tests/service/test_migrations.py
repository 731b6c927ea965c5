"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from psycopg import sql
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url

from autoclip.service import models  # noqa: F401  (registers the tables)
from autoclip.service.db import Base, Database
from autoclip.service.migrate import alembic_config, is_current, upgrade
from autoclip.service.models import Content, GenerationRun, JobPhase, User


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{request.getfixturevalue('migrated_sqlite')}"
    return str(request.getfixturevalue("migrated_postgres"))


def test_models_and_migrations_agree(migrated_url: str) -> None:
    db = Database(migrated_url)
    try:
        assert is_current(db)
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == [], "a model changed without a migration"
    finally:
        db.dispose()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'cycle.db'}")
    try:
        upgrade(db)
        command.downgrade(alembic_config(db.url), "base")
        assert not is_current(db)
        upgrade(db)
        assert is_current(db)
    finally:
        db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (the carry-over test migrates it step by step)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'carry.db'}"
        return
    server = make_url(str(request.getfixturevalue("postgres_server_url")))
    name = f"autoclip_carry_{secrets.token_hex(4)}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_generation_runs_carry_the_job_state_over_and_back(fresh_url: str) -> None:
    """0006 moves each content's job state into its first run, and its downgrade back."""
    db = Database(fresh_url)
    config = alembic_config(db.url)
    user, project, content = (uuid.uuid4() for _ in range(3))
    expires = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    try:
        command.upgrade(config, "0005")
        with db.engine.begin() as connection:
            tables = MetaData()
            tables.reflect(connection, only=["users", "projects", "contents"])
            now = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
            connection.execute(
                tables.tables["users"].insert(),
                {"id": user.hex, "email": "carry@example.com", "name": "Carry",
                 "password_hash": "x", "plan_id": "free", "credit_balance": 3,
                 "is_active": True, "is_admin": False, "created_at": now},
            )  # fmt: skip
            connection.execute(
                tables.tables["projects"].insert(),
                {"id": project.hex, "user_id": user.hex, "name": "p", "description": "",
                 "vertical": "tech", "format": "9:16", "tone": "professional",
                 "language": "ko", "platforms": [], "is_default": True, "providers": {},
                 "require_review": False, "created_at": now, "updated_at": now},
            )  # fmt: skip
            connection.execute(
                tables.tables["contents"].insert(),
                {"id": content.hex, "user_id": user.hex, "project_id": project.hex,
                 "generation_type": "text", "source": "s", "language": "ko", "options": {},
                 "status": "processing", "progress": 40, "phase": "render",
                 "refresh_stages": ["render"], "attempts": 2, "revision": 3,
                 "lease_owner": "host:1/abc", "lease_expires_at": expires,
                 "request_id": "req-1", "credit_charged": True, "cost_usd": 0.0,
                 "created_at": now, "updated_at": now},
            )  # fmt: skip

        command.upgrade(config, "head")
        with db.session(write=False) as session:
            row = session.get(Content, content)
            assert row is not None
            assert row.run_id == content
            run = session.get(GenerationRun, content)
            assert run is not None
            assert (run.phase, run.refresh_stages, run.attempts, run.revision) == (
                JobPhase.RENDER, ["render"], 2, 3
            )  # fmt: skip
            assert (run.lease_owner, run.lease_expires_at) == ("host:1/abc", expires)
            assert run.request_id == "req-1"
            assert run.requested_at == row.created_at

        command.downgrade(config, "0005")
        with db.engine.connect() as connection:
            back = connection.execute(
                text("SELECT phase, attempts, revision, lease_owner FROM contents")
            ).one()
        assert tuple(back) == ("render", 2, 3, "host:1/abc")
    finally:
        db.dispose()


def test_existing_accounts_are_carried_over_as_verified(fresh_url: str) -> None:
    """0007: accounts made before email verification existed count as verified since they
    signed up (they already have their credits), so nobody is shut out by the upgrade."""
    db = Database(fresh_url)
    config = alembic_config(db.url)
    user = uuid.uuid4()
    signed_up = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    try:
        command.upgrade(config, "0006")
        with db.engine.begin() as connection:
            tables = MetaData()
            tables.reflect(connection, only=["users"])
            connection.execute(
                tables.tables["users"].insert(),
                {"id": user.hex, "email": "old@example.com", "name": "Old",
                 "password_hash": "x", "plan_id": "free", "credit_balance": 3,
                 "is_active": True, "is_admin": False, "created_at": signed_up},
            )  # fmt: skip
        command.upgrade(config, "head")
        with db.session(write=False) as session:
            row = session.get(User, user)
            assert row is not None
            assert row.email_verified_at == row.created_at == signed_up
        command.downgrade(config, "0006")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT email FROM users")).scalar() == (
                "old@example.com"
            )
    finally:
        db.dispose()
