"""Alembic environment: the URL comes from the caller (`autoclip db upgrade`), never a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from autoclip.service import models  # noqa: F401  (registers the tables)
from autoclip.service.db import CONNECT_TIMEOUT_S, Base, postgres_connect_args

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    # Connecting is bounded like everywhere (db.py); statements are not: a migration may
    # rightly run long on a big table.
    connect_args = (
        postgres_connect_args(url, CONNECT_TIMEOUT_S, statement_timeout_s=0)
        if url.startswith("postgres")
        else {}
    )
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
        connect_args=connect_args,
    )
    with connectable.connect() as connection:
        # SQLite cannot ALTER most things in place: batch mode rebuilds tables instead.
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
