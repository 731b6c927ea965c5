"""The factory's "done when": a simulated day on the distributed service, across a restart
of every process, and the same schedule flow in embedded mode; batches of 20 through the
API and through the CLI.

The day runs on a file clock (AUTOCLIP_FACTORY__CLOCK_FILE) that the test moves and every
process reads: the API in this process and two real `autoclip worker` processes on
PostgreSQL + Redis. A local RSS feed (answering conditional GETs) and a topic list feed a
project whose schedule is "09:00 and 18:00, Asia/Seoul, one each". The contents are made
for real (draft renders, the fastest real settings) and probed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from autoclip.kit.clock import FileClock
from autoclip.service.app import create_app
from autoclip.service.models import Content, ContentStatus, User
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import FactorySettings, Settings
from e2e.media import probe
from localserver import serve
from service.conftest import forget_callers, sign_up
from service.factory_support import ARTICLES, Site, site_handler
from service.test_jobs_support import (
    API,
    FINISHED,
    private_redis,
    private_redis_session,
    wait_for,
)
from workers import WorkerProc, autoclip_binary, start_worker

__all__ = ["private_redis", "private_redis_session"]  # fixtures, used by name

SEOUL = ZoneInfo("Asia/Seoul")
POLL_S = 0.3  # the factory's pass in every process (production: 15 s)


def seoul(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SEOUL)


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    served = Site()
    with serve(site_handler(served)) as base:
        yield served, base


def give_credits(runtime: Runtime, amount: int) -> None:
    """An operator's grant, straight in the database (billing is not under test here)."""
    with runtime.db.session() as session:
        session.execute(update(User).values(credit_balance=amount))
    forget_callers(runtime)


def set_up_project(client: TestClient, auth: dict[str, str], base: str) -> dict[str, str]:
    project = client.post(
        f"{API}/projects", json={"name": "Health shorts", "language": "en"}, headers=auth
    ).json()
    feed = client.post(
        f"{API}/projects/{project['id']}/sources",
        json={"kind": "feed", "name": "Health notes", "url": f"{base}/feed.xml",
              "interval_minutes": 60, "options": {"draft": True}},
        headers=auth,
    )  # fmt: skip
    assert feed.status_code == 201, feed.text
    topics = client.post(
        f"{API}/projects/{project['id']}/sources",
        json={"kind": "topics", "name": "Ideas", "topics": ["Why we yawn"]},
        headers=auth,
    )
    assert topics.status_code == 201, topics.text
    schedule = client.post(
        f"{API}/projects/{project['id']}/schedules",
        json={"name": "Twice a day", "kind": "times", "times": ["09:00", "18:00"],
              "timezone": "Asia/Seoul",
              "per_run": 1},
        headers=auth,
    )  # fmt: skip
    assert schedule.status_code == 201, schedule.text
    return {
        "project": project["id"],
        "feed": feed.json()["id"],
        "topics": topics.json()["id"],
        "schedule": schedule.json()["id"],
    }


def runs(client: TestClient, auth: dict[str, str], schedule: str) -> list[dict[str, Any]]:
    answer = client.get(f"{API}/schedules/{schedule}/runs", headers=auth)
    assert answer.status_code == 200, answer.text
    return list(reversed(answer.json()["items"]))  # oldest first


def seen(client: TestClient, auth: dict[str, str], source: str) -> int:
    return int(client.get(f"{API}/sources/{source}", headers=auth).json()["items_seen"])


def made_contents(runtime: Runtime) -> list[Content]:
    with runtime.db.session(write=False) as session:
        rows = session.scalars(
            select(Content)
            .where(Content.status != ContentStatus.DRAFT)
            .order_by(Content.created_at, Content.id)
        )
        return list(rows)


def wait_all_finished(runtime: Runtime, timeout: float) -> list[Content]:
    def done() -> list[Content] | None:
        rows = made_contents(runtime)
        return rows if rows and all(c.status.value in FINISHED for c in rows) else None

    return wait_for(done, timeout, "every generated content to finish", every=0.5)


def check_video(ffprobe: Path, data_dir: Path, content: Content) -> None:
    """A draft-size H.264 + AAC video with a few seconds of narration, in the local store."""
    assert content.outputs is not None
    path = data_dir / content.outputs.video
    info = probe(ffprobe, path)
    kinds = sorted(s["codec_name"] for s in info["streams"])
    assert kinds == ["aac", "h264"], info
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (720, 1280)
    assert float(info["format"]["duration"]) > 3


# -- distributed: the API and two workers, PostgreSQL + Redis ----------------------------


