"""One user never reaches another's projects, contents, keys or files: always a 404, never
a 403 (which would confirm that the id exists)."""

from __future__ import annotations

import io
import uuid
import wave
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from autoclip.kit.storage import video_key
from autoclip.service.auth.tokens import TokenSigner
from autoclip.service.db import utcnow
from autoclip.service.jobs.runner import output_keys
from autoclip.service.models import Content, ContentStatus
from autoclip.service.runtime import Runtime
from service.conftest import sign_up

TEXT = (
    "수면은 건강의 기본입니다. 매일 같은 시간에 잠자리에 들면 몸의 리듬이 안정됩니다. "
    "잠들기 전에 화면을 멀리하면 깊은 잠을 잘 수 있습니다."
)
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
PROBLEM_JSON = "application/problem+json"


def assert_not_found(response: httpx.Response) -> None:
    request = response.request
    assert response.status_code == 404, (request.method, request.url, response.text)
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == 404


def create_content(client: TestClient, auth: dict[str, str], **fields: Any) -> str:
    body = {"generation_type": "text", "text": TEXT, **fields}
    made = client.post("/api/v1/contents", json=body, headers=auth)
    assert made.status_code == 202, made.text
    return str(made.json()["id"])


def make_ready(runtime: Runtime, content_id: str) -> None:
    """Finish a content as a worker would, with real files behind its download links."""
    outputs = output_keys(content_id, scenes=1)
    files = {"video": outputs.video, "thumbnail": outputs.thumbnail, "audio": outputs.audio}
    for kind, key in files.items():
        runtime.storage.put_bytes(key, f"{kind} bytes".encode())
    with runtime.db.session() as session:
        session.execute(
            update(Content)
            .where(Content.id == uuid.UUID(content_id))
            .values(
                status=ContentStatus.READY,
                progress=100,
                outputs=outputs,
                credit_charged=False,
                finished_at=utcnow(),
            )
        )


