"""Helpers and fixtures shared by the job tests (embedded and distributed): waiting,
reading the truth from the database, probing the rendered video, a private Redis. No tests
here."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select

from autoclip.service.app import create_app
from autoclip.service.models import Content, GenerationRun, StageRun
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings
from e2e.media import probe
from s3server import create_bucket, use_test_credentials
from services import _throwaway_redis

T = TypeVar("T")
API = "/api/v1"
PREPARE = ["script", "safety", "narration", "visuals", "captions"]
RENDER = ["render", "thumbnail", "publish"]
ALL_STAGES = PREPARE + RENDER
VIDEO_FILES = [
    "audio.mp3",
    "captions.ass",
    "captions.srt",
    "original.mp4",
    "script.json",
    "thumbnail.jpg",
]
FINISHED = {"ready", "failed", "cancelled"}

# Short, distinct texts (the stage cache is keyed by content: equal texts would share renders).
TEXTS = [
    "수면은 건강의 기본입니다. 매일 같은 시간에 잠자리에 들면 몸의 리듬이 안정됩니다. "
    "잠들기 전에 화면을 멀리하면 깊은 잠을 잘 수 있습니다.",
    "물은 몸의 절반이 넘는 부분을 차지합니다. 하루에 여러 번 나누어 물을 마시면 좋습니다. "
    "목이 마르기 전에 한 잔씩 마셔 보세요.",
    "Walking every day keeps the heart strong. Even ten minutes after a meal helps blood "
    "sugar. Start with a short walk today.",
]


@pytest.fixture(scope="session")
def private_redis_session(request: pytest.FixtureRequest) -> Iterator[str]:
    """A Redis of our own for tests that run workers on the Redis queue.

    The shared test Redis database is used by every pytest session on the machine, and each
    PostgreSQL test flushes it: with sessions running side by side, their workers take each
    other's messages and their flushes drop ours. A private redis-server avoids both; without
    the binary, the shared server is used.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        yield str(request.getfixturevalue("redis_server_url"))
        return
    with _throwaway_redis(binary, 0) as url:
        yield url


@pytest.fixture
def private_redis(private_redis_session: str) -> str:
    """The private Redis, emptied for this test."""
    client = Redis.from_url(private_redis_session)
    try:
        client.flushdb()
    finally:
        client.close()
    return private_redis_session


def wait_for(check: Callable[[], T | None], timeout: float, what: str, every: float = 0.1) -> T:
    """Poll `check` until it returns something other than None/False, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def row(runtime: Runtime, content_id: str) -> Content:
    with runtime.db.session(write=False) as session:
        found = session.get(Content, uuid.UUID(content_id))
        assert found is not None
        return found


def run_of(runtime: Runtime, content_id: str) -> GenerationRun:
    """The content's current generation run (its attempts, its lease)."""
    with runtime.db.session(write=False) as session:
        content = session.get(Content, uuid.UUID(content_id))
        assert content is not None
        assert content.run_id is not None
        found = session.get(GenerationRun, content.run_id)
        assert found is not None
        return found


def stage_runs(runtime: Runtime, content_id: str) -> list[StageRun]:
    with runtime.db.session(write=False) as session:
        return list(
            session.scalars(
                select(StageRun)
                .where(StageRun.content_id == uuid.UUID(content_id))
                .order_by(StageRun.started_at, StageRun.id)
            )
        )


def create(client: TestClient, auth: dict[str, str], text: str = TEXTS[0]) -> str:
    made = client.post(
        f"{API}/contents",
        json={"generation_type": "text", "text": text, "options": {"draft": True}},
        headers=auth,
    )
    assert made.status_code == 202, made.text
    assert made.json()["status"] == "queued"
    content_id = made.json()["id"]
    assert isinstance(content_id, str)
    return content_id


def get(client: TestClient, auth: dict[str, str], content_id: str) -> dict[str, Any]:
    got = client.get(f"{API}/contents/{content_id}", headers=auth)
    assert got.status_code == 200, got.text
    body = got.json()
    assert isinstance(body, dict)
    return body


def wait_finished(runtime: Runtime, content_id: str, timeout: float = 120) -> Content:
    """The content row once it is ready, failed or cancelled (read from the database)."""

    def finished() -> Content | None:
        content = row(runtime, content_id)
        return content if content.status.value in FINISHED else None

    return wait_for(finished, timeout, f"content {content_id} to finish", every=0.2)


def jobs(client: TestClient, auth: dict[str, str], content_id: str) -> list[dict[str, Any]]:
    got = client.get(f"{API}/contents/{content_id}/jobs", headers=auth)
    assert got.status_code == 200, got.text
    runs = got.json()
    assert isinstance(runs, list)
    return runs


def ledger(client: TestClient, auth: dict[str, str]) -> tuple[int, list[dict[str, Any]]]:
    """(balance, ledger entries oldest first)."""
    got = client.get(f"{API}/analytics/credits", headers=auth)
    assert got.status_code == 200, got.text
    body = got.json()
    return int(body["balance"]), list(reversed(body["ledger"]))


def entries(book: list[dict[str, Any]], content_id: str, reason: str) -> list[dict[str, Any]]:
    return [e for e in book if e["content_id"] == content_id and e["reason"] == reason]


def check_draft_video(ffprobe: Path, path: Path, duration: float) -> None:
    """An H.264 + AAC MP4 at the draft 9:16 size, 30 fps, as long as the narration."""
    info = probe(ffprobe, path)
    video = [s for s in info["streams"] if s["codec_type"] == "video"]
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert len(video) == 1, info
    assert len(audio) == 1, info
    assert video[0]["codec_name"] == "h264"
    assert audio[0]["codec_name"] == "aac"
    assert (video[0]["width"], video[0]["height"]) == (720, 1280)
    assert video[0]["avg_frame_rate"] == "30/1"
    assert abs(float(info["format"]["duration"]) - duration) <= 0.1, (
        info["format"]["duration"],
        duration,
    )


def expected_keys(content_id: str, scenes: int) -> list[str]:
    keys = [f"videos/{content_id}/{name}" for name in VIDEO_FILES]
    keys += [f"images/{content_id}/scene_{n}.png" for n in range(1, scenes + 1)]
    return sorted(keys)


def scene_count(script: dict[str, Any]) -> int:
    """Hook + scenes + call to action: one image each."""
    return len(script["scenes"]) + 2


Start = Callable[..., tuple[Runtime, TestClient]]


@pytest.fixture
def start(
    make_settings: Callable[..., Settings],
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Start]:
    """`start(store="local", wrap=None, **settings)`: a runtime on local or S3 storage (a
    real moto_server) and an API client whose lifespan runs the in-process worker; `wrap`
    may replace the storage first. On PostgreSQL the worker takes its jobs from a Redis of
    this test's own."""
    with ExitStack() as stack:

        def make(
            store: str = "local", wrap: Callable[[Runtime], None] | None = None, **overrides: Any
        ) -> tuple[Runtime, TestClient]:
            if backend == "postgresql":
                overrides.setdefault("redis_url", request.getfixturevalue("private_redis"))
            if store == "s3":
                endpoint = request.getfixturevalue("s3_endpoint")
                use_test_credentials(monkeypatch)
                overrides["storage_url"] = f"s3://{create_bucket(endpoint)}/autoclip"
                overrides["s3_endpoint_url"] = endpoint
            runtime = build_runtime(make_settings(rate_limits=False, **overrides))
            stack.callback(runtime.close)
            if wrap is not None:
                wrap(runtime)
            client = stack.enter_context(TestClient(create_app(runtime, run_worker=True)))
            return runtime, client

        yield make
