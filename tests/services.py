"""Real PostgreSQL and Redis servers for the service tests.

Both fixtures use the servers the machine already runs (CI installs and starts them with
scripts/ensure-tools.sh). On a machine without them they start throwaway servers from the
installed binaries, and when even those are missing they fail, naming what to install: a
missing server is a broken test machine, never a skipped test.

Environment:
  AUTOCLIP_TEST_POSTGRES_URL  server to use (default postgresql://postgres@127.0.0.1:5432/postgres);
                              each session gets a new database there, dropped at the end
  AUTOCLIP_TEST_REDIS_URL     server to use (default redis://127.0.0.1:6379/0; its db is ignored)
  AUTOCLIP_TEST_REDIS_DB      database the tests own and flush (default 9)
"""

from __future__ import annotations

import contextlib
import getpass
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, unquote, urlsplit

import psycopg
import pytest
import redis
from psycopg import sql

POSTGRES_URL_ENV = "AUTOCLIP_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL_ENV = "AUTOCLIP_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_DB_ENV = "AUTOCLIP_TEST_REDIS_DB"
DEFAULT_REDIS_DB = 9
# Where Debian and Ubuntu put the server binaries (not on PATH there).
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
STARTUP_TIMEOUT = 60.0
POLL_INTERVAL = 0.1


def _fail(message: str) -> NoReturn:
    pytest.fail(message, pytrace=False)


def _wait_until(ready: Callable[[], bool], timeout: float = STARTUP_TIMEOUT) -> bool:
    """Poll `ready` (itself short-timed) until it returns True or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_INTERVAL)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- PostgreSQL ---------------------------------------------------------------------------


class _PgServer:
    """Where to reach a PostgreSQL server as a user that may create databases."""

    def __init__(self, host: str, port: int, user: str, password: str | None) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password

    def connect(self, dbname: str, timeout: int = 3) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname,
            connect_timeout=timeout,
            autocommit=True,
        )

    def sqlalchemy_url(self, dbname: str) -> str:
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql+psycopg://{auth}@{host}:{self.port}/{dbname}"


def _configured_postgres() -> tuple[str, _PgServer | None, str]:
    """(description, server, admin database) for the configured server; server is None when
    nothing listens there. Fails when a server answers but refuses every user tried."""
    url = os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 5432
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    password = unquote(parts.password) if parts.password else None
    where = f"{host}:{port}"
    if not _port_open(host, port):
        return where, None, dbname
    users = [unquote(parts.username) if parts.username else "postgres"]
    if not parts.username or POSTGRES_URL_ENV not in os.environ:
        with contextlib.suppress(OSError, KeyError):
            users.append(getpass.getuser())
    errors: list[str] = []
    for user in dict.fromkeys(users):
        server = _PgServer(host, port, user, password)
        try:
            with server.connect(dbname):
                return where, server, dbname
        except psycopg.OperationalError as exc:
            errors.append(f"as {user}: {str(exc).strip()}")
    _fail(
        f"PostgreSQL answers at {where} but refuses the test connection "
        f"({'; '.join(errors)}): fix its authentication (trust for local connections) "
        f"or set {POSTGRES_URL_ENV}"
    )


def _postgres_binaries() -> Path | None:
    """A directory holding initdb and pg_ctl: from PATH, else the newest Debian install."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    candidates = sorted(
        (Path(d) for d in glob.glob(POSTGRES_BIN_GLOB)),
        key=lambda d: [int(p) if p.isdigit() else 0 for p in d.parent.name.split(".")],
        reverse=True,
    )
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


