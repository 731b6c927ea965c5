"""Per-user export bundles under exports/{user_id}/: rows built by a job, with limits,
expiry and deletion, and never visible to another user."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from autoclip.kit.storage import LocalStorage, video_key
from autoclip.service.app import create_app
from autoclip.service.contents.records import StoredOptions
from autoclip.service.db import utcnow
from autoclip.service.exports.service import (
    MAX_IN_FLIGHT,
    MAX_KEPT,
    build_export,
    reconcile_exports,
    remove_expired_exports,
)
from autoclip.service.jobs.queue import CONTENT_QUEUE
from autoclip.service.jobs.runner import output_keys
from autoclip.service.models import (
    Content,
    ContentStatus,
    Export,
    ExportStatus,
    GenerationType,
    User,
)
from autoclip.service.projects.service import default_project
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings
from service.conftest import sign_up
from service.test_jobs_support import private_redis, private_redis_session, wait_for
from service.test_smoke import TEXT

__all__ = ["private_redis", "private_redis_session"]  # fixtures, used by name
API = "/api/v1"
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


@pytest.fixture
def worker_client(
    make_settings: Callable[..., Settings], backend: str, request: pytest.FixtureRequest
) -> Iterator[tuple[Runtime, TestClient]]:
    """The API with its in-process worker (as `autoclip serve` runs it); on PostgreSQL the
    worker takes its jobs from a Redis of this test's own."""
    overrides: dict[str, Any] = {"rate_limits": False}
    if backend == "postgresql":
        overrides["redis_url"] = request.getfixturevalue("private_redis")
    runtime = build_runtime(make_settings(**overrides))
    try:
        with TestClient(create_app(runtime, run_worker=True)) as client:
            yield runtime, client
    finally:
        runtime.close()


def _user_id(client: TestClient, auth: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get(f"{API}/users/me", headers=auth).json()["id"])


def _finished_content(client: TestClient, runtime: Runtime, auth: dict[str, str]) -> str:
    """A ready content with its files, as a worker leaves one. Written to the database
    directly, so no generation job exists for a running worker to take."""
    user_id = _user_id(client, auth)
    content_id = uuid.uuid4()
    outputs = output_keys(str(content_id), scenes=0)
    for key in outputs.bundled():  # only the files an export takes
        runtime.storage.put_bytes(key, f"{Path(key).name} of {content_id}".encode())
    with runtime.db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        project = default_project(session, user)
        session.add(
            Content(
                id=content_id,
                user_id=user_id,
                project_id=project.id,
                generation_type=GenerationType.TEXT,
                source=TEXT,
                language="ko",
                options=StoredOptions(),
                status=ContentStatus.READY,
                progress=100,
                outputs=outputs,
                finished_at=utcnow(),
            )
        )
    return str(content_id)


