"""Server CPU per request, each endpoint against GET /health in the same server and run.

The figure to watch for regressions in the request path: wall-clock latency follows the
machine's load, but the CPU a request costs the server's process does not much, and its
ratio to `/health`'s (uvicorn, FastAPI and the middleware alone) cancels the speed of the
CPU. It starts `autoclip serve` in embedded mode (SQLite, one process, no in-process worker,
so nothing renders), with rate limits on as in production, seeds users and contents
through the API, then for each round runs, in turn,

    GET /health, GET /api/v1/contents (a page of 20), GET /api/v1/contents/{id},
    POST /api/v1/contents (a text generation, answered 202)

as a burst of --seconds with wrk (--connections keep-alive connections), reading the
server process's CPU time (utime + stime of /proc/<pid>/stat) just before and after each
burst, once the server is idle. Each round gives every endpoint's CPU ms per request and
its ratio to that round's `/health`; the report gives the median and the range of the
rounds (rounds alternate the endpoints, so a change in the machine's load hits all).

The server runs on CPU 0 and wrk on CPU 1 (`--unpinned` lets them share): sharing, the
`/health` baseline moved by half from one run to the next on a quiet 2-core machine.
`--in-process` calls the app's ASGI callable in this process instead, one request after
another (no HTTP, no wrk): the steadier figure, to compare two versions of the code.

    .venv/bin/python benchmarks/request_cpu.py [--rounds 5] [--seconds 5] [--json out.json]
    .venv/bin/python benchmarks/request_cpu.py --in-process [--rounds 7] [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_bench import (
    ENDPOINTS,
    SEED_TEXT,
    Server,
    User,
    base_env,
    check_page,
    machine,
    run_wrk,
    seed,
    write_users_lua,
)

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """utime + stime of one process, in seconds (fields 14 and 15 of /proc/<pid>/stat;
    the command name in parentheses may hold spaces, so split after its ')')."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def burst(
    server: Server, endpoint: str, users_file: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """One endpoint's burst: requests answered, 2xx or not, and the server's CPU seconds."""
    if not server.wait_idle():
        raise RuntimeError("the server did not go idle before a burst")
    assert server.pid is not None
    before = process_cpu(server.pid)
    result = run_wrk(
        server.url, endpoint, users_file, args.seconds, args.connections, 1, cpu=args.wrk_cpu
    )
    server.wait_idle()  # the requests of the closed connections finish first
    cpu = process_cpu(server.pid) - before
    requests = int(result["requests"])
    if requests == 0 or result["non_2xx"]:
        raise RuntimeError(f"{ENDPOINTS[endpoint]}: not every answer was a 2xx: {result}")
    return {"requests": requests, "cpu_s": cpu, "ms_per_request": 1000 * cpu / requests}


def show_round(number: int, measured: dict[str, dict[str, Any]]) -> None:
    health = measured["health"]["ms_per_request"]
    cells = "  ".join(
        f"{ENDPOINTS[e]} {m['ms_per_request']:.3f} ms ({m['ms_per_request'] / health:.1f}×)"
        for e, m in measured.items()
    )
    print(f"round {number}: {cells}", flush=True)


def http_rounds(
    env: dict[str, str],
    log: Path,
    scratch: Path,
    people: list[User],
    endpoints: list[str],
    args: argparse.Namespace,
) -> list[dict[str, dict[str, Any]]]:
    """Each round, each endpoint's wrk burst against `autoclip serve`."""
    users_file = scratch / "users.lua"
    write_users_lua(people, users_file)
    rounds = []
    with Server(env, 1, log, cpu=args.server_cpu) as server:
        check_page(server, people[0], args.contents)
        for endpoint in endpoints:  # warm-up: imports, caches, the SQLite pages
            run_wrk(server.url, endpoint, users_file, 1, args.connections, 1, cpu=args.wrk_cpu)
        for number in range(1, args.rounds + 1):
            measured = {e: burst(server, e, users_file, args) for e in endpoints}
            rounds.append(measured)
            show_round(number, measured)
    return rounds


# -- in process: the app's ASGI callable, one request after another, no HTTP ------------


def _asgi_request(endpoint: str, user: User) -> tuple[str, str, bytes]:
    """The method, the path and the body of one request to `endpoint` as `user`."""
    if endpoint == "health":
        return "GET", "/health", b""
    if endpoint == "list":
        return "GET", "/api/v1/contents", b""
    if endpoint == "one":
        return "GET", f"/api/v1/contents/{random.choice(user.ids)}", b""
    body = {"generation_type": "text", "text": SEED_TEXT, "options": {"draft": True}}
    return "POST", "/api/v1/contents", json.dumps(body).encode()


