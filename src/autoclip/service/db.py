"""Database engine and sessions: SQLite (WAL) embedded, PostgreSQL distributed.

SQLite needs one care: a transaction that reads and later writes can fail at once with
"database is locked" when another writer got in between (its lock cannot be upgraded
while waiting). Write transactions therefore start with `BEGIN IMMEDIATE`, which takes the
write lock up front and waits (busy_timeout) instead; read transactions stay deferred so
reads never wait for writers under WAL. A consequence to keep in mind: a write request
holds the lock for its whole unit of work, so code serving it must use the request's
session (savepoints for partial work), never open a second write session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    CursorResult,
    DateTime,
    Dialect,
    Engine,
    Executable,
    MetaData,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from autoclip.kit.private import create_private_file

if TYPE_CHECKING:
    from autoclip.service.models import Plan

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

M = TypeVar("M", bound=BaseModel)


log = logging.getLogger("autoclip.db")
T = TypeVar("T")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases (SQLite would hand back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class ModelJSON(TypeDecorator[M]):
    """A JSON column read and written as a Pydantic model (`model`): what is stored always
    has the model's shape."""

    impl = JSON
    cache_ok = True

    def __init__(self, model: type[M]) -> None:
        super().__init__()
        self.model = model

    def process_bind_param(self, value: M | dict[str, Any] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        # A plain dict (an UPDATE's values) is checked against the model on its way in.
        model = self.model.model_validate(value) if isinstance(value, dict) else value
        return model.model_dump(mode="json")

    def process_result_value(self, value: Any, dialect: Dialect) -> M | None:
        return None if value is None else self.model.model_validate(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], M | None]:
        if dialect.name != "sqlite":  # PostgreSQL's driver hands over the decoded JSON
            return super().result_processor(dialect, coltype)  # type: ignore[return-value]
        parse = self.model.model_validate_json

        # SQLite hands over the text: Pydantic parses and checks it in one pass, which a
        # page of rows (two such columns each) feels. JSON's own 'null' is None, as before.
        def process(value: str | None) -> M | None:
            return None if value is None or value == "null" else parse(value)

        return process


# Connections kept open: one per request the API lets in at once (app.IN_FLIGHT_LIMIT), so
# a busy server reuses them instead of opening and closing one per request; and a few
# more, opened when needed, for an in-process worker's threads, heartbeats and reconciler.
POOL_SIZE = 24
POOL_OVERFLOW = 6

# A PostgreSQL connection that can wait for ever is a worker or request that can hang for
# ever: libpq's default is no connect timeout at all. These bound connecting, notice a peer
# that vanished (keepalives on an idle connection; tcp_user_timeout for data sent and never
# acknowledged) and, server-side, a statement or lock wait that runs away. A setting already
# in the URL's query wins.
CONNECT_TIMEOUT_S = 10
STATEMENT_TIMEOUT_S = 120.0
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
               "keepalives_count": 3, "tcp_user_timeout": 30_000}  # fmt: skip


def postgres_connect_args(
    url: str, connect_timeout_s: int, statement_timeout_s: float
) -> dict[str, Any]:
    given = set(make_url(url).query)
    args: dict[str, Any] = {"connect_timeout": connect_timeout_s, **_KEEPALIVES}
    if statement_timeout_s > 0:
        args["options"] = f"-c statement_timeout={round(statement_timeout_s * 1000)}"
    return {name: value for name, value in args.items() if name not in given}


def make_engine(
    url: str,
    *,
    pool_size: int = POOL_SIZE,
    connect_timeout_s: int = CONNECT_TIMEOUT_S,
    statement_timeout_s: float = STATEMENT_TIMEOUT_S,
) -> Engine:
    if url.startswith("sqlite"):
        _create_private_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=POOL_OVERFLOW,
        )
        _sqlite_transactions(engine)
        return engine
    # pre_ping: a connection the server dropped (a restart, a failover) is replaced before
    # a request uses it, at one round trip per checkout.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=POOL_OVERFLOW,
        pool_pre_ping=True,
        connect_args=postgres_connect_args(url, connect_timeout_s, statement_timeout_s),
    )