def test_another_users_things_are_404(client: TestClient, runtime: Runtime) -> None:
    alice = sign_up(client)
    bob = sign_up(client)
    project = client.post("/api/v1/projects", json={"name": "Alice's"}, headers=alice)
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]
    content_id = create_content(client, alice, project_id=project_id)
    finished_id = create_content(client, alice)
    make_ready(runtime, finished_id)
    key = client.post("/api/v1/api-keys", json={"name": "alice"}, headers=alice).json()

    # Every route that takes an id answers Bob exactly as if the id did not exist.
    for own_id in (content_id, finished_id):
        for method, path, body in (
            ("GET", f"/api/v1/contents/{own_id}", None),
            ("POST", f"/api/v1/contents/{own_id}/cancel", None),
            ("POST", f"/api/v1/contents/{own_id}/regenerate", {"parts": ["render"]}),
            ("GET", f"/api/v1/contents/{own_id}/jobs", None),
            ("GET", f"/api/v1/contents/{own_id}/events", None),
            ("DELETE", f"/api/v1/contents/{own_id}", None),
        ):
            theirs = client.request(method, path, json=body, headers=bob)
            assert_not_found(theirs)
            missing = client.request(method, path.replace(own_id, str(uuid.uuid4())), json=body,
                                     headers=bob)  # fmt: skip
            assert_not_found(missing)
            assert theirs.json()["detail"] == missing.json()["detail"]
    assert_not_found(client.post(f"/api/v1/contents/{content_id}/events/ticket", headers=bob))
    patch: dict[str, Any] = {"name": "mine now"}
    for method, body in (("GET", None), ("PATCH", patch), ("DELETE", None)):
        assert_not_found(
            client.request(method, f"/api/v1/projects/{project_id}", json=body, headers=bob)
        )
    assert_not_found(client.delete(f"/api/v1/api-keys/{key['id']}", headers=bob))

    # Bob cannot file a content under Alice's project, and pays nothing for trying.
    stolen = client.post(
        "/api/v1/contents",
        json={"generation_type": "text", "text": TEXT, "project_id": project_id},
        headers=bob,
    )
    assert_not_found(stolen)
    assert client.get("/api/v1/users/me", headers=bob).json()["credit_balance"] == 3

    # Bob's lists hold only his own things, whatever the filter says.
    projects = client.get("/api/v1/projects", headers=bob).json()
    assert projects["total"] == 1
    assert [p["is_default"] for p in projects["items"]] == [True]
    assert project_id not in {p["id"] for p in projects["items"]}
    for params in ({}, {"project_id": project_id}, {"status": "queued"}, {"status": "ready"}):
        listed = client.get("/api/v1/contents", params=params, headers=bob)
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == 0
        assert listed.json()["items"] == []
    assert client.get("/api/v1/api-keys", headers=bob).json() == []

    # Alice's things are untouched by all of that.
    assert client.get(f"/api/v1/projects/{project_id}", headers=alice).json()["name"] == "Alice's"
    mine = client.get(f"/api/v1/contents/{content_id}", headers=alice).json()
    assert mine["status"] == "queued"
    assert client.get(f"/api/v1/contents/{finished_id}", headers=alice).json()["status"] == "ready"
    assert client.get("/api/v1/contents", headers=alice).json()["total"] == 2
    assert client.get("/api/v1/users/me", headers=bearer(key["key"])).status_code == 200
    alice_projects = client.get("/api/v1/projects", headers=alice).json()
    assert alice_projects["total"] == 2


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_another_users_sources_schedules_and_batches_are_404(client: TestClient) -> None:
    alice = sign_up(client)
    bob = sign_up(client)
    project_id = client.post("/api/v1/projects", json={"name": "Alice's"}, headers=alice).json()[
        "id"
    ]
    in_project = f"/api/v1/projects/{project_id}"
    source = client.post(
        f"{in_project}/sources",
        json={"kind": "topics", "name": "Alice's", "topics": ["Why we yawn"]},
        headers=alice,
    ).json()
    schedule = client.post(
        f"{in_project}/schedules", json={"kind": "times", "times": ["09:00"]}, headers=alice
    ).json()
    text = {"generation_type": "text", "text": "Alice's own text, long enough to be made."}
    batch = client.post("/api/v1/contents/batch", json={"items": [text]}, headers=alice).json()
    for method, path, body in (
        ("GET", f"{in_project}/sources", None),
        ("POST", f"{in_project}/sources", {"kind": "topics", "name": "x", "topics": ["ab"]}),
        ("GET", f"{in_project}/schedules", None),
        ("POST", f"{in_project}/schedules", {"kind": "times", "times": ["09:00"]}),
        ("GET", f"/api/v1/sources/{source['id']}", None),
        ("PATCH", f"/api/v1/sources/{source['id']}", {"name": "mine now"}),
        ("POST", f"/api/v1/sources/{source['id']}/fetch", None),
        ("GET", f"/api/v1/sources/{source['id']}/items", None),
        ("DELETE", f"/api/v1/sources/{source['id']}", None),
        ("GET", f"/api/v1/schedules/{schedule['id']}", None),
        ("PATCH", f"/api/v1/schedules/{schedule['id']}", {"per_run": 5}),
        ("GET", f"/api/v1/schedules/{schedule['id']}/runs", None),
        ("DELETE", f"/api/v1/schedules/{schedule['id']}", None),
        ("GET", f"/api/v1/batches/{batch['id']}", None),
        ("POST", "/api/v1/contents/batch", {"project_id": project_id, "items": [text]}),
    ):
        assert_not_found(client.request(method, path, json=body, headers=bob))
    assert client.get(f"/api/v1/sources/{source['id']}", headers=alice).json()["name"] == (
        "Alice's"
    )
    assert client.get(f"/api/v1/schedules/{schedule['id']}", headers=alice).json()["per_run"] == 1


