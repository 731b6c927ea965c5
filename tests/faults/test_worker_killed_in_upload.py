"""A worker SIGKILLed half-way through publishing (uploads to S3 slowed so the kill lands
between objects and inside one): the other worker retakes the content once the lease runs
out and publishes it again. Exactly one finished video, complete; no file served before the
content is ready; charged once."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import pytest

from autoclip.service.models import ContentStatus, JobPhase
from faults.cluster import TEXTS, Cluster, record
from service.conftest import sign_up
from service.test_jobs_support import (
    VIDEO_FILES,
    check_draft_video,
    create,
    get,
    ledger,
    row,
    run_of,
    scene_count,
    stage_runs,
    wait_for,
)
from workers import live_members, owner_pid

SLOW_S3 = 150_000  # bytes per second each way while the victim publishes


@pytest.mark.e2e
@pytest.mark.faults
def test_worker_killed_during_upload_the_other_publishes_exactly_once(
    cluster: Cluster, ffprobe: Path, tmp_path: Path
) -> None:
    workers = cluster.spawn_many(["worker-a", "worker-b"])
    try:
        with cluster.api() as (runtime, client):
            auth = sign_up(client)
            start_balance, _ = ledger(client, auth)
            content_id = create(client, auth, TEXTS[1])

            def rendering() -> bool:
                phase = run_of(runtime, content_id).phase
                return phase is JobPhase.RENDER and row(runtime, content_id).stage == "render"

            wait_for(rendering, 120, "the render to start", every=0.05)
            cluster.s3.throttle(SLOW_S3)  # the render is local; its uploads now crawl

            def uploading() -> bool:
                # publishing, with some of its objects already written: mid-upload
                content = row(runtime, content_id)
                if content.stage != "publish":
                    return False
                return bool(runtime.storage.list_keys(f"images/{content_id}/"))

            wait_for(uploading, 120, "the publish to be half-way", every=0.05)
            target_owner = run_of(runtime, content_id).lease_owner
            victim = next(w for w in workers if w.pid == owner_pid(target_owner))
            survivor = next(w for w in workers if w is not victim)
            written = runtime.storage.list_keys(f"images/{content_id}/")
            written += runtime.storage.list_keys(f"videos/{content_id}/")
            cluster.kill(victim)
            killed_at = time.monotonic()
            cluster.s3.throttle(None)
            # Until it is ready again, the content serves no file (what landed is not shown).
            assert get(client, auth, content_id).get("video_url") is None

            def ready() -> bool:
                return row(runtime, content_id).status.value in {"ready", "failed"}

            wait_for(ready, 120, "the survivor to finish the content")
            ready_after = time.monotonic() - killed_at
            content = row(runtime, content_id)
            assert content.status is ContentStatus.READY, content.error
            publishes = [r for r in stage_runs(runtime, content_id) if r.stage == "publish"]
            assert [r.status.value for r in publishes] == ["abandoned", "succeeded"], publishes
            assert publishes[0].worker == target_owner
            assert publishes[1].worker is not None
            assert f":{survivor.pid}/" in publishes[1].worker
            shown = get(client, auth, content_id)
            keys = runtime.storage.list_keys(f"videos/{content_id}/")
            assert keys == [f"videos/{content_id}/{name}" for name in VIDEO_FILES]
            images = runtime.storage.list_keys(f"images/{content_id}/")
            assert len(images) == scene_count(shown["script"])
            with httpx.Client(trust_env=False, timeout=60) as http:
                got = http.get(shown["video_url"])
            assert got.status_code == 200
            video = tmp_path / "video.mp4"
            video.write_bytes(got.content)
            check_draft_video(ffprobe, video, shown["duration_s"])
            balance, book = ledger(client, auth)
            assert balance == start_balance - 1
            assert [e["reason"] for e in book if e["content_id"] == content_id] == ["generation"]
    except BaseException:
        sys.stderr.write(cluster.logs())
        raise
    # nothing of the victim's process group (an upload thread, ffmpeg) outlived the kill
    wait_for(lambda: not live_members(victim.pid), 10, "the victim's process group to be gone")
    record(
        "worker killed during upload",
        objects_written_before_kill=len(written),
        ready_after_kill_s=round(ready_after, 1),
    )
