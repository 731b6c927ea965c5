"""S3 unreachable (connections refused, open ones reset) while contents render and publish.

For a minute: the uploads wait with bounded backoff, and every content ends ready with
complete objects, charged once. For longer than the bound: the content fails with a
reason that says so, is refunded, and serves no file."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx
import pytest

from autoclip.service.models import ContentStatus, JobPhase
from autoclip.service.runtime import Runtime
from faults.cluster import TEXTS, Cluster, give_credits, record
from service.conftest import sign_up
from service.test_jobs_support import (
    VIDEO_FILES,
    check_draft_video,
    create,
    entries,
    get,
    ledger,
    row,
    run_of,
    stage_runs,
    wait_for,
)

# How long S3 stays down in the first test (AUTOCLIP_FAULT_S3_OUTAGE_S to change it).
OUTAGE_S = float(os.environ.get("AUTOCLIP_FAULT_S3_OUTAGE_S", "60"))


def _rendering(runtime: Runtime, ids: list[str]) -> bool:
    return any(
        run_of(runtime, i).phase is JobPhase.RENDER and row(runtime, i).stage == "render"
        for i in ids
    )


@pytest.mark.e2e
@pytest.mark.faults
def test_s3_down_for_a_minute_uploads_wait_and_every_content_ends_ready(
    cluster: Cluster, ffprobe: Path, tmp_path: Path
) -> None:
    worker = cluster.spawn("worker")
    try:
        with cluster.api() as (runtime, client):
            auth = sign_up(client)
            give_credits(runtime, 10)
            start_balance, _ = ledger(client, auth)
            ids = [create(client, auth, text) for text in TEXTS[:2]]

            wait_for(lambda: _rendering(runtime, ids), 120, "a render to start")
            cluster.s3.down()
            down_at = time.monotonic()
            # Renders finish on local disk, then their uploads meet the outage and wait.
            while time.monotonic() - down_at < OUTAGE_S:
                for content_id in ids:
                    shown = get(client, auth, content_id)
                    assert shown["status"] != "failed", shown["error"]
                    if shown["status"] != "ready":
                        assert shown.get("video_url") is None
                time.sleep(1)
            stuck = {i: row(runtime, i).stage for i in ids}
            cluster.s3.up()
            up_at = time.monotonic()

            def all_finished() -> bool:
                return all(row(runtime, i).status.value in {"ready", "failed"} for i in ids)

            wait_for(all_finished, 120, "every content to finish")
            ready_after = time.monotonic() - up_at
            finished = [row(runtime, i) for i in ids]
            assert [c.status for c in finished] == [ContentStatus.READY] * len(ids), [
                (c.status, c.error) for c in finished
            ]
            assert "publish" in stuck.values(), stuck  # the outage did hold up an upload
            for content_id in ids:
                runs = [r for r in stage_runs(runtime, content_id) if r.stage == "publish"]
                assert [r.status.value for r in runs] == ["succeeded"], runs
                keys = runtime.storage.list_keys(f"videos/{content_id}/")
                assert keys == [f"videos/{content_id}/{name}" for name in VIDEO_FILES]
                content = get(client, auth, content_id)
                with httpx.Client(trust_env=False, timeout=60) as http:
                    got = http.get(content["video_url"])
                assert got.status_code == 200
                video = tmp_path / f"{content_id}.mp4"
                video.write_bytes(got.content)
                check_draft_video(ffprobe, video, content["duration_s"])
            balance, book = ledger(client, auth)
            assert balance == start_balance - len(ids)
            assert [e for e in book if e["reason"] == "refund"] == []
            retries = worker.output().count("unreachable")
            assert retries > 0, "no upload met the outage"
    except BaseException:
        sys.stderr.write(cluster.logs())
        raise
    record(
        "s3 down",
        down_s=round(up_at - down_at, 1),
        all_ready_after_up_s=round(ready_after, 1),
        waits_logged=retries,
    )


@pytest.mark.e2e
@pytest.mark.faults
def test_s3_down_past_the_bound_fails_the_content_with_a_reason_and_refunds(
    cluster: Cluster,
) -> None:
    cluster.spawn(
        "worker",
        env={
            "AUTOCLIP_S3_OUTAGE_RETRY_S": "2",
            "AUTOCLIP_WORKER__MAX_ATTEMPTS": "2",
            "AUTOCLIP_WORKER__RETRY_BASE_SECONDS": "0.5",
        },
    )
    try:
        with cluster.api() as (runtime, client):
            auth = sign_up(client)
            start_balance, _ = ledger(client, auth)
            # Down before the content starts: its first stage already needs S3 (the stage
            # cache workers share), so it fails without a render to wait for.
            cluster.s3.down()
            down_at = time.monotonic()
            content_id = create(client, auth, TEXTS[2])

            def failed() -> bool:
                return row(runtime, content_id).status is ContentStatus.FAILED

            wait_for(failed, 60, "the content to fail")
            failed_after = time.monotonic() - down_at
            shown = get(client, auth, content_id)
            message = shown["error"]["message"]
            assert "gave up after 2 attempts" in message
            assert "the storage could not be reached for 2 s" in message
            assert "127.0.0.1" not in message  # no internal address reaches the user
            assert shown.get("video_url") is None
            assert shown.get("thumbnail_url") is None
            balance, book = ledger(client, auth)
            assert balance == start_balance
            assert len(entries(book, content_id, "refund")) == 1

            cluster.s3.up()
            time.sleep(2)  # nothing runs it again once S3 is back: failed is final
            assert row(runtime, content_id).status is ContentStatus.FAILED
            assert ledger(client, auth)[0] == start_balance
    except BaseException:
        sys.stderr.write(cluster.logs())
        raise
    record("s3 down past the bound", failed_after_s=round(failed_after, 1), bound_s=2)