def _create_private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file owner-only (0600) before SQLite does (0644).

    It holds every password hash and API-key hash. SQLite gives the -wal and -shm files it
    makes the database file's mode, so they are private too. An existing file keeps its
    mode (see kit/private.py); an in-memory database has no file; a missing folder is left
    for SQLite to report, as before.
    """
    parsed = make_url(url)
    name = parsed.database
    if not name or name == ":memory:" or name.startswith("file:") or parsed.query.get("uri"):
        return
    path = Path(name)
    if path.parent.is_dir():
        create_private_file(path)


def _sqlite_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("sqlite_write", False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif options.get("sqlite_snapshot", True):
            connection.exec_driver_sql("BEGIN")
        # else: no transaction, each statement reads on its own (Database.session).


def changed_rows(session: Session, statement: Executable) -> int:
    """Run an UPDATE/DELETE and say how many rows it changed (its WHERE decided)."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


AFTER_COMMIT = "after_commit"
PLANS = "plans"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once `session`'s unit of work has committed; never if it rolls back.

    This is how jobs are sent: a worker must never see an id its transaction has not made.
    A callback that raises is logged, not raised: the commit stands whatever follows it.
    """
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def retry_unreachable(call: Callable[[], T], seconds: float, what: str) -> T:
    """Run `call`, a whole unit of work (it opens and commits its own session), again while
    the database cannot be reached (a restart or failover drops every connection and
    refuses new ones for seconds), waiting 0.5 s doubling to 5 s, for up to `seconds`.

    For a job's records: its stage runs and its outcome. Without this, a write that met
    the restart ended the job, and its content waited for its lease to run out (a minute)
    to be done again. The lease's heartbeat goes on meanwhile, so `seconds` up to a lease
    keeps the job its own; the writes are conditional on that lease anyway."""
    deadline = time.monotonic() + seconds
    wait = 0.5
    while True:
        try:
            return call()
        except OperationalError as error:
            if time.monotonic() + wait > deadline:
                raise
            log.warning("%s: database unreachable (%s); trying again in %.1f s",
                        what, type(error.orig or error).__name__, wait)  # fmt: skip
            time.sleep(wait)
            wait = min(wait * 2, 5.0)


class Database:
    """Owns the engine; hands out sessions whose commit or rollback it decides."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = POOL_SIZE,
        connect_timeout_s: int = CONNECT_TIMEOUT_S,
        statement_timeout_s: float = STATEMENT_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.engine = make_engine(
            url,
            pool_size=pool_size,
            connect_timeout_s=connect_timeout_s,
            statement_timeout_s=statement_timeout_s,
        )
        self.is_sqlite = url.startswith("sqlite")
        # The plans, by id: seeded by migration, so read once per process and kept. Every
        # session carries this dict in its `info` (billing.repository.CreditRepository.plan).
        self.plans: dict[str, Plan] = {}
        info = {PLANS: self.plans}
        self._reader = sessionmaker(self.engine, expire_on_commit=False, info=info)
        writer_bind = self.engine.execution_options(sqlite_write=True)
        self._writer = sessionmaker(writer_bind, expire_on_commit=False, info=info)
        statement_bind = self.engine.execution_options(
            **({"sqlite_snapshot": False} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"})
        )
        self._statement_reader = sessionmaker(statement_bind, expire_on_commit=False, info=info)

    @contextmanager
    def session(self, *, write: bool = True, snapshot: bool = True) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises.

        `snapshot=False`, for a read: no transaction around it, so each statement reads
        the latest committed rows on its own (what PostgreSQL's READ COMMITTED gives every
        read anyway), and a read of one statement saves the BEGIN and the COMMIT (two
        round trips to PostgreSQL). Never for a write."""
        session = self.open(write=write, snapshot=snapshot)
        try:
            yield session
        except BaseException:
            self.finish(session, commit=False)
            raise
        self.finish(session, commit=True)

    def open(self, *, write: bool = True, snapshot: bool = True) -> Session:
        """A unit of work to `finish`. No I/O: the session connects when first used."""
        if write:
            if not snapshot:
                raise ValueError("a write is one transaction: snapshot=False is for reads")
            return self._writer()
        return (self._reader if snapshot else self._statement_reader)()

    def finish(self, session: Session, *, commit: bool) -> None:
        """Commit (then run the after-commit callbacks) or roll back, and close."""
        try:
            if commit:
                session.commit()
        except BaseException:
            commit = False
            raise
        finally:
            if not commit:
                session.rollback()
            callbacks = session.info.pop(AFTER_COMMIT, []) if commit else []
            session.info.pop(AFTER_COMMIT, None)
            session.close()
        for callback in callbacks:
            try:
                callback()
            except Exception:
                # Committed is committed: a send to a broker that is down must not turn a
                # change that happened (a content created and charged) into an error its
                # client would retry. The database stays the truth; the reconciler re-sends
                # what a failed send left waiting.
                log.exception("after-commit step failed; the committed change stands")

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