def worker_env(settings: Settings, clock_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOCLIP_")}
    assert settings.database_url is not None
    assert settings.redis_url is not None
    assert settings.secret_key is not None
    return env | {
        "AUTOCLIP_DATABASE_URL": settings.database_url,
        "AUTOCLIP_REDIS_URL": settings.redis_url,
        "AUTOCLIP_DATA_DIR": str(settings.data_dir),  # one machine: one local store
        "AUTOCLIP_SECRET_KEY": settings.secret_key.get_secret_value(),
        "AUTOCLIP_OUTBOUND_ALLOW": "127.0.0.1",  # the feed and its articles are local
        "AUTOCLIP_FACTORY__CLOCK_FILE": str(clock_file),
        "AUTOCLIP_FACTORY__POLL_SECONDS": str(POLL_S),
        "AUTOCLIP_WORKER__LEASE_SECONDS": "5",
        "AUTOCLIP_WORKER__RECONCILE_SECONDS": "0.5",
        "AUTOCLIP_LOG_LEVEL": "INFO",
    }


def _up(worker: WorkerProc) -> bool:
    return " started on " in worker.output() or not worker.alive()


class Cluster:
    """The API (in this process) and two `autoclip worker` processes; `restart` stops
    them all and starts them again, as a deploy or a power cut would."""

    def __init__(self, settings: Settings, clock_file: Path, logs: Path) -> None:
        self.settings = settings
        self.env = worker_env(settings, clock_file)
        self.logs = logs
        self.generation = 0
        self.workers: list[WorkerProc] = []
        self.runtime: Runtime | None = None
        self.client: TestClient | None = None

    def start(self) -> tuple[Runtime, TestClient]:
        self.generation += 1
        self.workers = [
            start_worker(name, self.logs / f"{name}-{self.generation}.log", self.env)
            for name in ("worker-a", "worker-b")
        ]
        for worker in self.workers:
            wait_for(partial(_up, worker), 90, f"{worker.name} to start")
            assert worker.alive(), self.output()
        self.runtime = build_runtime(self.settings)
        self.client = TestClient(create_app(self.runtime, run_worker=False))
        self.client.__enter__()
        return self.runtime, self.client

    def stop(self) -> None:
        if self.client is not None:
            self.client.__exit__(None, None, None)
            self.client = None
        if self.runtime is not None:
            self.runtime.close()
            self.runtime = None
        for worker in self.workers:
            if worker.alive():
                os.killpg(worker.pid, signal.SIGTERM)  # finishes its jobs, then exits
        for worker in self.workers:
            try:
                worker.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGKILL)
                worker.process.wait(timeout=30)

    def output(self) -> str:
        return "".join(f"\n--- {w.log.name} ---\n{w.output()[-4000:]}" for w in self.workers)


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_simulated_day_across_a_restart_makes_each_due_content_once(
    make_settings: Callable[..., Settings],
    private_redis: str,
    site: tuple[Site, str],
    ffprobe: Path,
    tmp_path: Path,
) -> None:
    served, base = site
    clock = FileClock(tmp_path / "clock.txt")
    clock.set(seoul(2, 8, 0))
    settings = make_settings(
        rate_limits=False,
        redis_url=private_redis,
        outbound_allow="127.0.0.1",
        factory=FactorySettings(clock_file=clock.path, poll_seconds=POLL_S),
    )
    cluster = Cluster(settings, clock.path, tmp_path)
    try:
        runtime, client = cluster.start()
        auth = sign_up(client)
        give_credits(runtime, 40)
        served.offer("water", "sleep")  # water is the newer
        ids = set_up_project(client, auth, base)

        # 08:00: both sources fetched by the workers; the feed's two items and the topic
        # are drafts, waiting.
        wait_for(lambda: seen(client, auth, ids["feed"]) == 2 or None, 60, "the feed fetch")
        wait_for(lambda: seen(client, auth, ids["topics"]) == 1 or None, 60, "the topics")
        assert runs(client, auth, ids["schedule"]) == []

        # 09:00:30: one run, one content (the older article), whichever worker takes it.
        clock.set(seoul(2, 9, 0, 30))
        wait_for(lambda: runs(client, auth, ids["schedule"]) or None, 60, "the 09:00 run")

        # 10:05: the feed has a new article; its fetch (conditional) finds it alone.
        served.offer("walk")
        clock.set(seoul(2, 10, 5))
        wait_for(lambda: seen(client, auth, ids["feed"]) == 3 or None, 60, "the new item")
        wait_all_finished(runtime, 240)

        # Every process stops at 12:00 and comes back at 21:00: 18:00 was missed.
        clock.set(seoul(2, 12, 0))
        cluster.stop()
        clock.set(seoul(2, 21, 0))
        runtime, client = cluster.start()
        wait_for(lambda: len(runs(client, auth, ids["schedule"])) == 2 or None, 60, "18:00")

        # The next morning's 09:00.
        clock.set(seoul(3, 9, 0, 10))
        wait_for(lambda: len(runs(client, auth, ids["schedule"])) == 3 or None, 60, "09:00")
        made = wait_all_finished(runtime, 300)

        # A quiet spell: nothing more is due until 18:00, and nothing more is made.
        clock.set(seoul(3, 17, 59))
        prior = len(served.feed_requests())
        wait_for(lambda: len(served.feed_requests()) > prior or None, 60, "a later fetch")

        day = runs(client, auth, ids["schedule"])
        contents = made_contents(runtime)
        drafts = client.get(f"{API}/contents?status=draft", headers=auth).json()
        requests = served.feed_requests()
        metrics = client.get("/metrics").text
    finally:
        cluster.stop()
        logs = cluster.output()

    # Exactly the due contents, once each, from the feed's items in order.
    assert [r["due_at"] for r in day] == [
        "2026-03-02T00:00:00Z", "2026-03-02T09:00:00Z", "2026-03-03T00:00:00Z"
    ], logs  # fmt: skip
    assert [(r["outcome"], len(r["made"]), r["failed"]) for r in day] == [("made", 1, [])] * 3
    assert [r["missed"] for r in day] == [0, 0, 0]  # one due time missed: it is the run
    assert day[1]["lag_seconds"] == 3 * 3600  # 18:00 ran at 21:00, once
    assert len(contents) == 3, [(c.source, c.status) for c in contents]
    assert [c.id for c in contents] == [c.id for c in made]
    assert [str(c.id) for c in contents] == [r["made"][0] for r in day]
    links = [c.source for c in contents]
    assert links == [f"{base}/articles/{s}?utm_source=feed" for s in ("sleep", "water", "walk")]
    assert [c.title for c in contents] == [ARTICLES[s][0] for s in ("sleep", "water", "walk")]
    for content in contents:
        assert content.status is ContentStatus.READY, (content.error, logs)
        check_video(ffprobe, settings.data_dir, content)
    # The topic waits as a draft: the feed comes first in the project's order.
    assert [d["generation_type"] for d in drafts["items"]] == ["topic"]
    # Conditional GETs after the first: 304s while the feed did not change.
    assert "If-None-Match" not in requests[0].headers
    assert all("If-None-Match" in r.headers for r in requests[1:])
    assert "autoclip_schedules_overdue 0.0" in metrics