async def _call(app: Any, endpoint: str, user: User) -> int:
    method, path, body = _asgi_request(endpoint, user)
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {user.token}".encode())]
    if body:
        headers += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]  # fmt: skip
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }  # fmt: skip
    sent = False
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never goes away
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


async def in_process_rounds(
    env: dict[str, str], people: list[User], endpoints: list[str], args: argparse.Namespace
) -> list[dict[str, dict[str, Any]]]:
    """Each round, each endpoint's requests made one after another on the app itself, the
    process's CPU time read around them: no HTTP parsing, no second process, no scheduler
    between a client and the server, so the steadier figure of the two (the machine's
    load still moves it)."""
    os.environ.update(env)
    from autoclip.service.app import create_app
    from autoclip.service.runtime import build_runtime
    from autoclip.settings import Settings

    runtime = build_runtime(Settings())
    app = create_app(runtime, run_worker=False)
    count = {e: args.calls // 2 if e == "create" else args.calls for e in endpoints}

    async def run(endpoint: str, calls: int) -> dict[str, Any]:
        before = time.process_time()
        for number in range(calls):
            status = await _call(app, endpoint, people[number % len(people)])
            if status >= 300:
                raise RuntimeError(f"{ENDPOINTS[endpoint]} answered {status}")
        cpu = time.process_time() - before
        return {"requests": calls, "cpu_s": cpu, "ms_per_request": 1000 * cpu / calls}

    for endpoint in endpoints:  # warm-up: imports, caches, the SQLite pages
        await run(endpoint, 50)
    rounds = []
    for number in range(1, args.rounds + 1):
        measured = {e: await run(e, count[e]) for e in endpoints}
        rounds.append(measured)
        show_round(number, measured)
    runtime.close()
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5, help="per endpoint per round")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--contents", type=int, default=21, help="per user (a page is 20)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--unpinned", action="store_true",
        help="let the server and wrk share the CPUs (by default the server runs on CPU 0 "
        "and wrk on CPU 1)",
    )  # fmt: skip
    parser.add_argument(
        "--in-process", action="store_true",
        help="call the app's ASGI callable in this process instead of over HTTP",
    )  # fmt: skip
    parser.add_argument("--calls", type=int, default=300, help="per endpoint per round, in process")
    args = parser.parse_args()
    pin = not args.unpinned and (os.cpu_count() or 1) >= 2
    args.server_cpu, args.wrk_cpu = (0, 1) if pin else (None, None)
    info = machine()
    print(json.dumps(info), flush=True)
    endpoints = list(ENDPOINTS)  # health first: each round's baseline
    with tempfile.TemporaryDirectory(prefix="autoclip-request-cpu-") as folder:
        scratch = Path(folder)
        env = base_env(scratch)
        log = scratch / "server.log"
        with Server({**env, "AUTOCLIP_RATE_LIMITS": "false"}, 1, log) as server:
            people = seed(server, env, args.users, args.contents)
        if args.in_process:
            rounds = asyncio.run(in_process_rounds(env, people, endpoints, args))
        else:
            rounds = http_rounds(env, log, scratch, people, endpoints, args)
    print()
    print("| endpoint | CPU ms/request, median (range) | ÷ GET /health, median (range) |")
    print("|---|---|---|")
    summary = {}
    for endpoint in endpoints:
        ms = [r[endpoint]["ms_per_request"] for r in rounds]
        ratio = [r[endpoint]["ms_per_request"] / r["health"]["ms_per_request"] for r in rounds]
        summary[endpoint] = {"ms": ms, "ratio": ratio}
        print(
            f"| {ENDPOINTS[endpoint]} | {statistics.median(ms):.3f} ({min(ms):.3f}–{max(ms):.3f}) "
            f"| {statistics.median(ratio):.1f}× ({min(ratio):.1f}–{max(ratio):.1f}) |"
        )
    print(f"load average at the end: {[round(x, 2) for x in os.getloadavg()]}")
    if args.json:
        report = {
            "machine": info,
            "args": {k: str(v) for k, v in vars(args).items()},
            "rounds": rounds,
            "summary": summary,
            "load_average_at_end": os.getloadavg(),
            "date": time.strftime("%F %T"),
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
