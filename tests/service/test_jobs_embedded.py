"""The job system end to end, with the worker inside the API process (as `autoclip serve`
runs it): a content goes queued → processing → ready through every stage, and the ways
it can end otherwise — cancelled mid-render, failed for good, retried after a blip."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastapi.testclient import TestClient

from autoclip.kit.storage import LocalStorage
from autoclip.providers.cloud.errors import RetriableProviderError
from autoclip.service.db import utcnow
from autoclip.service.models import GenerationRun
from autoclip.service.runtime import Runtime
from autoclip.settings import WorkerSettings
from localserver import serve
from service.conftest import sign_up
from service.test_jobs_support import (
    ALL_STAGES,
    API,
    PREPARE,
    RENDER,
    TEXTS,
    Start,
    check_draft_video,
    create,
    entries,
    expected_keys,
    get,
    jobs,
    ledger,
    private_redis,
    private_redis_session,
    row,
    run_of,
    scene_count,
    stage_runs,
    start,
    wait_finished,
    wait_for,
)

__all__ = ["Start", "private_redis", "private_redis_session", "start"]  # fixtures, by name

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def ffmpeg_children() -> list[Any]:
    """ffmpeg processes started by this test process (the in-process worker's renders)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "ffmpeg" in child.name():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def read_events(
    client: TestClient, auth: dict[str, str], content_id: str, timeout: float
) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of the content's SSE stream, until `done` (or a deadline)."""
    events: list[tuple[str, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout
    name: str | None = None
    with client.stream("GET", f"{API}/contents/{content_id}/events", headers=auth) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: ") and name is not None:
                events.append((name, json.loads(line.removeprefix("data: "))))
                if name == "done":
                    break
            assert time.monotonic() < deadline, f"no `done` event within {timeout} s: {events}"
    return events


class StatusWatcher(threading.Thread):
    """Records every (status, stage, progress) the content row goes through."""

    def __init__(self, runtime: Runtime, content_id: str) -> None:
        super().__init__(daemon=True)
        self.runtime = runtime
        self.content_id = content_id
        self.seen: list[tuple[str, str | None, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            content = row(self.runtime, self.content_id)
            state = (content.status.value, content.stage, content.progress)
            if not self.seen or self.seen[-1] != state:
                self.seen.append(state)
            if content.status.value in ("ready", "failed", "cancelled"):
                return
            time.sleep(0.05)


def download(client: TestClient, url: str, target: Path) -> bytes:
    got = client.get(url)
    assert got.status_code == 200, got.text
    data: bytes = got.content
    target.write_bytes(data)
    return data


def deduplicated(values: list[str]) -> list[str]:
    return [v for n, v in enumerate(values) if n == 0 or values[n - 1] != v]


@pytest.mark.e2e
def test_text_content_goes_through_every_stage_to_ready(
    start: Start, ffprobe: Path, tmp_path: Path, backend: str
) -> None:
    # SQLite: the in-memory queue; PostgreSQL: the Redis queue, consumed in process.
    runtime, client = start()
    auth = sign_up(client)
    content_id = create(client, auth)
    watcher = StatusWatcher(runtime, content_id)
    watcher.start()

    events = read_events(client, auth, content_id, timeout=120)
    watcher.join(timeout=10)
    watcher.stop.set()

    # the row: queued (when the POST answered) → processing → ready, progress never backs off
    statuses = deduplicated([s for s, _, _ in watcher.seen])
    assert statuses[-2:] == ["processing", "ready"], watcher.seen
    assert set(statuses) <= {"queued", "processing", "ready"}, watcher.seen
    progress = [p for _, _, p in watcher.seen]
    assert progress == sorted(progress), watcher.seen
    assert progress[-1] == 100
    stages_seen = deduplicated([s for _, s, _ in watcher.seen if s is not None])
    assert set(stages_seen) <= set(ALL_STAGES)
    assert "render" in stages_seen, watcher.seen

    # the event stream: progress events (never backwards), then one `done` saying ready
    names = [name for name, _ in events]
    assert names[-1] == "done"
    assert names.count("done") == 1
    assert set(names[:-1]) == {"progress"}
    assert len(names) >= 3, events
    sse_progress = [data["progress"] for name, data in events if name == "progress"]
    assert sse_progress == sorted(sse_progress), events
    assert events[-1][1]["status"] == "ready"
    assert events[-1][1]["progress"] == 100

    content = get(client, auth, content_id)
    assert content["status"] == "ready"
    assert content["progress"] == 100
    assert content["stage"] is None
    assert content["error"] is None
    assert content["title"]
    assert content["finished_at"] is not None

    runs = jobs(client, auth, content_id)
    assert [r["stage"] for r in runs] == ALL_STAGES, runs
    for run in runs:
        assert run["status"] == "succeeded", run
        assert run["duration_s"] is not None, run
        assert run["duration_s"] >= 0, run
        assert run["finished_at"] is not None, run
        assert run["attempt"] == 1, run
        assert run["worker"], run
    assert next(r for r in runs if r["stage"] == "render")["duration_s"] > 0.5

    video = tmp_path / "video.mp4"
    download(client, content["video_url"], video)
    check_draft_video(ffprobe, video, content["duration_s"])
    thumbnail = download(client, content["thumbnail_url"], tmp_path / "thumbnail.jpg")
    assert thumbnail[:3] == b"\xff\xd8\xff"  # a JPEG
    audio = download(client, content["audio_url"], tmp_path / "audio.mp3")
    assert audio[:3] == b"ID3" or audio[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")

    keys = runtime.storage.list_keys(f"videos/{content_id}/")
    keys += runtime.storage.list_keys(f"images/{content_id}/")
    assert sorted(keys) == expected_keys(content_id, scene_count(content["script"]))

    balance, book = ledger(client, auth)
    assert balance == 2
    assert len(entries(book, content_id, "generation")) == 1
    assert entries(book, content_id, "refund") == []


@pytest.mark.e2e
@SQLITE_ONLY
def test_cancel_while_rendering_kills_ffmpeg_and_refunds_once(start: Start) -> None:
    runtime, client = start()
    auth = sign_up(client)
    content_id = create(client, auth)

    # rendering, with ffmpeg already reporting progress (not just the loudness pass)
    def rendering() -> bool:
        content = row(runtime, content_id)
        assert content.status.value in ("queued", "processing"), content.status
        return content.stage == "render" and content.progress > 45 and bool(ffmpeg_children())

    wait_for(rendering, 60, "the render to be under way", every=0.05)
    cancelled = client.post(f"{API}/contents/{content_id}/cancel", headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    began = time.monotonic()

    wait_for(lambda: not ffmpeg_children(), 10, "ffmpeg to be killed")
    assert time.monotonic() - began < 5

    def render_run_closed() -> Any:
        runs = [r for r in stage_runs(runtime, content_id) if r.stage == "render"]
        return runs if runs and runs[-1].status.value != "running" else None

    render_runs = wait_for(render_run_closed, 10, "the render stage run to close")
    assert [r.status.value for r in render_runs] == ["cancelled"]
    assert render_runs[0].error == "cancelled"
    wait_for(lambda: run_of(runtime, content_id).lease_owner is None, 10, "the worker to let go")

    content = get(client, auth, content_id)
    assert content["status"] == "cancelled"
    assert content["video_url"] is None
    assert [r["stage"] for r in jobs(client, auth, content_id)] == [*PREPARE, "render"]
    assert runtime.storage.list_keys(f"videos/{content_id}/") == []
    balance, book = ledger(client, auth)
    assert balance == 3
    assert len(entries(book, content_id, "generation")) == 1
    assert len(entries(book, content_id, "refund")) == 1


@pytest.mark.e2e
@SQLITE_ONLY
def test_regenerate_right_after_cancel_runs(start: Start) -> None:
    """Regenerating a content cancelled a moment ago, before its worker has let go of the
    lease: the new job's message must not be dropped because of the old lease (the content
    would sit queued until the stale-queue pass, ten minutes later)."""
    runtime, client = start()
    auth = sign_up(client)
    content_id = create(client, auth)

    def rendering() -> bool:
        content = row(runtime, content_id)
        return content.stage == "render" and content.progress > 45

    wait_for(rendering, 60, "the render to be under way", every=0.05)
    cancelled = client.post(f"{API}/contents/{content_id}/cancel", headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    # new narration: the content-generation queue, whose threads are free right now
    again = client.post(
        f"{API}/contents/{content_id}/regenerate", json={"parts": ["narration"]}, headers=auth
    )
    assert again.status_code == 202, again.text
    finished = wait_finished(runtime, content_id, timeout=90)
    assert finished.status.value == "ready", (finished.status, finished.error)
    renders = [r for r in stage_runs(runtime, content_id) if r.stage == "render"]
    assert [r.status.value for r in renders] == ["cancelled", "succeeded"]
    balance, book = ledger(client, auth)
    assert balance == 2
    assert len(entries(book, content_id, "refund")) == 1
    assert len(entries(book, content_id, "regeneration")) == 1


@pytest.mark.e2e
@SQLITE_ONLY
def test_regenerate_render_then_narration(start: Start, ffprobe: Path, tmp_path: Path) -> None:
    runtime, client = start()
    auth = sign_up(client)
    content_id = create(client, auth)
    assert wait_finished(runtime, content_id).status.value == "ready"
    first = get(client, auth, content_id)
    before = jobs(client, auth, content_id)
    assert len(before) == len(ALL_STAGES)

    # render again: only the render phase runs (fresh render, not the cached one)
    again = client.post(
        f"{API}/contents/{content_id}/regenerate", json={"parts": ["render"]}, headers=auth
    )
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "queued"
    assert wait_finished(runtime, content_id).status.value == "ready"
    second = get(client, auth, content_id)
    assert second["title"] == first["title"]
    runs = jobs(client, auth, content_id)
    fresh = runs[len(before) :]
    assert [r["stage"] for r in fresh] == RENDER, runs
    assert [r["status"] for r in fresh] == ["succeeded"] * 3, fresh
    assert {r["id"] for r in before} <= {r["id"] for r in runs}
    video = tmp_path / "second.mp4"
    download(client, second["video_url"], video)
    check_draft_video(ffprobe, video, second["duration_s"])
    balance, book = ledger(client, auth)
    assert balance == 1
    assert len(entries(book, content_id, "regeneration")) == 1

    # new narration: the stored script is reused (same title), narration and render redone
    third_start = client.post(
        f"{API}/contents/{content_id}/regenerate", json={"parts": ["narration"]}, headers=auth
    )
    assert third_start.status_code == 202, third_start.text
    assert wait_finished(runtime, content_id).status.value == "ready"
    third = get(client, auth, content_id)
    assert third["title"] == first["title"]
    assert third["script"] == first["script"]
    latest = jobs(client, auth, content_id)[len(runs) :]
    status = {r["stage"]: r["status"] for r in latest}
    assert [r["stage"] for r in latest] == ALL_STAGES, latest
    assert status["script"] == "reused"
    assert status["narration"] == "succeeded"
    assert status["render"] == "succeeded"
    assert status["publish"] == "succeeded"
    balance, book = ledger(client, auth)
    assert balance == 0
    assert len(entries(book, content_id, "regeneration")) == 2
    assert entries(book, content_id, "refund") == []
    assert run_of(runtime, content_id).refresh_stages == []


class NotFoundHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>gone</body></html>")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def submit_missing_page(client: TestClient, auth: dict[str, str], base: str) -> str:
    made = client.post(
        f"{API}/contents",
        json={"generation_type": "url", "url": f"{base}/article", "options": {"draft": True}},
        headers=auth,
    )
    assert made.status_code == 202, made.text
    content_id = made.json()["id"]
    assert isinstance(content_id, str)
    return content_id


@SQLITE_ONLY
def test_page_that_answers_404_fails_for_good_and_refunds(start: Start) -> None:
    runtime, client = start(outbound_allow="127.0.0.1")  # the page is on loopback
    auth = sign_up(client)
    with serve(NotFoundHandler) as base:
        content_id = submit_missing_page(client, auth, base)
        content = wait_finished(runtime, content_id, timeout=60)
    assert content.status.value == "failed", content.error
    assert content.error is not None
    assert "404" in content.error
    assert content.error_stage == "script"
    run = run_of(runtime, content_id)
    assert run.attempts == 1  # a permanent error is not retried
    assert run.lease_owner is None
    shown = get(client, auth, content_id)
    assert shown["status"] == "failed"
    assert shown["error"]["stage"] == "script"
    assert "404" in shown["error"]["message"]
    assert shown["video_url"] is None
    runs = jobs(client, auth, content_id)
    assert [(r["stage"], r["status"]) for r in runs] == [("script", "failed")], runs
    assert "404" in runs[0]["error"]
    balance, book = ledger(client, auth)
    assert balance == 3
    assert len(entries(book, content_id, "refund")) == 1


class FlakyStorage(LocalStorage):
    """Local storage whose first `failures` writes fail as if the network dropped (or with
    `error`)."""

    def __init__(self, root: Path, failures: int, error: Exception | None = None) -> None:
        super().__init__(root)
        self.failures = failures
        self.error = error or ConnectionError("storage connection reset (simulated)")
        self._lock = threading.Lock()

    def put_file(self, key: str, source: Path) -> str:
        with self._lock:
            fail = self.failures > 0
            if fail:
                self.failures -= 1
        if fail:
            raise self.error
        return super().put_file(key, source)


def flaky(runtime: Runtime) -> None:
    assert isinstance(runtime.storage, LocalStorage)
    runtime.storage = FlakyStorage(runtime.storage.root, failures=1)


def one_attempt() -> WorkerSettings:
    return WorkerSettings(
        lease_seconds=3, reconcile_seconds=0.5, retry_base_seconds=0, max_attempts=1
    )


@pytest.mark.e2e
@SQLITE_ONLY
def test_transient_storage_error_is_retried_to_ready(start: Start) -> None:
    runtime, client = start(wrap=flaky)
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[1])
    finished = wait_finished(runtime, content_id)
    assert finished.status.value == "ready", finished.error
    assert run_of(runtime, content_id).attempts == 2
    content = get(client, auth, content_id)
    assert content["error"] is None
    publish = [r for r in jobs(client, auth, content_id) if r["stage"] == "publish"]
    assert [(r["status"], r["attempt"]) for r in publish] == [("failed", 1), ("succeeded", 2)]
    assert "ConnectionError" in publish[0]["error"]
    keys = runtime.storage.list_keys(f"videos/{content_id}/")
    assert len(keys) == 6
    balance, book = ledger(client, auth)
    assert balance == 2
    assert entries(book, content_id, "refund") == []


@pytest.mark.e2e
@SQLITE_ONLY
def test_a_transient_error_is_retried_no_sooner_than_it_asked(start: Start) -> None:
    """A TransientError's `retry_after` (a provider's Retry-After) sets the next attempt
    even when the backoff would be sooner (here zero)."""
    slow_down = RetriableProviderError("s3", "slow down", status=503, retry_after=600)

    def asks_to_wait(runtime: Runtime) -> None:
        assert isinstance(runtime.storage, LocalStorage)
        runtime.storage = FlakyStorage(runtime.storage.root, failures=1, error=slow_down)

    runtime, client = start(wrap=asks_to_wait)
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[1])

    def retry_scheduled() -> GenerationRun | None:
        run = run_of(runtime, content_id)
        return run if run.not_before is not None else None

    run = wait_for(retry_scheduled, timeout=120, what="the retry to be scheduled")
    assert run.attempts == 1
    assert run.not_before is not None
    assert run.not_before - utcnow() > timedelta(seconds=590)
    shown = get(client, auth, content_id)
    assert shown["status"] == "queued"
    assert "attempt 1 failed, retrying" in shown["error"]["message"]
    assert "slow down" in shown["error"]["message"]


@pytest.mark.e2e
@SQLITE_ONLY
def test_transient_error_after_the_last_attempt_fails_and_refunds(start: Start) -> None:
    runtime, client = start(wrap=flaky, worker=one_attempt())
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[1])
    content = wait_finished(runtime, content_id)
    assert content.status.value == "failed", content.error
    assert content.error is not None
    assert "ConnectionError" in content.error
    assert content.error_stage == "publish"
    shown = get(client, auth, content_id)
    assert shown["error"]["stage"] == "publish"
    assert "gave up after 1 attempts" in shown["error"]["message"]
    assert "ConnectionError" in shown["error"]["message"]
    publish = [r for r in jobs(client, auth, content_id) if r["stage"] == "publish"]
    assert [r["status"] for r in publish] == ["failed"]
    assert runtime.storage.list_keys(f"videos/{content_id}/") == []
    balance, book = ledger(client, auth)
    assert balance == 3
    assert len(entries(book, content_id, "refund")) == 1