# -- embedded: one process, SQLite ---------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_schedule_flow_in_embedded_mode(
    make_settings: Callable[..., Settings],
    site: tuple[Site, str],
    ffprobe: Path,
    tmp_path: Path,
) -> None:
    served, base = site
    clock = FileClock(tmp_path / "clock.txt")
    clock.set(seoul(2, 8, 0))
    settings = make_settings(
        rate_limits=False,
        outbound_allow="127.0.0.1",
        factory=FactorySettings(clock_file=clock.path, poll_seconds=POLL_S),
    )
    served.offer("water", "sleep")

    def serve_embedded() -> tuple[Runtime, TestClient]:
        runtime = build_runtime(settings)
        client = TestClient(create_app(runtime))  # the worker and the factory inside
        client.__enter__()
        return runtime, client

    runtime, client = serve_embedded()
    try:
        auth = sign_up(client)
        ids = set_up_project(client, auth, base)
        wait_for(lambda: seen(client, auth, ids["feed"]) == 2 or None, 60, "the feed fetch")
        clock.set(seoul(2, 9, 0, 5))
        wait_for(lambda: runs(client, auth, ids["schedule"]) or None, 60, "the 09:00 run")
        wait_all_finished(runtime, 240)
    finally:
        client.__exit__(None, None, None)
        runtime.close()
    clock.set(seoul(3, 8, 0))  # down over 18:00
    runtime, client = serve_embedded()
    try:
        wait_for(lambda: len(runs(client, auth, ids["schedule"])) == 2 or None, 60, "18:00")
        made = wait_all_finished(runtime, 240)
        day = runs(client, auth, ids["schedule"])
        with runtime.db.session(write=False) as session:
            generated = session.execute(
                select(func.count()).select_from(Content).where(Content.status != "draft")
            ).scalar_one()

        # A batch of 20 through the API: the two articles again and again (their stages
        # come from the cache), a page that is gone, and a topic nobody can write.
        give_credits(runtime, 40)
        links = [f"{base}/articles/{s}?utm_source=feed" for s in ("sleep", "water")] * 9
        items = [{"generation_type": "url", "url": u, "options": {"draft": True}} for u in links]
        items.append({"generation_type": "url", "url": f"{base}/articles/gone"})
        items.append({"generation_type": "topic", "topic": "Why we yawn"})
        sent = client.post(
            f"{API}/contents/batch", json={"project_id": ids["project"], "items": items},
            headers=auth,
        )  # fmt: skip
        assert sent.status_code == 202, sent.text
        batch_url = sent.headers["Location"].removeprefix("/api/v1")

        def finished() -> dict[str, Any] | None:
            shown: dict[str, Any] = client.get(f"{API}{batch_url}", headers=auth).json()
            return shown if shown["summary"]["finished"] else None

        batch = wait_for(finished, 300, "the batch to finish", every=0.5)
        balance = client.get(f"{API}/analytics/credits", headers=auth).json()["balance"]
    finally:
        client.__exit__(None, None, None)
        runtime.close()
    assert [(r["due_at"], r["outcome"], r["missed"]) for r in day] == [
        ("2026-03-02T00:00:00Z", "made", 0),
        ("2026-03-02T09:00:00Z", "made", 0),
    ]
    assert generated == 2
    assert [c.source for c in made] == [
        f"{base}/articles/{s}?utm_source=feed" for s in ("sleep", "water")
    ]
    for content in made:
        assert content.status is ContentStatus.READY, content.error
        check_video(ffprobe, settings.data_dir, content)

    summary = batch["summary"]
    assert (summary["total"], summary["accepted"], summary["rejected"]) == (20, 19, 1)
    assert (summary["ready"], summary["failed"]) == (18, 1), batch["items"]
    assert [i["status"] for i in batch["items"][:18]] == ["ready"] * 18
    gone, topic = batch["items"][18:]
    assert gone["status"] == "failed"
    assert "404" in gone["error"]["message"]
    assert topic["status"] == "rejected"
    assert "language model" in topic["error"]["message"]
    assert balance == 40 - 18  # the failed page's credit came back; the topic cost nothing


