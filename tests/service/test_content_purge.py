"""Deleting a content removes its stored objects (videos/{id}/, images/{id}/) and its
signed links stop working, on local storage and on S3 (a real moto_server); a generation
under way when the content is deleted does not leave files behind."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from autoclip.kit.storage import LocalStorage
from autoclip.service.db import utcnow
from autoclip.service.jobs.purge import content_prefixes, purge_content, purge_deleted
from autoclip.service.runtime import Runtime
from s3server import s3_endpoint
from service.conftest import sign_up
from service.test_api_isolation import create_content, make_ready
from service.test_jobs_support import (
    API,
    TEXTS,
    Start,
    create,
    expected_keys,
    get,
    private_redis,
    private_redis_session,
    row,
    run_of,
    scene_count,
    start,
    wait_finished,
    wait_for,
)

__all__ = ["private_redis", "private_redis_session", "s3_endpoint", "start"]  # fixtures


def stored(runtime: Runtime, content_id: str) -> list[str]:
    """The content's objects in the storage."""
    return sorted(k for p in content_prefixes(content_id) for k in runtime.storage.list_keys(p))


def fetch(client: TestClient, url: str) -> int:
    """The status a link answers: an S3 presigned URL, or the API's own signed download."""
    response = httpx.get(url, trust_env=False) if url.startswith("http") else client.get(url)
    status: int = response.status_code
    return status


@pytest.mark.e2e
@pytest.mark.parametrize(("backend", "store"), [("sqlite", "local"), ("postgresql", "s3")])
def test_deleting_a_finished_content_removes_its_files_and_links(start: Start, store: str) -> None:
    runtime, client = start(store)
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[2])
    finished = wait_finished(runtime, content_id)
    assert finished.status.value == "ready", finished.error
    content = get(client, auth, content_id)
    links = [content["video_url"], content["thumbnail_url"], content["audio_url"]]
    assert [fetch(client, link) for link in links] == [200, 200, 200]
    assert stored(runtime, content_id) == expected_keys(content_id, scene_count(content["script"]))

    assert client.delete(f"{API}/contents/{content_id}", headers=auth).status_code == 204
    purged = wait_for(
        lambda: row(runtime, content_id).purged_at, 30, "the deleted content's files to go"
    )
    assert purged is not None
    assert stored(runtime, content_id) == []
    assert [fetch(client, link) for link in links] == [404, 404, 404]


def test_links_of_a_deleted_content_fail_at_once_and_the_sweep_removes_leftovers(
    client: TestClient, runtime: Runtime
) -> None:
    """No worker here, so nothing purges at deletion: what a lost or failed purge leaves
    is unreachable, and the reconciler's sweep removes it."""
    auth = sign_up(client)
    deleted, kept = create_content(client, auth), create_content(client, auth)
    make_ready(runtime, deleted)
    make_ready(runtime, kept)
    kept_files = stored(runtime, kept)
    links = [get(client, auth, deleted)[kind] for kind in ("video_url", "thumbnail_url")]
    assert [fetch(client, link) for link in links] == [200, 200]

    assert client.delete(f"{API}/contents/{deleted}", headers=auth).status_code == 204
    assert stored(runtime, deleted) != []  # still there...
    assert [fetch(client, link) for link in links] == [404, 404]  # ...but refused

    assert purge_deleted(runtime, timedelta(minutes=10)) == 0  # its own purge may yet come
    assert purge_deleted(runtime, timedelta(0)) == 1
    assert stored(runtime, deleted) == []
    assert row(runtime, deleted).purged_at is not None
    assert purge_deleted(runtime, timedelta(0)) == 0
    # A live content is never touched.
    assert purge_content(runtime, row(runtime, kept).id) is False
    assert stored(runtime, kept) == kept_files != []
    assert fetch(client, get(client, auth, kept)["video_url"]) == 200


class GatedStorage(LocalStorage):
    """Local storage that holds the publish stage after its first image until released,
    so a test can delete the content while the worker is writing its files."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.publishing = threading.Event()
        self.release = threading.Event()
        self._images = 0
        self._lock = threading.Lock()

    def put_file(self, key: str, source: Path) -> str:
        if key.startswith("images/"):
            with self._lock:
                self._images += 1
                hold = self._images == 2
            if hold:
                self.publishing.set()
                if not self.release.wait(60):
                    raise TimeoutError("the test never released the publish stage")
        return super().put_file(key, source)


def gated(runtime: Runtime) -> None:
    assert isinstance(runtime.storage, LocalStorage)
    runtime.storage = GatedStorage(runtime.storage.root)


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_content_deleted_while_publishing_leaves_no_files(start: Start) -> None:
    runtime, client = start(wrap=gated)
    storage = runtime.storage
    assert isinstance(storage, GatedStorage)
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[1])
    assert storage.publishing.wait(90), "the content never reached its publish stage"
    first_image = f"images/{content_id}/scene_1.png"
    assert storage.exists(first_image)

    assert client.delete(f"{API}/contents/{content_id}", headers=auth).status_code == 204
    # The purge sent at deletion removes what is there; the worker goes on writing after.
    wait_for(lambda: not storage.exists(first_image), 30, "the purge sent at deletion")
    released = utcnow()
    storage.release.set()

    def worker_cleaned_up() -> bool:
        content = row(runtime, content_id)
        return (
            run_of(runtime, content_id).lease_owner is None
            and content.purged_at is not None
            and content.purged_at >= released
        )

    wait_for(worker_cleaned_up, 30, "the worker to remove what it wrote after the delete")
    assert stored(runtime, content_id) == []
    assert row(runtime, content_id).status.value == "cancelled"