def _export(client: TestClient, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    made = client.post(f"{API}/exports", json=body, headers=auth)
    assert made.status_code == 202, made.text
    export: dict[str, Any] = made.json()
    assert made.headers["Location"] == f"{API}/exports/{export['id']}"
    return export


def _get(client: TestClient, auth: dict[str, str], export_id: str) -> dict[str, Any]:
    got = client.get(f"{API}/exports/{export_id}", headers=auth)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


def _built(client: TestClient, runtime: Runtime, auth: dict[str, str]) -> dict[str, Any]:
    """An export made through the API and built by the job's own function (the API-only
    client has no worker)."""
    export = _export(client, auth)
    build_export(runtime, export["id"])
    built = _get(client, auth, export["id"])
    assert built["status"] == "ready", built
    return built


def test_export_is_built_by_the_worker_with_only_the_callers_contents(
    worker_client: tuple[Runtime, TestClient],
) -> None:
    runtime, client = worker_client
    alice, bob = sign_up(client), sign_up(client)
    first = _finished_content(client, runtime, alice)
    second = _finished_content(client, runtime, alice)
    theirs = _finished_content(client, runtime, bob)

    made = _export(client, alice)
    assert made["status"] == "queued"
    assert made["url"] is None
    assert made["key"].startswith(f"exports/{_user_id(client, alice)}/")
    assert made["key"].endswith(".zip")
    assert sorted(made["content_ids"]) == sorted([first, second])
    assert made["contents"] == 2

    def ready() -> dict[str, Any] | None:
        body = _get(client, alice, made["id"])
        assert body["status"] in ("queued", "processing", "ready"), body
        return body if body["status"] == "ready" else None

    body = wait_for(ready, 30, "the worker to build the export")
    assert body["size"] == runtime.storage.size(made["key"])
    assert body["error"] is None
    bundle = client.get(body["url"])
    assert bundle.status_code == 200
    names = set(zipfile.ZipFile(io.BytesIO(bundle.content)).namelist())
    assert f"{first}/original.mp4" in names
    assert f"{second}/script.json" in names
    assert not any(name.startswith(theirs) for name in names)

    # Bob sees none of Alice's exports, and his own holds only his content.
    bobs = _export(client, bob)
    assert bobs["content_ids"] == [theirs]
    assert [e["id"] for e in client.get(f"{API}/exports", headers=alice).json()] == [made["id"]]
    assert [e["id"] for e in client.get(f"{API}/exports", headers=bob).json()] == [bobs["id"]]
    assert client.get(f"{API}/exports/{made['id']}", headers=bob).status_code == 404
    assert client.delete(f"{API}/exports/{made['id']}", headers=bob).status_code == 404
    assert _get(client, alice, made["id"])["status"] == "ready"
    # Another user's content id is as unknown as a made-up one.
    refused = client.post(f"{API}/exports", json={"content_ids": [theirs]}, headers=alice)
    assert refused.status_code == 404


def test_exports_in_flight_and_kept_are_limited(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    _finished_content(client, runtime, auth)
    # No worker here: exports stay queued until built by hand.
    waiting = [_export(client, auth) for _ in range(MAX_IN_FLIGHT)]
    busy = client.post(f"{API}/exports", json={}, headers=auth)
    assert busy.status_code == 429, busy.text
    assert f"at most {MAX_IN_FLIGHT} exports can be queued or building" in busy.json()["detail"]
    # Another user has limits of their own.
    _finished_content(client, runtime, other := sign_up(client))
    _export(client, other)

    for export in waiting:
        build_export(runtime, export["id"])
    kept = [e["id"] for e in waiting]
    kept += [_built(client, runtime, auth)["id"] for _ in range(MAX_KEPT - len(kept))]
    full = client.post(f"{API}/exports", json={}, headers=auth)
    assert full.status_code == 409, full.text
    assert f"at most {MAX_KEPT} exports are kept; delete one first" in full.json()["detail"]

    # Deleting one, or one expiring, makes room.
    assert client.delete(f"{API}/exports/{kept[0]}", headers=auth).status_code == 204
    _export(client, auth)
    assert client.post(f"{API}/exports", json={}, headers=auth).status_code == 409
    _expire(runtime, kept[1])
    _export(client, auth)


def _expire(runtime: Runtime, export_id: str) -> None:
    with runtime.db.session() as session:
        session.execute(
            update(Export)
            .where(Export.id == uuid.UUID(export_id))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def _row(runtime: Runtime, export_id: str) -> Export | None:
    with runtime.db.session(write=False) as session:
        return session.get(Export, uuid.UUID(export_id))


def test_deleting_an_export_removes_the_row_the_zip_and_the_link(
    client: TestClient, runtime: Runtime
) -> None:
    auth = sign_up(client)
    _finished_content(client, runtime, auth)
    export = _built(client, runtime, auth)
    assert client.get(export["url"]).status_code == 200

    assert client.delete(f"{API}/exports/{export['id']}", headers=auth).status_code == 204
    assert client.get(f"{API}/exports/{export['id']}", headers=auth).status_code == 404
    assert client.get(f"{API}/exports", headers=auth).json() == []
    assert _row(runtime, export["id"]) is None
    assert not runtime.storage.exists(export["key"])
    assert client.get(export["url"]).status_code == 404


class DeletingStorage(LocalStorage):
    """Local storage through which the export's owner deletes it just as its zip is
    stored: a delete that lands while the job is building."""

    def __init__(self, root: Path, delete: Callable[[], None]) -> None:
        super().__init__(root)
        self.delete_now = delete

    def put_file(self, key: str, source: Path) -> str:
        if key.startswith("exports/"):
            self.delete_now()
        return super().put_file(key, source)


def test_an_export_deleted_while_it_is_built_leaves_no_zip(
    client: TestClient, runtime: Runtime
) -> None:
    auth = sign_up(client)
    _finished_content(client, runtime, auth)
    export = _export(client, auth)

    def delete() -> None:
        assert client.delete(f"{API}/exports/{export['id']}", headers=auth).status_code == 204

    assert isinstance(runtime.storage, LocalStorage)
    runtime.storage = DeletingStorage(runtime.storage.root, delete)
    build_export(runtime, export["id"])
    assert _row(runtime, export["id"]) is None
    assert runtime.storage.list_keys("exports/") == []


def test_expired_exports_are_hidden_then_removed_with_their_zips(
    client: TestClient, runtime: Runtime
) -> None:
    auth = sign_up(client)
    _finished_content(client, runtime, auth)
    old, fresh = _built(client, runtime, auth), _built(client, runtime, auth)
    expires_in = _get(client, auth, fresh["id"])["expires_at"]
    assert timedelta(days=6) < datetime.fromisoformat(expires_in) - utcnow() <= timedelta(days=7)
    _expire(runtime, old["id"])
    # A zip no row names (made before exports had rows, or a removal that failed).
    runtime.storage.put_bytes(f"exports/{uuid.uuid4()}/stray.zip", b"zip")

    # Expired: gone from the API and its link refused at once...
    assert [e["id"] for e in client.get(f"{API}/exports", headers=auth).json()] == [fresh["id"]]
    assert client.get(f"{API}/exports/{old['id']}", headers=auth).status_code == 404
    assert client.get(old["url"]).status_code == 404
    # ...and removed, row and zip, by the cleanup; the fresh one stays.
    assert remove_expired_exports(runtime) == 2
    assert _row(runtime, old["id"]) is None
    assert runtime.storage.list_keys("exports/") == [fresh["key"]]
    assert client.get(fresh["url"]).status_code == 200
    assert remove_expired_exports(runtime) == 0


def test_export_of_a_content_with_a_missing_file_fails_with_the_reason(
    client: TestClient, runtime: Runtime
) -> None:
    auth = sign_up(client)
    content_id = _finished_content(client, runtime, auth)
    runtime.storage.delete(video_key(content_id, "thumbnail.jpg"))
    export = _export(client, auth)
    build_export(runtime, export["id"])
    failed = _get(client, auth, export["id"])
    assert failed["status"] == "failed"
    assert failed["url"] is None
    assert f"videos/{content_id}/thumbnail.jpg" in failed["error"]
    assert not runtime.storage.exists(export["key"])


def test_reconciler_resends_lost_exports_and_fails_lost_builds(
    client: TestClient, runtime: Runtime
) -> None:
    auth = sign_up(client)
    _finished_content(client, runtime, auth)
    lost, stuck = _export(client, auth), _export(client, auth)
    before = runtime.jobs.waiting(CONTENT_QUEUE)
    with runtime.db.session() as session:
        # A build whose worker died long ago (longer than any job may run).
        session.execute(
            update(Export)
            .where(Export.id == uuid.UUID(stuck["id"]))
            .values(status=ExportStatus.PROCESSING, updated_at=utcnow() - timedelta(days=1))
        )
    assert reconcile_exports(runtime, timedelta(hours=1)) == 1  # the stuck one, failed
    assert _get(client, auth, stuck["id"])["error"] == "its worker was lost"
    assert reconcile_exports(runtime, timedelta(0)) == 1  # the queued one, sent again
    assert runtime.jobs.waiting(CONTENT_QUEUE) == before + 1
    build_export(runtime, lost["id"])
    build_export(runtime, lost["id"])  # the duplicate message finds it done
    assert _get(client, auth, lost["id"])["status"] == "ready"


def test_export_with_nothing_ready_names_the_field(client: TestClient) -> None:
    # Well formed, and right once something is ready: a conflict with the state, not a
    # refusal of the request's form.
    answer = client.post(f"{API}/exports", json={}, headers=sign_up(client))
    assert answer.status_code == 409
    assert answer.json()["errors"][0]["field"] == "content_ids"
