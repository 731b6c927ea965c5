"""API benchmark: latency (p50/p95/p99) and throughput of the contents endpoints under
concurrent clients, against GET /health measured the same way (the floor of the HTTP stack).

For each mode it starts `autoclip serve` as a subprocess, registers users, makes them
enterprise (3000 requests a minute, unlimited credits) and gives each about 50 contents,
then restarts the server with rate limits on and runs wrk (a second process) on

    GET /health                   the baseline: uvicorn, FastAPI and the middleware only
    GET /api/v1/contents          a page of 20
    GET /api/v1/contents/{id}
    POST /api/v1/contents         a text generation (202; nothing is rendered meanwhile)

first with one client for --unloaded seconds each (the service time, no queueing), then
each for --duration seconds with --connections connections, after a short warm-up. The
users' tokens and content ids go to a Lua file that `benchmarks/wrk/api.lua` reads; the
script spreads requests evenly over the users so that no rate limit triggers, and reports
the count of every status code, so that anything but 2xx shows (and requests with no
answer in 10 s, as socket errors). After each run the benchmark waits until the server
has finished what the closed connections had sent, so runs never overlap. For each run
it records the CPU seconds of the server's processes, of wrk, of PostgreSQL and Redis,
and of everything else on the machine (other work skews the figures: the report warns).

    embedded     SQLite in a fresh data folder, one API process, no in-process worker
                 (AUTOCLIP_EMBEDDED_WORKER=false: POSTed contents stay queued)
    distributed  PostgreSQL (a fresh database `autoclip_bench`), Redis (db 5, flushed),
                 `--workers 2`; with --worker, an `autoclip worker` makes the queued
                 contents meanwhile, else they stay queued in Redis

    .venv/bin/python benchmarks/api_bench.py [--mode embedded|distributed|both]
        [--duration 30] [--connections 50] [--json results.json]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import importlib.metadata
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
WRK_SCRIPT = HERE / "wrk" / "api.lua"
AUTOCLIP = Path(sys.executable).with_name("autoclip")
ENDPOINTS = {
    "health": "GET /health",
    "list": "GET /contents",
    "one": "GET /contents/{id}",
    "create": "POST /contents",
}
SEED_TEXT = (
    "Sleep is the quiet engine of health. Adults who sleep seven hours a night remember "
    "more, eat less sugar and catch fewer colds than those who sleep five."
)
PASSWORD = "benchmark-password"
PACKAGES = [
    "fastapi", "starlette", "uvicorn", "uvloop", "httptools", "pydantic", "sqlalchemy",
    "psycopg", "redis", "dramatiq",
]  # fmt: skip
STORES = {"postgres", "redis-server"}
_SAFE_LUA = re.compile(r"^[A-Za-z0-9._-]+$")
START_SECONDS = 240  # a server starting on a machine that other work loads takes minutes


@dataclass
class User:
    email: str
    token: str = ""
    ids: list[str] = field(default_factory=list)


@dataclass
class Run:
    mode: str
    endpoint: str
    connections: int
    wrk: dict[str, Any]
    server_cpu_s: float
    wrk_cpu_s: float
    store_cpu_s: float  # PostgreSQL and Redis (any client's)
    other_cpu_s: float  # every other process on the machine during the run

    @property
    def requests(self) -> int:
        return int(self.wrk["requests"])

    def server_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / max(self.requests, 1)

    def wrk_ms_per_request(self) -> float:
        return 1000 * self.wrk_cpu_s / max(self.requests, 1)

    def store_ms_per_request(self) -> float:
        return 1000 * self.store_cpu_s / max(self.requests, 1)


# --------------------------------------------------------------------------- the machine


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0].split(" Copyright")[0].strip(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d"),
    }
    for name in PACKAGES:
        try:
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            info[name] = None
    return info


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`autoclip serve` in its own process group, up once /health answers."""

    def __init__(
        self, env: dict[str, str], workers: int, log: Path, cpu: int | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = env
        self._workers = workers
        self._log = log
        self._cpu = cpu  # pinned to this CPU (taskset), with every thread it starts
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def __enter__(self) -> Server:
        command = [
            str(AUTOCLIP), "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self._workers),
        ]  # fmt: skip
        command = pinned(command, self._cpu)
        with open(self._log, "ab") as log:
            self._process = subprocess.Popen(
                command, env=self._env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self._log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"no answer to /health in {START_SECONDS} s; see {self._log}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its worker processes so far."""
        assert self._process is not None
        root = psutil.Process(self._process.pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def wait_idle(self, limit: float = 120) -> bool:
        """Wait until the requests of the last run are done: no CPU used for half a second
        and /health answers at once. wrk closes its connections when it stops, but the
        server still works through what they sent; without this the next run would start
        with them in flight (more than --connections at once)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(0.5)
            if self.cpu_seconds() - before > 0.02:
                continue
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
        return False

    def __exit__(self, *_: object) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # uvicorn stops its workers, then itself
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this benchmark started
            process.wait()


# --------------------------------------------------------------------------- the modes


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOCLIP_")}
    env.update(
        AUTOCLIP_DATA_DIR=str(data_dir),
        AUTOCLIP_SECRET_KEY="api-benchmark-secret-key-not-for-production-0123456789",
        AUTOCLIP_EMBEDDED_WORKER="false",
        AUTOCLIP_AUTH__ACCESS_TOKEN_MINUTES="120",  # outlives the whole run
        # The benchmark's users sign in at once: no verification mail round trip.
        AUTOCLIP_AUTH__VERIFY_EMAIL="false",
        AUTOCLIP_LOG_LEVEL="WARNING",
    )
    return env


def prepare_distributed(env: dict[str, str], pg_url: str, redis_url: str, db_name: str) -> None:
    """A fresh database at the current schema and an empty Redis database."""
    admin = make_url(pg_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    subprocess.run([str(AUTOCLIP), "db", "upgrade"], env=env, check=True, capture_output=True)
    redis.Redis.from_url(redis_url).flushdb()


def server_versions(env: dict[str, str]) -> dict[str, str]:
    versions = {}
    if url := env.get("AUTOCLIP_DATABASE_URL"):
        engine = create_engine(url)
        with engine.connect() as conn:
            versions["postgresql_server"] = str(conn.execute(text("SHOW server_version")).scalar())
        engine.dispose()
    if url := env.get("AUTOCLIP_REDIS_URL"):
        info = redis.Redis.from_url(url).info("server")
        versions["redis_server"] = str(info["redis_version"])
    return versions


# --------------------------------------------------------------------------- seeding


def seed(server: Server, env: dict[str, str], users: int, per_user: int) -> list[User]:
    """Register `users` users, make them enterprise, log them in, give each `per_user`
    contents. The server must run with rate limits off (register/login allow 30 a minute
    per address)."""
    people = [User(f"bench-{i:03d}@example.com") for i in range(users)]
    with (
        httpx.Client(base_url=f"{server.url}/api/v1", timeout=60) as client,
        concurrent.futures.ThreadPoolExecutor(4) as pool,
    ):

        def register(user: User) -> None:
            body = {"email": user.email, "password": PASSWORD, "name": user.email}
            client.post("/auth/register", json=body).raise_for_status()

        list(pool.map(register, people))
        database = (
            env.get("AUTOCLIP_DATABASE_URL") or f"sqlite:///{env['AUTOCLIP_DATA_DIR']}/autoclip.db"
        )
        engine = create_engine(database)
        with engine.begin() as conn:
            changed = conn.execute(
                text("UPDATE users SET plan_id = 'enterprise' WHERE email LIKE 'bench-%'")
            ).rowcount
        engine.dispose()
        if changed != users:
            raise RuntimeError(f"{changed} users made enterprise, expected {users}")

        def login(user: User) -> None:
            answer = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
            user.token = answer.raise_for_status().json()["access_token"]

        list(pool.map(login, people))

        def create(user: User) -> str:
            answer = client.post(
                "/contents",
                json={"generation_type": "text", "text": SEED_TEXT, "options": {"draft": True}},
                headers={"Authorization": f"Bearer {user.token}"},
            )
            if answer.status_code != 202:
                raise RuntimeError(f"seeding a content: {answer.status_code} {answer.text}")
            content_id: str = answer.json()["id"]
            return content_id

        jobs = [(user, pool.submit(create, user)) for _ in range(per_user) for user in people]
        for user, future in jobs:
            user.ids.append(future.result())
    return people


def write_users_lua(people: list[User], path: Path) -> None:
    lines = ["return {"]
    for user in people:
        for value in (user.token, *user.ids):
            if not _SAFE_LUA.match(value):
                raise ValueError(f"not safe in a Lua string: {value!r}")
        ids = ", ".join(f'"{i}"' for i in user.ids)
        lines.append(f'  {{token = "{user.token}", ids = {{{ids}}}}},')
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


def check_page(server: Server, user: User, per_user: int) -> None:
    """The read tests must see a full page and a real content."""
    headers = {"Authorization": f"Bearer {user.token}"}
    page = httpx.get(f"{server.url}/api/v1/contents?per_page=20", headers=headers).json()
    if len(page["items"]) != 20 or page["total"] != per_user:
        raise RuntimeError(f"expected a full page of {per_user} contents: {page}")
    one = httpx.get(f"{server.url}/api/v1/contents/{user.ids[0]}", headers=headers)
    if one.status_code != 200:
        raise RuntimeError(f"GET one content: {one.status_code} {one.text}")


# --------------------------------------------------------------------------- wrk


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """`command` run on one CPU only (util-linux's taskset), or as it is for None."""
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


def run_wrk(
    url: str,
    endpoint: str,
    users_file: Path,
    duration: float,
    connections: int,
    threads: int,
    pause_ms: float | None = None,
    cpu: int | None = None,
) -> dict[str, Any]:
    """One wrk run; `pause_ms`: each connection's wait between an answer and its next
    request (a steady rate rather than as fast as the server answers); `cpu`: pinned to
    that CPU."""
    env = dict(os.environ)
    if pause_ms is not None:
        env["WRK_PAUSE_MS"] = f"{pause_ms:.0f}"
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency",
        "--timeout", "10s", "-s", str(WRK_SCRIPT), url, "--", endpoint, str(users_file),
        str(threads),
    ]  # fmt: skip
    done = subprocess.run(pinned(command, cpu), capture_output=True, text=True, check=True, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
            return result
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


def busy() -> float:
    """CPU seconds the whole machine has been busy (all processes, all cores)."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def store_cpu() -> float:
    """CPU seconds so far of PostgreSQL and Redis. A PostgreSQL backend that has exited
    counts in its postmaster's children times."""
    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        times = process.info["cpu_times"]
        if process.info["name"] in STORES and times is not None:
            total += times.user + times.system + times.children_user + times.children_system
    return total


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Load:
    connections: int
    threads: int
    duration: float
    warmup: float


def measure(
    mode: str, server: Server, users_file: Path, endpoints: list[str], load: Load
) -> list[Run]:
    runs: list[Run] = []
    health: Run | None = None
    for endpoint in endpoints:
        if load.warmup > 0:
            run_wrk(server.url, endpoint, users_file, load.warmup, load.connections, load.threads)
            drain(server)
        server_before, wrk_before, busy_before = server.cpu_seconds(), children_cpu(), busy()
        store_before = store_cpu()
        result = run_wrk(
            server.url, endpoint, users_file, load.duration, load.connections, load.threads
        )
        server_cpu = server.cpu_seconds() - server_before
        wrk_cpu = children_cpu() - wrk_before
        store = store_cpu() - store_before
        other = max(busy() - busy_before - server_cpu - wrk_cpu - store, 0.0)
        drain(server)
        run = Run(mode, endpoint, load.connections, result, server_cpu, wrk_cpu, store, other)
        runs.append(run)
        health = run if endpoint == "health" else health
        label = f"{mode} c={load.connections}"
        print(f"  {label:16} {ENDPOINTS[endpoint]:20} {row(run, health)}", flush=True)
        if run.requests == 0 or socket_errors(run) or run.wrk["non_2xx"]:
            print(f"  warning: not every request was answered with a 2xx: {run.wrk}", flush=True)
        if other > 0.1 * load.duration:
            print(f"  warning: other processes used {other:.0f} CPU-s meanwhile", flush=True)
    return runs


def socket_errors(run: Run) -> int:
    return socket_errors_of(run.wrk)


def socket_errors_of(wrk: dict[str, Any]) -> int:
    """Connect/read/write errors and timeouts (no answer within 10 s: not in the latencies)."""
    return sum(int(n) for n in wrk["socket_errors"].values())


def drain(server: Server) -> None:
    if not server.wait_idle():
        print("  warning: the server is still busy or not answering /health 120 s later")


def ratios(run: Run, health: Run | None) -> tuple[str, str]:
    """p95 and requests/s against the /health run of the same mode."""
    if health is None or not health.wrk["p95_ms"] or not health.wrk["rps"]:
        return "-", "-"
    w, h = run.wrk, health.wrk
    return f"{w['p95_ms'] / h['p95_ms']:.1f}×", f"{w['rps'] / h['rps']:.2f}"


def cpu_ratio(run: Run, health: Run | None) -> str:
    """Server CPU per request against /health's in the same server and run: what the
    endpoint itself costs, whatever the machine (the figure to watch for regressions)."""
    if health is None or health.server_ms_per_request() <= 0:
        return "-"
    return f"{run.server_ms_per_request() / health.server_ms_per_request():.1f}×"


def row(run: Run, health: Run | None) -> str:
    w = run.wrk
    p95_ratio, rps_ratio = ratios(run, health)
    return (
        f"{w['rps']:8.0f} req/s  p50 {w['p50_ms']:7.1f}  p95 {w['p95_ms']:7.1f}  "
        f"p99 {w['p99_ms']:7.1f} ms  non-2xx {w['non_2xx']}  socket errors {socket_errors(run)}  "
        f"p95 {p95_ratio}  "
        f"req/s {rps_ratio}  server {run.server_ms_per_request():.2f} ms CPU/req "
        f"({cpu_ratio(run, health)} health)"
    )


def bench_mode(
    mode: str, args: argparse.Namespace, scratch: Path
) -> tuple[list[Run], dict[str, str]]:
    data_dir = scratch / mode
    data_dir.mkdir()
    env = base_env(data_dir)
    workers = 1
    if mode == "distributed":
        db_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
        env.update(AUTOCLIP_DATABASE_URL=db_url, AUTOCLIP_REDIS_URL=args.redis_url)
        prepare_distributed(env, args.pg_url, args.redis_url, args.db_name)
        workers = args.workers
    log = scratch / f"{mode}-server.log"
    began = time.perf_counter()
    with Server({**env, "AUTOCLIP_RATE_LIMITS": "false"}, workers, log) as server:
        people = seed(server, env, args.users, args.contents)
    print(
        f"  {mode}: seeded {args.users} users x {args.contents} contents "
        f"in {time.perf_counter() - began:.0f} s",
        flush=True,
    )
    users_file = scratch / f"{mode}-users.lua"
    write_users_lua(people, users_file)
    with Server(env, workers, log) as server, job_worker(env, args.worker, scratch):
        check_page(server, people[0], args.contents)
        runs = []
        if args.unloaded > 0:  # one client first: the service time, without queueing
            load = Load(1, 1, args.unloaded, min(args.warmup, 2))
            runs += measure(mode, server, users_file, args.endpoints, load)
        load = Load(args.connections, args.threads, args.duration, args.warmup)
        runs += measure(mode, server, users_file, args.endpoints, load)
    return runs, server_versions(env)


@contextlib.contextmanager
def job_worker(env: dict[str, str], wanted: bool, scratch: Path) -> Iterator[None]:
    """`autoclip worker` beside the API while it is measured (--worker, distributed mode):
    it takes the queued and POSTed contents and makes them. They all have one text, so
    after the first its stages come from the cache; its CPU counts in "other"."""
    if not wanted or "AUTOCLIP_DATABASE_URL" not in env:
        yield
        return
    with open(scratch / "worker.log", "ab") as log:
        worker = subprocess.Popen(
            [str(AUTOCLIP), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # the group this benchmark started
            worker.wait()


# --------------------------------------------------------------------------- report


def table(runs: list[Run]) -> str:
    lines = [
        "| mode | clients | endpoint | req/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx "
        "| socket errors "
        "| p95 / health | req/s / health | server CPU ms/req | server CPU / health "
        "| wrk CPU ms/req | PG+Redis CPU ms/req | other CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    health = {(r.mode, r.connections): r for r in runs if r.endpoint == "health"}
    for run in runs:
        w = run.wrk
        baseline = health.get((run.mode, run.connections))
        p95_ratio, rps_ratio = ratios(run, baseline)
        lines.append(
            f"| {run.mode} | {run.connections} | {ENDPOINTS[run.endpoint]} | {w['rps']:.0f} "
            f"| {w['p50_ms']:.1f} "
            f"| {w['p95_ms']:.1f} | {w['p99_ms']:.1f} | {w['max_ms']:.0f} | {w['non_2xx']} "
            f"| {socket_errors(run)} | {p95_ratio} | {rps_ratio} "
            f"| {run.server_ms_per_request():.2f} | {cpu_ratio(run, baseline)} "
            f"| {run.wrk_ms_per_request():.2f} | {run.store_ms_per_request():.2f} "
            f"| {run.other_cpu_s:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["embedded", "distributed", "both"], default="both")
    parser.add_argument("--duration", type=float, default=30, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=5, help="unrecorded seconds first")
    parser.add_argument(
        "--unloaded", type=float, default=10, help="seconds per endpoint with 1 client (0: skip)"
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--contents", type=int, default=50, help="seeded contents per user")
    parser.add_argument("--workers", type=int, default=2, help="API processes, distributed")
    parser.add_argument(
        "--worker", action="store_true", help="distributed: run `autoclip worker` meanwhile"
    )
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="autoclip_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--endpoints", default=",".join(ENDPOINTS), help="comma-separated subset, in order"
    )
    args = parser.parse_args()
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if unknown := set(args.endpoints) - set(ENDPOINTS):
        sys.exit(f"--endpoints: unknown {sorted(unknown)}; choose from {list(ENDPOINTS)}")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    if args.users < args.threads:
        sys.exit("--users must be at least --threads")

    info = machine()
    print(json.dumps(info))
    modes = ["embedded", "distributed"] if args.mode == "both" else [args.mode]
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="autoclip-api-bench-") as folder:
        for mode in modes:
            mode_runs, versions = bench_mode(mode, args, Path(folder))
            runs += mode_runs
            info.update(versions)
    print()
    print(table(runs))
    if args.json:
        report: dict[str, Any] = {"machine": info}
        report["args"] = {k: str(v) for k, v in vars(args).items()}
        report["runs"] = [
            {**asdict(r), "server_ms_per_request": r.server_ms_per_request(),
             "wrk_ms_per_request": r.wrk_ms_per_request(),
             "store_ms_per_request": r.store_ms_per_request()}
            for r in runs
        ]  # fmt: skip
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
