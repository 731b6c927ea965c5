"""The whole way, as the issue's "done when" asks: a flagged script approved by its owner
becomes a video, which is published to the local YouTube stand-in through an interrupted
upload and a token refresh, while a local receiver verifies a signed webhook for every
step (the first delivery refused twice before it is taken). On PostgreSQL + Redis with
two real `autoclip worker` processes, and in embedded mode (SQLite, the worker inside the
API process)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from autoclip.service.app import create_app
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings, WebhookSettings
from service.conftest import sign_up
from service.test_jobs_support import (
    API,
    check_draft_video,
    get,
    private_redis,
    private_redis_session,
    wait_for,
)
from service.test_publishing import connect_channel, publication, settled
from service.test_review_embedded import FLAGGED_TEXT, MEDICAL_DISCLAIMER, health_project, submit
from webhook_receiver import Receiver, webhook_receiver
from workers import WorkerProc, start_worker
from youtube_server import Google, google_standin, youtube_settings

__all__ = ["private_redis", "private_redis_session"]  # fixtures, used by name

STEPS = [
    "content.queued",
    "content.processing",
    "content.review",
    "content.queued",  # the approval
    "content.processing",
    "content.ready",
    "content.published",
]
RETRIES = "0.3,0.3,0.3,0.3"


def worker_env(settings: Settings, google: Google) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOCLIP_")}
    assert settings.database_url
    assert settings.redis_url
    assert settings.secret_key
    env |= {
        "AUTOCLIP_DATABASE_URL": settings.database_url,
        "AUTOCLIP_REDIS_URL": settings.redis_url,
        "AUTOCLIP_DATA_DIR": str(settings.data_dir),  # one machine: one local storage
        "AUTOCLIP_SECRET_KEY": settings.secret_key.get_secret_value(),
        "AUTOCLIP_WORKER__LEASE_SECONDS": "3",
        "AUTOCLIP_WORKER__RECONCILE_SECONDS": "0.5",
        "AUTOCLIP_WORKER__RETRY_BASE_SECONDS": "0",
        "AUTOCLIP_WEBHOOKS__RETRY_SCHEDULE": RETRIES,
        "AUTOCLIP_LOG_LEVEL": "INFO",
    }
    for name, value in youtube_settings(google.base).items():
        env[f"AUTOCLIP_{name.upper()}"] = str(value)
    return env


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[[str, dict[str, str]], WorkerProc]]:
    started: list[WorkerProc] = []

    def start(name: str, env: dict[str, str]) -> WorkerProc:
        worker = start_worker(name, tmp_path / f"{name}.log", env)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            if worker.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.process.wait(timeout=60)
                except Exception:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.process.wait(timeout=30)


def flow(runtime: Runtime, client: TestClient, google: Google, receiver: Receiver,
         ffprobe: Path, tmp_path: Path) -> None:  # fmt: skip
    auth = sign_up(client)
    connect_channel(client, auth, google)
    made = client.post(
        f"{API}/webhooks/endpoints",
        json={"url": f"{receiver.url}/autoclip", "events": STEPS[:2] + STEPS[2:]},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    receiver.secrets.append(made.json()["secret"])
    receiver.refuse_first_message = 2

    project = health_project(client, auth, review=True)
    content_id = submit(client, auth, FLAGGED_TEXT, project)

    def in_review() -> dict[str, Any] | None:
        content = get(client, auth, content_id)
        assert content["status"] in ("queued", "processing", "review"), content
        return content if content["status"] == "review" else None

    wait_for(in_review, 120, "the flagged script to wait for review")
    approved = client.post(f"{API}/contents/{content_id}/approve", headers=auth)
    assert approved.status_code == 202, approved.text

    def ready() -> dict[str, Any] | None:
        content = get(client, auth, content_id)
        assert content["status"] in ("queued", "processing", "ready"), content
        return content if content["status"] == "ready" else None

    content = wait_for(ready, 240, "the video")
    stored = runtime.storage.get_bytes(f"videos/{content_id}/original.mp4")
    google.plan = {2: "cut", 3: "expire"}  # the video is a few chunks of 256 KiB
    asked = client.post(f"{API}/contents/{content_id}/publish", json={"privacy": "unlisted"},
                        headers=auth)  # fmt: skip
    assert asked.status_code == 202, asked.text
    done = wait_for(settled(runtime, content_id), 120, "the publish to end")
    assert done.status.value == "published", done.error
    assert get(client, auth, content_id)["status"] == "published"

    # YouTube has the very video, a real one, cut and refreshed on the way
    video = google.videos[done.video_id or ""]
    assert bytes(video.data) == stored
    received = tmp_path / "on-youtube.mp4"
    received.write_bytes(bytes(video.data))
    check_draft_video(ffprobe, received, content["duration_s"])
    assert any(line.endswith("[cut]") for line in google.log)
    assert any(line.startswith("PUT bytes */") for line in google.log)
    assert "POST /token refresh_token 200" in google.log
    snippet, state = video.resource["snippet"], video.resource["status"]
    assert MEDICAL_DISCLAIMER in snippet["description"]
    assert snippet["defaultLanguage"] == "en"
    assert state["containsSyntheticMedia"] is True
    assert state["privacyStatus"] == "unlisted"
    assert publication(runtime, content_id).attempts == 1

    # a signed webhook for every step, each verified by the receiver
    def heard() -> list[str] | None:
        got = receiver.events("/autoclip")
        return got if len(got) >= len(STEPS) else None

    wait_for(heard, 60, "every step's webhook")
    taken = [r for r in receiver.got if r.status == 200]
    by_time = sorted(taken, key=lambda r: r.event["timestamp"])
    assert [r.event["type"] for r in by_time] == STEPS
    assert all(r.verified_with == [0] for r in receiver.got)
    assert all(r.event["data"]["id"] == content_id for r in taken)
    first = receiver.first_message
    assert [r.status for r in receiver.got if r.headers["webhook-id"] == first] == [500, 500, 200]

    def logged() -> list[dict[str, Any]] | None:  # the receiver answers before the log
        items = client.get(f"{API}/webhooks/deliveries?per_page=50", headers=auth).json()
        done = [d for d in items["items"] if d["status"] == "delivered"]
        return done if len(done) == len(STEPS) else None

    log = wait_for(logged, 30, "the deliveries' log")
    assert sorted(d["attempts"] for d in log) == [1] * (len(STEPS) - 1) + [3]


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["postgresql"])
def test_approval_to_published_with_two_workers(
    make_settings: Callable[..., Settings],
    private_redis: str,
    spawn: Callable[[str, dict[str, str]], WorkerProc],
    ffprobe: Path,
    tmp_path: Path,
) -> None:
    with google_standin() as google, webhook_receiver() as receiver:
        settings = make_settings(
            rate_limits=False, redis_url=private_redis, **youtube_settings(google.base)
        )
        env = worker_env(settings, google)
        workers = [spawn("worker-a", env), spawn("worker-b", env)]
        for worker in workers:

            def up(w: WorkerProc = worker) -> bool:
                return " started on " in w.output() or not w.alive()

            wait_for(up, 60, f"{worker.name} to start")
            assert worker.alive(), worker.output()
        runtime = build_runtime(settings)
        try:
            with TestClient(create_app(runtime, run_worker=False)) as client:
                flow(runtime, client, google, receiver, ffprobe, tmp_path)
        finally:
            runtime.close()
        logs = "".join(w.output() for w in workers)
        assert "published as" in logs


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite"])
def test_approval_to_published_embedded(
    make_settings: Callable[..., Settings], ffprobe: Path, tmp_path: Path
) -> None:
    with google_standin() as google, webhook_receiver() as receiver:
        settings = make_settings(
            rate_limits=False,
            webhooks=WebhookSettings(retry_schedule=RETRIES),
            **youtube_settings(google.base),
        )
        runtime = build_runtime(settings)
        try:
            with TestClient(create_app(runtime, run_worker=True)) as client:
                flow(runtime, client, google, receiver, ffprobe, tmp_path)
        finally:
            runtime.close()