@contextlib.contextmanager
def _throwaway_postgres(bindir: Path) -> Iterator[_PgServer]:
    """A fresh cluster in a temp dir on a free port, stopped and deleted on exit."""
    run_as: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _fail(
                "PostgreSQL is not reachable and a throwaway server cannot be started as "
                "root without a `postgres` OS user: install postgresql (apt-get install "
                f"postgresql) or set {POSTGRES_URL_ENV}"
            )
        runuser = shutil.which("runuser")
        if runuser is None:
            _fail("starting a throwaway PostgreSQL as root needs runuser (util-linux)")
        run_as = [runuser, "-u", "postgres", "--"]
    tmp = Path(tempfile.mkdtemp(prefix="autoclip-pg-"))
    if owner is not None:
        os.chown(tmp, owner.pw_uid, owner.pw_gid)
    data, log = tmp / "data", tmp / "server.log"
    port = _free_port()
    server = _PgServer("127.0.0.1", port, "postgres", None)
    pg_ctl = [*run_as, str(bindir / "pg_ctl"), "-D", str(data)]

    def run(args: list[str], what: str) -> None:
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            _fail(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n{_tail(log)}")

    def ready() -> bool:
        try:
            with server.connect("postgres", timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    started = False
    try:
        initdb = [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres"]
        initdb += ["-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        run(initdb, "initdb of the throwaway PostgreSQL cluster")
        options = (
            f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        run([*pg_ctl, "-l", str(log), "-o", options, "-W", "start"], "pg_ctl start")
        started = True
        if not _wait_until(ready):
            _fail(f"the throwaway PostgreSQL on port {port} did not come up:\n{_tail(log)}")
        yield server
    finally:
        if started:
            subprocess.run(
                [*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True, check=False
            )
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _postgres_server() -> Iterator[tuple[_PgServer, str]]:
    where, server, admin_db = _configured_postgres()
    if server is not None:
        yield server, admin_db
        return
    bindir = _postgres_binaries()
    if bindir is None:
        _fail(
            f"PostgreSQL is not reachable at {where} and no server binaries were found: "
            f"install postgresql (apt-get install postgresql) or set {POSTGRES_URL_ENV}"
        )
    with _throwaway_postgres(bindir) as throwaway:
        yield throwaway, "postgres"


def _drop_database(server: _PgServer, admin_db: str, name: str) -> None:
    with server.connect(admin_db) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """SQLAlchemy URL (postgresql+psycopg://...) of a database created for this session."""
    with _postgres_server() as (server, admin_db):
        name = f"autoclip_test_{os.getpid()}_{secrets.token_hex(4)}"
        with server.connect(admin_db) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield server.sqlalchemy_url(name)
        finally:
            _drop_database(server, admin_db, name)


# --- Redis --------------------------------------------------------------------------------


def _redis_db() -> int:
    raw = os.environ.get(REDIS_DB_ENV, "").strip()
    if not raw:
        return DEFAULT_REDIS_DB
    if not raw.isdigit():
        _fail(f"{REDIS_DB_ENV} must be a Redis database number, not {raw!r}")
    return int(raw)


def _redis_ping(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.AuthenticationError:
        raise
    except (redis.ConnectionError, redis.TimeoutError):
        return False
    finally:
        client.close()


@contextlib.contextmanager
def _throwaway_redis(binary: str, db: int) -> Iterator[str]:
    """A redis-server on a free port without persistence, stopped on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="autoclip-redis-"))
    log = tmp / "server.log"
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/{db}"
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(tmp)]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        if not _wait_until(lambda: proc.poll() is not None or _redis_ping(url)):
            _fail(f"the throwaway redis-server on port {port} did not come up:\n{_tail(log)}")
        if proc.poll() is not None:
            _fail(f"the throwaway redis-server exited ({proc.returncode}):\n{_tail(log)}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _redis_server() -> Iterator[str]:
    db = _redis_db()
    parts = urlsplit(os.environ.get(REDIS_URL_ENV) or DEFAULT_REDIS_URL)
    url = parts._replace(path=f"/{db}").geturl()
    try:
        reachable = _redis_ping(url)
    except redis.AuthenticationError as exc:
        _fail(f"Redis at {parts.netloc} refuses the tests ({exc}): set {REDIS_URL_ENV}")
    if reachable:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        _fail(
            f"Redis is not reachable at {parts.netloc} and redis-server was not found: "
            f"install redis (apt-get install redis-server) or set {REDIS_URL_ENV}"
        )
    with _throwaway_redis(binary, db) as throwaway:
        yield throwaway


def _flush(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """redis://host:port/<db> of a database the tests own: flushed at the start and the end."""
    with _redis_server() as url:
        _flush(url)
        try:
            yield url
        finally:
            _flush(url)
