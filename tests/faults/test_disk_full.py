"""The worker's disk fills up while it renders (its data folder is a small tmpfs, filled by
another writer the moment the render starts): the render stops on ENOSPC, the content
fails saying the disk is full (no path), its credit comes back, no half-made file is left
on the disk or published, and once space is freed the same content renders to ready."""

from __future__ import annotations

import errno
import sys
import time
from pathlib import Path

import pytest

from autoclip.service.models import ContentStatus, JobPhase
from faults.cluster import TEXTS, Cluster, record
from service.conftest import sign_up
from service.test_jobs_support import (
    API,
    VIDEO_FILES,
    create,
    entries,
    get,
    ledger,
    row,
    run_of,
    stage_runs,
    wait_for,
)


def fill(disk: Path) -> Path:
    """Write zeros until the disk refuses (ENOSPC); return the file that holds them."""
    filler = disk / "filler"
    block = b"\0" * (1 << 20)
    with filler.open("wb") as out:
        while True:
            try:
                out.write(block)
                out.flush()
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                return filler


def half_made(disk: Path) -> list[str]:
    """Stage cache entries being built, render scratch folders: what a failure must not
    leave behind."""
    found = [str(p.relative_to(disk)) for p in disk.rglob("*.partial")]
    jobs = disk / "temp" / "jobs"
    if jobs.is_dir():
        found += [str(p.relative_to(disk)) for p in jobs.iterdir()]
    return found


def renders(disk: Path) -> list[str]:
    """Finished render entries in the stage cache."""
    folder = disk / "temp" / "stages" / "render"
    return [str(p.relative_to(disk)) for p in folder.rglob("*") if p.is_file()]


@pytest.mark.e2e
@pytest.mark.faults
def test_disk_full_during_render_fails_with_reason_refunds_and_leaves_nothing(
    cluster: Cluster, small_disk: Path
) -> None:
    cluster.spawn("worker", data_dir=small_disk)
    try:
        with cluster.api() as (runtime, client):
            auth = sign_up(client)
            start_balance, _ = ledger(client, auth)
            content_id = create(client, auth, TEXTS[0])

            def rendering() -> bool:
                phase = run_of(runtime, content_id).phase
                return phase is JobPhase.RENDER and row(runtime, content_id).stage == "render"

            wait_for(rendering, 120, "the render to start", every=0.05)
            filler = fill(small_disk)
            full_at = time.monotonic()

            def failed() -> bool:
                return row(runtime, content_id).status is ContentStatus.FAILED

            wait_for(failed, 60, "the content to fail")
            failed_after = time.monotonic() - full_at
            shown = get(client, auth, content_id)
            assert shown["error"]["stage"] == "render"
            message = shown["error"]["message"]
            assert "the worker's disk is full" in message, message
            assert str(small_disk) not in message  # no path reaches the user
            assert shown.get("video_url") is None
            runs = [r for r in stage_runs(runtime, content_id) if r.stage == "render"]
            attempts = len(runs)
            assert all(r.status.value == "failed" for r in runs), runs
            balance, book = ledger(client, auth)
            assert balance == start_balance
            assert len(entries(book, content_id, "refund")) == 1
            assert half_made(small_disk) == []
            assert renders(small_disk) == []
            assert runtime.storage.list_keys(f"videos/{content_id}/") == []

            # The operator frees space; the owner retries the same content, and it renders.
            filler.unlink()
            retried = client.post(
                f"{API}/contents/{content_id}/regenerate", json={"parts": ["render"]}, headers=auth
            )
            assert retried.status_code == 202, retried.text
            wait_for(
                lambda: row(runtime, content_id).status.value in {"ready", "failed"},
                120,
                "the regenerated content to finish",
            )
            assert row(runtime, content_id).status is ContentStatus.READY
            keys = runtime.storage.list_keys(f"videos/{content_id}/")
            assert keys == [f"videos/{content_id}/{name}" for name in VIDEO_FILES]
            assert half_made(small_disk) == []
            assert ledger(client, auth)[0] == start_balance - 1  # the regeneration, once
    except BaseException:
        sys.stderr.write(cluster.logs())
        raise
    record("disk full during render", failed_after_s=round(failed_after, 1), attempts=attempts)
