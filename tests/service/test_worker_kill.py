"""Distributed mode with a worker killed mid-render: two real `autoclip worker` processes on
PostgreSQL + Redis + S3 (moto); one is SIGKILLed (with its ffmpeg) while it renders. The
survivor retakes the content once its lease runs out, and every content still ends ready,
published once, paid for once."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from autoclip.service.app import create_app
from autoclip.service.models import Content, JobPhase
from autoclip.service.runtime import build_runtime
from autoclip.settings import Settings
from s3server import TEST_CREDENTIALS, create_bucket, s3_endpoint, use_test_credentials
from service.conftest import sign_up
from service.test_jobs_support import (
    TEXTS,
    VIDEO_FILES,
    check_draft_video,
    create,
    entries,
    get,
    ledger,
    private_redis,
    private_redis_session,
    row,
    run_of,
    scene_count,
    stage_runs,
    wait_finished,
    wait_for,
)
from workers import WorkerProc, live_members, owner_pid, start_worker

__all__ = ["private_redis", "private_redis_session", "s3_endpoint"]  # fixtures, used by name

PREFIX = "autoclip-test"


def worker_env(settings: Settings, storage_url: str, endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOCLIP_", "AWS_"))}
    assert settings.database_url is not None
    assert settings.redis_url is not None
    assert settings.secret_key is not None
    env |= TEST_CREDENTIALS
    env |= {
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AUTOCLIP_DATABASE_URL": settings.database_url,
        "AUTOCLIP_REDIS_URL": settings.redis_url,
        "AUTOCLIP_STORAGE_URL": storage_url,
        "AUTOCLIP_S3_ENDPOINT_URL": endpoint,
        # one machine: both workers share the data folder, hence the stage cache
        "AUTOCLIP_DATA_DIR": str(settings.data_dir),
        "AUTOCLIP_SECRET_KEY": settings.secret_key.get_secret_value(),
        "AUTOCLIP_WORKER__LEASE_SECONDS": "3",
        "AUTOCLIP_WORKER__RECONCILE_SECONDS": "0.5",
        "AUTOCLIP_WORKER__RETRY_BASE_SECONDS": "0",
        "AUTOCLIP_LOG_LEVEL": "INFO",
    }
    return env


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[[str, dict[str, str]], WorkerProc]]:
    """Start `autoclip worker` processes, each in its own session (process group); whatever
    is still running at the end is killed, group and all. Logs are shown on failure."""
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
                    os.killpg(worker.pid, signal.SIGKILL)
                worker.process.wait(timeout=30)


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["postgresql"])
def test_killed_worker_loses_its_render_to_the_survivor(
    make_settings: Callable[..., Settings],
    private_redis: str,
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    spawn: Callable[[str, dict[str, str]], WorkerProc],
    ffprobe: Path,
    tmp_path: Path,
) -> None:
    use_test_credentials(monkeypatch)
    bucket = create_bucket(s3_endpoint)
    storage_url = f"s3://{bucket}/{PREFIX}"
    settings = make_settings(
        rate_limits=False,
        redis_url=private_redis,
        storage_url=storage_url,
        s3_endpoint_url=s3_endpoint,
    )
    env = worker_env(settings, storage_url, s3_endpoint)
    workers = [spawn("worker-a", env), spawn("worker-b", env)]

    def logs() -> str:
        return "".join(
            f"\n----- {w.log.name} (pid {w.pid}, exit {w.process.poll()}) -----\n{w.output()}"
            for w in workers
        )

    runtime = build_runtime(settings)
    try:
        for worker in workers:

            def up(worker: WorkerProc = worker) -> bool:
                return " started on " in worker.output() or worker.process.poll() is not None

            wait_for(up, 60, f"{worker.log.name} to start")
            assert worker.process.poll() is None, f"a worker exited at start:{logs()}"

        with TestClient(create_app(runtime, run_worker=False)) as client:
            auth = sign_up(client)
            start_balance, _ = ledger(client, auth)
            ids = [create(client, auth, text) for text in TEXTS]

            # Kill while a render is under way (ffmpeg reporting), once every content is
            # past its prepare phase: the victim then holds no message it has not started.
            def rendering() -> tuple[Content, str] | None:
                rows = [(row(runtime, i), run_of(runtime, i)) for i in ids]
                if any(r.phase is not JobPhase.RENDER and c.status.is_active for c, r in rows):
                    return None
                for content, run in rows:
                    owner = run.lease_owner
                    if content.stage == "render" and content.progress > 46 and owner_pid(owner):
                        assert owner is not None
                        return content, owner
                return None

            target, target_owner = wait_for(rendering, 120, "a content to be rendering")
            victim_pid = owner_pid(target_owner)
            victim = next(w for w in workers if w.pid == victim_pid)
            survivor = next(w for w in workers if w is not victim)
            os.killpg(victim.pid, signal.SIGKILL)
            assert victim.process.wait(timeout=30) == -signal.SIGKILL
            killed_id = str(target.id)

            finished = [wait_finished(runtime, content_id, timeout=240) for content_id in ids]
            assert [f.status.value for f in finished] == ["ready"] * 3, [
                (f.status, f.error) for f in finished
            ]

            # the killed render: abandoned by the victim, then done by the survivor
            renders = [r for r in stage_runs(runtime, killed_id) if r.stage == "render"]
            assert [r.status.value for r in renders] == ["abandoned", "succeeded"], renders
            assert renders[0].worker == target_owner
            assert renders[0].error == "worker lost"
            assert renders[1].worker is not None
            assert f":{survivor.pid}/" in renders[1].worker  # host:pid/job
            assert run_of(runtime, killed_id).attempts == 2

            for content_id in ids:
                content = get(client, auth, content_id)
                assert content["status"] == "ready"
                runs = [r for r in stage_runs(runtime, content_id) if r.status.value != "abandoned"]
                assert [r.stage for r in runs].count("publish") == 1
                videos = runtime.storage.list_keys(f"videos/{content_id}/")
                assert videos == [f"videos/{content_id}/{name}" for name in VIDEO_FILES]
                images = runtime.storage.list_keys(f"images/{content_id}/")
                assert len(images) == scene_count(content["script"])
                # a presigned S3 URL, straight from the API
                assert content["video_url"].startswith(s3_endpoint)
                video = tmp_path / f"{content_id}.mp4"
                with httpx.Client(trust_env=False, timeout=60) as http:
                    got = http.get(content["video_url"])
                assert got.status_code == 200, got.text[:500]
                video.write_bytes(got.content)
                check_draft_video(ffprobe, video, content["duration_s"])

            balance, book = ledger(client, auth)
            assert balance == start_balance - 3
            generations = [e for e in book if e["reason"] == "generation"]
            assert sorted(e["content_id"] for e in generations) == sorted(ids)
            assert [e for e in book if e["reason"] == "refund"] == []
            assert all(len(entries(book, i, "generation")) == 1 for i in ids)

        # the survivor stops cleanly on SIGTERM
        survivor.process.send_signal(signal.SIGTERM)
        assert survivor.process.wait(timeout=60) == 0, logs()
        assert "stopping" in survivor.output()
    except BaseException:
        sys.stderr.write(logs())
        raise
    finally:
        runtime.close()
    # nothing of the victim's process group (its ffmpeg) outlived the kill
    wait_for(lambda: not live_members(victim.pid), 10, "the victim's process group to be gone")
