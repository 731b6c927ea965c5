"""Real PostgreSQL and Redis servers for the service tests.

Both fixtures use the servers the machine already runs (CI installs and starts them with
scripts/ensure-tools.sh). On a machine without them they start throwaway servers from the
installed binaries, and when even those are missing they fail, naming what to install: a
missing server is a broken test machine, never a skipped test.

Environment:
  AUTOCLIP_TEST_POSTGRES_URL  server to use (default postgresql://postgres@127.0.0.1:5432/postgres);
                              each session gets a new database there, dropped at the end
  AUTOCLIP_TEST_REDIS_URL     server to use (default redis://127.0.0.1:6379/0; its db is ignored)
  AUTOCLIP_TEST_REDIS_DB      database the tests own and flush (default 9); under
                              pytest-xdist, worker gwN owns this number plus N
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
MAX_REDIS_DB = 15  # a default redis-server has databases 0-15
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


class ThrowawayPostgres:
    """A fresh cluster in a temp dir on a free port that a test may stop (any shutdown
    mode, `immediate` being a crash) and start again on the same port and data: a
    PostgreSQL restart as clients see it. `close` stops it and deletes everything."""

    def __init__(self, bindir: Path) -> None:
        self._run_as: list[str] = []
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
            self._run_as = [runuser, "-u", "postgres", "--"]
        self._bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="autoclip-pg-"))
        if owner is not None:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self._data, self.log = self.dir / "data", self.dir / "server.log"
        self.port = _free_port()
        self.server = _PgServer("127.0.0.1", self.port, "postgres", None)
        self._pg_ctl = [*self._run_as, str(bindir / "pg_ctl"), "-D", str(self._data)]
        self._running = False
        initdb = [*self._run_as, str(bindir / "initdb"), "-D", str(self._data), "-U", "postgres"]
        initdb += ["-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        self._run(initdb, "initdb of the throwaway PostgreSQL cluster")

    def _run(self, args: list[str], what: str) -> None:
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            _fail(
                f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n{_tail(self.log)}"
            )

    def ready(self) -> bool:
        try:
            with self.server.connect("postgres", timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    def start(self) -> None:
        if self._running:
            return
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            [*self._pg_ctl, "-l", str(self.log), "-o", options, "-W", "start"], "pg_ctl start"
        )
        self._running = True
        if not _wait_until(self.ready):
            _fail(
                f"the throwaway PostgreSQL on port {self.port} did not come up:\n{_tail(self.log)}"
            )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` (what a restart does: every session is ended) or
        `immediate` (a crash: no shutdown checkpoint, recovery at the next start)."""
        if self._running:
            subprocess.run(
                [*self._pg_ctl, "-m", mode, "-w", "stop"], capture_output=True, check=False
            )
            self._running = False

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def _throwaway_postgres(bindir: Path) -> Iterator[_PgServer]:
    """A fresh cluster in a temp dir on a free port, stopped and deleted on exit."""
    cluster = ThrowawayPostgres(bindir)
    try:
        cluster.start()
        yield cluster.server
    finally:
        cluster.close()


def postgres_binaries_or_fail() -> Path:
    """The directory of initdb and pg_ctl; fails the test (naming what to install) without."""
    bindir = _postgres_binaries()
    if bindir is None:
        _fail(
            "no PostgreSQL server binaries (initdb, pg_ctl) were found: "
            "install postgresql (apt-get install postgresql)"
        )
    return bindir


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
    if raw and not raw.isdigit():
        _fail(f"{REDIS_DB_ENV} must be a Redis database number, not {raw!r}")
    base = int(raw) if raw else DEFAULT_REDIS_DB
    # pytest-xdist's workers (gw0, gw1, ...) each own a database, so one never flushes
    # another's keys mid-test.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    db = base + int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else base
    if db > MAX_REDIS_DB:
        _fail(
            f"Redis database {db} (base {base} for worker {worker or 'main'}) is past the "
            f"default server's last one ({MAX_REDIS_DB}): lower {REDIS_DB_ENV} or the workers"
        )
    return db


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


class ThrowawayRedis:
    """A redis-server on a free port without persistence, which a test may kill and start
    again on the same port: it then comes back empty, as a failover without persistence
    would. `close` stops it and deletes its folder."""

    def __init__(self, binary: str, db: int = 0) -> None:
        self._binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="autoclip-redis-"))
        self.log = self.dir / "server.log"
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/{db}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self._process is not None:
            return
        args = [self._binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.dir)]
        with self.log.open("ab") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        self._process = proc
        if not _wait_until(lambda: proc.poll() is not None or _redis_ping(self.url)):
            _fail(
                f"the throwaway redis-server on port {self.port} did not come up:\n"
                + _tail(self.log)
            )
        if proc.poll() is not None:
            _fail(f"the throwaway redis-server exited ({proc.returncode}):\n{_tail(self.log)}")

    def kill(self) -> None:
        """SIGKILL: every connection drops and every message in it is lost."""
        self._end(kill=True)

    def _end(self, *, kill: bool) -> None:
        proc, self._process = self._process, None
        if proc is None:
            return
        if kill:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        self._end(kill=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def _throwaway_redis(binary: str, db: int) -> Iterator[str]:
    """A redis-server on a free port without persistence, stopped on exit."""
    server = ThrowawayRedis(binary, db)
    try:
        server.start()
        yield server.url
    finally:
        server.close()


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