def test_signed_file_links(client: TestClient, runtime: Runtime) -> None:
    alice = sign_up(client)
    content_id = create_content(client, alice)
    make_ready(runtime, content_id)
    ready = client.get(f"/api/v1/contents/{content_id}", headers=alice).json()
    assert ready["status"] == "ready"
    video_url = ready["video_url"]
    assert video_url.startswith(f"/api/v1/files/videos/{content_id}/original.mp4?")
    for kind in ("thumbnail_url", "audio_url"):
        assert client.get(ready[kind]).status_code == 200

    # The link itself is the credential: it works without a token...
    download = client.get(video_url)
    assert download.status_code == 200, download.text
    assert download.content == b"video bytes"

    parts = urlsplit(video_url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    path, expires, signature = parts.path, int(query["expires"]), query["signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    key = path.removeprefix("/api/v1/files/")
    other_key = video_key(content_id, "thumbnail.jpg")
    past, past_signature = runtime.signer.sign_download(key, -10)

    # ...but nothing else does: one 404 for a bad signature, an expired link, another file.
    for url, params in (
        (path, {"expires": expires, "signature": flipped}),
        (path, {"expires": expires, "signature": signature.upper()}),
        (path, {"expires": expires, "signature": ""}),
        (path, {"expires": expires, "signature": "é" * 64}),  # not even ASCII
        (path, {"expires": expires + 3600, "signature": signature}),  # extended by hand
        (path, {"expires": past, "signature": past_signature}),  # expired
        (f"/api/v1/files/{other_key}", {"expires": expires, "signature": signature}),
        (f"/api/v1/files/videos/{uuid.uuid4()}/original.mp4",
         {"expires": expires, "signature": signature}),
        ("/api/v1/files/videos/%2e%2e/secret.key", {"expires": expires, "signature": signature}),
    ):  # fmt: skip
        response = client.get(url, params=params)
        assert response.status_code == 404, (url, params, response.text)
        assert response.headers["content-type"].startswith(PROBLEM_JSON)

    # A well-signed link to a file that is gone is the same 404.
    runtime.storage.delete(key)
    assert_not_found(client.get(video_url))
    # And a link signed with another secret key is worthless here.
    thumbnail = video_key(content_id, "thumbnail.jpg")
    forged_expires, forged = TokenSigner(["another-secret"]).sign_download(thumbnail, 3600)
    assert_not_found(
        client.get(
            f"/api/v1/files/{thumbnail}", params={"expires": forged_expires, "signature": forged}
        )
    )
    assert client.get(ready["thumbnail_url"]).status_code == 200


def test_another_users_recording_cannot_narrate(client: TestClient) -> None:
    """A content's `options.narration_media_id` names the caller's own media alone: another
    user's recording is not found, whichever route takes the options."""
    alice = sign_up(client)
    bob = sign_up(client)
    tone = io.BytesIO()
    with wave.open(tone, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(range(256)) * 64)
    files = {"file": ("mine.wav", tone.getvalue(), "audio/wav")}
    recording = client.post("/api/v1/media", files=files, headers=alice)
    assert recording.status_code == 201, recording.text
    options = {"narration_media_id": recording.json()["id"]}
    text = {"generation_type": "text", "text": TEXT, "options": options}
    for path in ("/api/v1/contents", "/api/v1/estimates"):
        answer = client.post(path, json=text, headers=bob)
        assert_not_found(answer)
        assert answer.json()["errors"][0]["field"] == "options.narration_media_id"
    # A batch refuses the item alone, as it does any item it cannot make.
    batch = client.post("/api/v1/contents/batch", json={"items": [text]}, headers=bob).json()
    assert [item["status"] for item in batch["items"]] == ["rejected"]
    assert "no such media item" in batch["items"][0]["error"]["message"]
    assert client.post("/api/v1/estimates", json=text, headers=alice).status_code == 200