def test_a_batch_file_of_20_lines_through_the_cli(
    site: tuple[Site, str], ffprobe: Path, tmp_path: Path
) -> None:
    """Offline: no server, no database; one result per line, and a summary."""
    _, base = site
    first = "Sleep repairs the body every night. Go to bed at the same time each night."
    second = "Drink a glass of water before each meal. Do not wait until you are thirsty."
    lines = [
        json.dumps({"generation_type": "text", "text": t, "language": "en",
                    "options": {"draft": True}})
        for t in [first, second] * 8
    ]  # fmt: skip
    lines += [
        json.dumps({"generation_type": "url", "url": f"{base}/articles/gone"}),
        json.dumps({"generation_type": "topic", "topic": "Why we yawn"}),
        json.dumps({"generation_type": "text", "text": "too short"}),
        '{"generation_type": "text", "text": ',  # cut off
    ]
    batch = tmp_path / "today.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOCLIP_")}
    env |= {"AUTOCLIP_DATA_DIR": str(tmp_path / "data"), "AUTOCLIP_OUTBOUND_ALLOW": "127.0.0.1"}
    done = subprocess.run(
        [autoclip_binary(), "batch", str(batch), "--json"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # some lines failed
    summary = json.loads(done.stdout)
    assert (summary["total"], summary["ready"], summary["failed"]) == (20, 16, 4)
    results = [json.loads(r) for r in Path(summary["results"]).read_text().splitlines()]
    assert [r["line"] for r in results] == list(range(1, 21))
    assert all(r["status"] == "ready" for r in results[:16])
    reasons = [r["error"] for r in results[16:]]
    assert "404" in reasons[0]
    assert "language model" in reasons[1]
    assert reasons[2].startswith("text:")
    assert reasons[3].startswith("not JSON")
    # Equal lines make the same video; the two texts, two videos, each probed.
    videos = sorted({r["video"] for r in results[:16]})
    assert len(videos) == 2
    for video in videos:
        info = probe(ffprobe, Path(video))
        assert sorted(s["codec_name"] for s in info["streams"]) == ["aac", "h264"]
        assert float(info["format"]["duration"]) > 3
