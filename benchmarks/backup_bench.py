"""Backup and restore times for a service of 1,000 contents (docs/operations.md).

For each database (SQLite; PostgreSQL in a fresh database `autoclip_backup_bench_*`) with
local storage, in a scratch folder:

1. migrate, then insert synthetic rows: --users users (a default project, a trial grant
   each), --contents ready contents (a ~2 KB script, outputs, 7 stage runs and a ledger
   debit each);
2. store --objects-per-content objects of 2-8 KB per content (random bytes, so nothing
   compresses) and one --video-mb MB video;
3. time `backup` (the dump, then the objects), then wipe the database and the storage,
   then time `restore` (verify every checksum, upload, restore the database, check).

The same functions as `autoclip backup` / `autoclip restore`, called in process. Each
round starts from a fresh world; the medians are printed, with the machine.

    .venv/bin/python benchmarks/backup_bench.py [--backends sqlite,postgresql]
        [--contents 1000] [--rounds 3] [--jobs 8] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from autoclip.kit.storage import LocalStorage, image_key, video_key
from autoclip.service.db import Database
from autoclip.service.migrate import upgrade
from autoclip.service.models import (
    Content,
    CreditEntry,
    Project,
    StageRun,
    User,
)
from autoclip.service.ops import backup as backups
from autoclip.settings import Settings

DEFAULT_PG = os.environ.get(
    "AUTOCLIP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
STAGES = ["script", "narration", "visuals", "captions", "render", "thumbnail", "publish"]
FILES = ["thumbnail.jpg", "audio.mp3", "captions.srt", "captions.ass", "script.json"]
# An Argon2id-shaped fixed hash: the rows' size matters here, not their passwords.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$" + "A" * 22 + "$" + "B" * 43


@dataclass
class Round:
    backup_s: float
    backup_database_s: float
    backup_objects_s: float
    restore_s: float
    restore_verify_s: float
    restore_objects_s: float
    restore_database_s: float
    restore_check_s: float
    floor_cp_s: float
    dump_mb: float
    objects: int
    object_mb: float


@dataclass
class Result:
    backend: str
    rounds: list[Round] = field(default_factory=list)

    def median(self, name: str) -> float:
        return float(statistics.median(getattr(r, name) for r in self.rounds))


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    pg_dump = subprocess.run(
        [backups.find_pg_tool("pg_dump"), "--version"], capture_output=True, text=True
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "pg_dump": pg_dump.stdout.strip(),
        "date": time.strftime("%Y-%m-%d"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- the world ------------------------------------------------------------------------------


def fill_database(url: str, users: int, contents: int) -> list[str]:
    """Synthetic rows, inserted in bulk; returns the content ids."""
    now = datetime.now(UTC)
    rng = random.Random(7)
    user_rows: list[dict[str, Any]] = []
    project_rows: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    for n in range(users):
        user_id = uuid.uuid4()
        user_rows.append(
            {
                "id": user_id,
                "email": f"user{n}@example.com",
                "name": f"User {n}",
                "password_hash": PASSWORD_HASH,
                "plan_id": "business",
                "credit_balance": 100,
                "credits_renew_at": now + timedelta(days=30),
                "failed_logins": 0,
                "is_active": True,
                "created_at": now,
            }
        )
        project_rows.append(
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "name": "Default",
                "description": "",
                "vertical": "tech",
                "format": "9:16",
                "tone": "professional",
                "language": "en",
                "platforms": ["youtube_shorts"],
                "is_default": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        ledger.append(
            {"user_id": user_id, "delta": 100, "balance_after": 100, "reason": "monthly_grant"}
        )
    content_rows: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    sentence = "Walking every day keeps the heart strong and the mind clear. "
    for n in range(contents):
        owner = n % users
        content_id = uuid.uuid4()
        cid = str(content_id)
        scenes = [{"text": sentence * 3, "keywords": ["walk", "heart"]} for _ in range(6)]
        outputs: dict[str, Any] = {
            "video": video_key(cid, "original.mp4"),
            **{name: video_key(cid, name) for name in FILES},
            "images": [image_key(cid, 1)],
        }
        content_rows.append(
            {
                "id": content_id,
                "user_id": user_rows[owner]["id"],
                "project_id": project_rows[owner]["id"],
                "generation_type": "text",
                "source": sentence * 10,
                "language": "en",
                "options": {"length": "short", "aspect": "9:16", "draft": False},
                "status": "ready",
                "stage": "publish",
                "progress": 100,
                "phase": "render",
                "refresh_stages": [],
                "title": f"Walk every day #{n}",
                "script": {"title": f"Walk every day #{n}", "scenes": scenes},
                "outputs": outputs,
                "duration_s": 40.0 + rng.random() * 20,
                "attempts": 1,
                "revision": 0,
                "credit_charged": True,
                "created_at": now,
                "updated_at": now,
                "finished_at": now,
            }
        )
        for stage in STAGES:
            runs.append(
                {
                    "id": uuid.uuid4(),
                    "content_id": content_id,
                    "stage": stage,
                    "status": "succeeded",
                    "attempt": 1,
                    "worker": "bench:1",
                    "started_at": now,
                    "finished_at": now,
                    "duration_s": rng.random() * 10,
                }
            )
        ledger.append(
            {
                "user_id": user_rows[owner]["id"],
                "delta": -1,
                "balance_after": 99,
                "reason": "generation",
                "content_id": content_id,
            }
        )
    for entry in ledger:
        entry["created_at"] = now
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(insert(User), user_rows)
            connection.execute(insert(Project), project_rows)
            connection.execute(insert(Content), content_rows)
            connection.execute(insert(StageRun), runs)
            connection.execute(insert(CreditEntry), ledger)
    finally:
        engine.dispose()
    return [str(row["id"]) for row in content_rows]


def fill_storage(storage: LocalStorage, ids: list[str], per_content: int, video_mb: float) -> None:
    rng = random.Random(11)
    names = [*FILES, "scene_1.png", "scene_2.png", "scene_3.png"][:per_content]
    for content_id in ids:
        for name in names:
            key = (
                image_key(content_id, int(name[6]))
                if name.startswith("scene_")
                else video_key(content_id, name)
            )
            storage.put_bytes(key, rng.randbytes(rng.randint(2_000, 8_000)))
    video = storage.root / "video.tmp"
    with video.open("wb") as handle:  # in 1 MB pieces: a big one need not fit in memory
        left = int(video_mb * 1e6)
        while left > 0:
            handle.write(rng.randbytes(min(left, 1 << 20)))
            left -= 1 << 20
    storage.put_file(video_key(ids[0], "original.mp4"), video)
    video.unlink()
    storage.put_bytes("temp/stages/render/x/original.mp4", rng.randbytes(100_000))  # skipped


def wipe(settings: Settings) -> None:
    url = settings.effective_database_url()
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{backups.sqlite_path(url)}{suffix}").unlink(missing_ok=True)
    else:
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    storage = backups.configured_storage(settings)
    for key in storage.list_keys(""):
        if key.startswith(("videos/", "images/", "exports/")):
            storage.delete(key)


# --- PostgreSQL databases of the benchmark's own ----------------------------------------------


def pg_admin(server: str) -> Any:
    import psycopg

    parts = make_url(server)
    return psycopg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname=parts.database or "postgres",
        autocommit=True,
    )


def create_pg(server: str) -> str:
    name = f"autoclip_backup_bench_{secrets.token_hex(4)}"
    with pg_admin(server) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return (
        make_url(server)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def drop_pg(server: str, url: str) -> None:
    name = make_url(url).database
    with pg_admin(server) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


# --- one round ------------------------------------------------------------------------------


def one_round(backend: str, args: argparse.Namespace, scratch: Path) -> Round:
    data = scratch / "data"
    data.mkdir(parents=True)
    url = create_pg(args.pg_url) if backend == "postgresql" else None
    try:
        settings = Settings(data_dir=data, database_url=url, secret_key="bench")
        db = Database(settings.effective_database_url())
        upgrade(db)
        db.dispose()
        ids = fill_database(settings.effective_database_url(), args.users, args.contents)
        storage = LocalStorage(data)
        fill_storage(storage, ids, args.objects_per_content, args.video_mb)

        os.sync()  # the world on disk before anything is timed
        # The floor for the objects: `cp -r` of the same folders (no checksums, one thread).
        clock = time.perf_counter()
        floor = scratch / "floor"
        floor.mkdir()
        subprocess.run(
            ["cp", "-r", str(data / "videos"), str(data / "images"), str(floor)], check=True
        )
        os.sync()
        floor_cp_s = time.perf_counter() - clock
        shutil.rmtree(floor)

        made = backups.backup(settings, scratch / "backups", jobs=args.jobs)
        wipe(settings)
        restored = backups.restore(settings, made.folder, jobs=args.jobs)
        dump = made.folder / made.manifest.database.file
        return Round(
            backup_s=made.timings["total"],
            backup_database_s=made.timings["database"],
            backup_objects_s=made.timings["objects"],
            restore_s=restored.timings["total"],
            restore_verify_s=restored.timings["verify"],
            restore_objects_s=restored.timings["objects"],
            restore_database_s=restored.timings["database"],
            restore_check_s=restored.timings["check"],
            floor_cp_s=floor_cp_s,
            dump_mb=dump.stat().st_size / 1e6,
            objects=len(made.manifest.objects),
            object_mb=made.manifest.total_bytes / 1e6,
        )
    finally:
        if url is not None:
            drop_pg(args.pg_url, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--contents", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--objects-per-content", type=int, default=6)
    parser.add_argument("--video-mb", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=backups.DEFAULT_JOBS)
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a server to create databases on")
    parser.add_argument("--scratch", type=Path, default=None, help="default: a temp folder")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    info = machine()
    print("machine:", json.dumps(info))
    results: list[Result] = []
    for backend in args.backends.split(","):
        result = Result(backend)
        for n in range(args.rounds):
            scratch = Path(tempfile.mkdtemp(prefix="autoclip-backup-bench-", dir=args.scratch))
            try:
                made = one_round(backend, args, scratch)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            result.rounds.append(made)
            print(f"{backend} round {n + 1}: {json.dumps(asdict(made))}")
        results.append(result)

    print()
    print(
        f"{args.contents} contents, {args.users} users, {args.objects_per_content} objects of "
        f"2-8 KB per content + one {args.video_mb:g} MB video; local storage; "
        f"--jobs {args.jobs}; medians of {args.rounds}"
    )
    header = (
        "| database | objects | dump | backup | (db / objects) "
        "| restore | (verify / objects / db / check) | `cp -r` of the objects |"
    )
    print(header)
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        m = r.median
        print(
            f"| {r.backend} | {r.rounds[0].objects} ({r.rounds[0].object_mb:.1f} MB) "
            f"| {m('dump_mb'):.1f} MB | {m('backup_s'):.2f} s "
            f"| {m('backup_database_s'):.2f} / {m('backup_objects_s'):.2f} "
            f"| {m('restore_s'):.2f} s | {m('restore_verify_s'):.2f} / "
            f"{m('restore_objects_s'):.2f} / {m('restore_database_s'):.2f} / "
            f"{m('restore_check_s'):.2f} | {m('floor_cp_s'):.2f} s |"
        )
    print("load average at the end:", [round(x, 2) for x in os.getloadavg()])
    if args.json is not None:
        args.json.write_text(
            json.dumps({"machine": info, "results": [asdict(r) for r in results]}, indent=2)
        )


if __name__ == "__main__":
    main()
