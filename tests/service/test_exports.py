"""Per-user export bundles under exports/{user_id}/."""

from __future__ import annotations

import io
import uuid
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy import select

from autoclip.kit.storage import video_key
from autoclip.service.models import Content, ContentStatus, User
from autoclip.service.runtime import Runtime
from service.conftest import sign_up
from service.test_smoke import TEXT


def _finished_content(client: TestClient, runtime: Runtime, auth: dict[str, str]) -> str:
    """A content made through the API, then given outputs as a worker would leave them."""
    made = client.post(
        "/api/v1/contents", json={"generation_type": "text", "text": TEXT}, headers=auth
    )
    content_id = made.json()["id"]
    outputs = {}
    for kind, name in (("video", "original.mp4"), ("thumbnail", "thumbnail.jpg"),
                       ("captions_srt", "captions.srt"), ("script", "script.json")):  # fmt: skip
        key = video_key(content_id, name)
        runtime.storage.put_bytes(key, f"{kind} of {content_id}".encode())
        outputs[kind] = key
    with runtime.db.session() as session:
        content = session.get(Content, uuid.UUID(content_id))
        assert content is not None
        content.status = ContentStatus.READY
        content.outputs = outputs
    return str(content_id)


def test_export_bundles_only_the_callers_ready_contents(
    client: TestClient, runtime: Runtime
) -> None:
    alice, bob = sign_up(client), sign_up(client)
    first = _finished_content(client, runtime, alice)
    second = _finished_content(client, runtime, alice)
    theirs = _finished_content(client, runtime, bob)

    made = client.post("/api/v1/exports", json={}, headers=alice)
    assert made.status_code == 201, made.text
    body = made.json()
    with runtime.db.session(write=False) as session:
        alice_id = session.scalars(
            select(User.id).join(Content).where(Content.id == uuid.UUID(first))
        ).one()
    assert body["key"].startswith(f"exports/{alice_id}/")
    assert body["key"].endswith(".zip")
    assert body["contents"] == 2

    bundle = client.get(body["url"])
    assert bundle.status_code == 200
    names = set(zipfile.ZipFile(io.BytesIO(bundle.content)).namelist())
    assert f"{first}/original.mp4" in names
    assert f"{second}/script.json" in names
    assert not any(name.startswith(theirs) for name in names)

    listed = client.get("/api/v1/exports", headers=alice).json()
    assert [e["key"] for e in listed] == [body["key"]]
    assert client.get("/api/v1/exports", headers=bob).json() == []
    # Another user's content id is as unknown as a made-up one.
    refused = client.post("/api/v1/exports", json={"content_ids": [theirs]}, headers=alice)
    assert refused.status_code == 404


def test_export_with_nothing_ready_names_the_field(client: TestClient) -> None:
    answer = client.post("/api/v1/exports", json={}, headers=sign_up(client))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "content_ids"
