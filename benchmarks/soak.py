"""Load at the SLA for a long while: a steady request rate against `autoclip serve` for
--minutes (10 by default) with renders running, in embedded and distributed mode. It
records, minute by minute, the latency percentiles, the error rate and the memory of the
service's processes, so that a slow leak shows as growth and a slow-down as a rising p95.

For each mode it seeds users (enterprise: no rate limit or credit in the way) with queued
draft contents, then starts the service with its worker (the embedded one in-process; in
distributed mode `autoclip serve --workers 2` beside one `autoclip worker`), which renders
the queue the whole time. wrk (benchmarks/wrk/api.lua, endpoint `mix`) then sends, from
--connections connections each pausing between requests, a steady mix of 14 GET one,
5 GET a page of 20 and 1 POST (another draft to render) out of every 20 requests, in
one-minute runs back to back. After each minute the resident memory (RSS) of the API
processes and of the worker (without its ffmpeg children, which come and go) is read.

    .venv/bin/python benchmarks/soak.py [--mode embedded|distributed|both] [--minutes 10]
        [--rate 40] [--connections 20] [--json results.json]

The manual's SLA is p95 < 500 ms; the HighErrorRate alert (deploy/monitoring) fires past
5% of requests failing. Growth is reported
as the least-squares slope of RSS over minutes 2 to the end (the first minute warms
caches, pools and the voice).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from api_bench import (
    AUTOCLIP,
    Server,
    base_env,
    machine,
    prepare_distributed,
    run_wrk,
    seed,
    server_versions,
    socket_errors_of,
    write_users_lua,
)

MIB = 2**20


@dataclass
class Minute:
    minute: int
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # non-2xx answers and socket errors (timeouts included)
    api_rss_mib: float
    worker_rss_mib: float
    ready: int  # contents made so far, all users
    failed: int


def rss_mib(processes: list[psutil.Process]) -> float:
    total = 0
    for process in processes:
        try:
            if process.name() != "ffmpeg":
                total += process.memory_info().rss
        except psutil.Error:
            continue
    return total / MIB


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def finished(env: dict[str, str]) -> tuple[int, int]:
    """Contents ready, and failed, so far (all users)."""
    from sqlalchemy import create_engine, text

    url = env.get("AUTOCLIP_DATABASE_URL") or f"sqlite:///{env['AUTOCLIP_DATA_DIR']}/autoclip.db"
    engine = create_engine(url)
    with engine.connect() as conn:
        counts: dict[str, int] = dict(
            conn.execute(text("SELECT status, count(*) FROM contents GROUP BY status")).all()
        )
    engine.dispose()
    return int(counts.get("ready", 0)), int(counts.get("failed", 0))


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares MiB per minute."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var if var else 0.0


def soak_mode(mode: str, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    data_dir = scratch / mode
    data_dir.mkdir()
    env = base_env(data_dir)
    api_workers = 1
    if mode == "distributed":
        db_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
        env.update(AUTOCLIP_DATABASE_URL=db_url, AUTOCLIP_REDIS_URL=args.redis_url)
        prepare_distributed(env, args.pg_url, args.redis_url, args.db_name)
        api_workers = 2
    log = scratch / f"{mode}-server.log"
    with Server({**env, "AUTOCLIP_RATE_LIMITS": "false"}, api_workers, log) as server:
        people = seed(server, env, args.users, args.contents)
    users_file = scratch / f"{mode}-users.lua"
    write_users_lua(people, users_file)
    print(f"  {mode}: seeded {args.users} users x {args.contents} queued drafts", flush=True)

    # Each connection waits `pause` after an answer: connections / (pause + latency) ≈ rate.
    pause_ms = 1000 * args.connections / args.rate
    run_env = {**env, "AUTOCLIP_EMBEDDED_WORKER": "true" if mode == "embedded" else "false"}
    worker: subprocess.Popen[bytes] | None = None
    minutes: list[Minute] = []
    with Server(run_env, api_workers, log) as server:
        assert server.pid is not None
        if mode == "distributed":
            with open(scratch / "worker.log", "ab") as worker_log:
                worker = subprocess.Popen(
                    [str(AUTOCLIP), "worker"], env=run_env, stdout=worker_log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
        try:
            for minute in range(1, args.minutes + 1):
                result = run_wrk(
                    server.url, "mix", users_file, 60, args.connections, 2, pause_ms=pause_ms
                )
                api = tree(server.pid)
                worker_mib = rss_mib(tree(worker.pid)) if worker else 0.0
                minutes.append(
                    Minute(
                        minute, int(result["requests"]), float(result["rps"]),
                        float(result["p50_ms"]), float(result["p95_ms"]), float(result["p99_ms"]),
                        int(result["non_2xx"]) + socket_errors_of(result),
                        rss_mib(api), worker_mib, *finished(env),
                    )
                )  # fmt: skip
                print(f"  {mode} {row(minutes[-1])}", flush=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    worker.kill()
    return {"mode": mode, "minutes": [asdict(m) for m in minutes], **summary(minutes)}


def summary(minutes: list[Minute]) -> dict[str, Any]:
    requests = sum(m.requests for m in minutes)
    errors = sum(m.errors for m in minutes)
    later = minutes[1:] or minutes
    return {
        "requests": requests,
        "error_rate": errors / max(requests, 1),
        "worst_minute_p95_ms": max(m.p95_ms for m in minutes),
        "median_minute_p95_ms": sorted(m.p95_ms for m in minutes)[len(minutes) // 2],
        "api_rss_growth_mib_per_min": slope([(m.minute, m.api_rss_mib) for m in later]),
        "worker_rss_growth_mib_per_min": slope([(m.minute, m.worker_rss_mib) for m in later]),
        "contents_ready": minutes[-1].ready,
        "contents_failed": minutes[-1].failed,
    }


def row(m: Minute) -> str:
    return (
        f"min {m.minute:2d}: {m.rps:5.1f} req/s  p50 {m.p50_ms:6.1f}  p95 {m.p95_ms:6.1f}  "
        f"p99 {m.p99_ms:6.1f} ms  errors {m.errors}  API {m.api_rss_mib:5.0f} MiB  "
        f"worker {m.worker_rss_mib:5.0f} MiB  ready {m.ready}  failed {m.failed}"
    )


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| mode | requests | error rate | p95 (median minute) | p95 (worst minute) "
        "| API RSS first → last | API growth MiB/min | worker growth MiB/min | made | failed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        first, last = r["minutes"][0], r["minutes"][-1]
        lines.append(
            f"| {r['mode']} | {r['requests']} | {100 * r['error_rate']:.2f}% "
            f"| {r['median_minute_p95_ms']:.0f} ms | {r['worst_minute_p95_ms']:.0f} ms "
            f"| {first['api_rss_mib']:.0f} → {last['api_rss_mib']:.0f} MiB "
            f"| {r['api_rss_growth_mib_per_min']:+.1f} | {r['worker_rss_growth_mib_per_min']:+.1f} "
            f"| {r['contents_ready']} | {r['contents_failed']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["embedded", "distributed", "both"], default="both")
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--rate", type=float, default=40, help="requests per second, aimed at")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--contents", type=int, default=20, help="queued drafts per user")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="autoclip_soak")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the data folders and logs")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    info = machine()
    print(json.dumps(info))
    modes = ["embedded", "distributed"] if args.mode == "both" else [args.mode]
    results = []
    began = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="autoclip-soak-"))
    try:
        for mode in modes:
            results.append(soak_mode(mode, args, folder))
            if mode == "distributed":
                info.update(server_versions({"AUTOCLIP_REDIS_URL": args.redis_url}))
    finally:
        if args.keep:
            print(f"  data and logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{table(results)}\n(in {time.perf_counter() - began:.0f} s)")
    if args.json:
        report = {"machine": info, "args": {k: str(v) for k, v in vars(args).items()}}
        args.json.write_text(json.dumps({**report, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
