"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from autoclip.service import models  # noqa: F401  (registers the tables)
from autoclip.service.db import Base, Database
from autoclip.service.migrate import alembic_config, is_current, upgrade


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
