"""Contents over HTTP: validation, listing, idempotency, cancel and delete, and credits."""

from __future__ import annotations

import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from autoclip.service.db import utcnow
from autoclip.service.models import Content, ContentStatus, CreditEntry, LedgerReason, User
from autoclip.service.runtime import Runtime
from service.conftest import sign_up

TEXT = (
    "수면은 건강의 기본입니다. 매일 같은 시간에 잠자리에 들면 몸의 리듬이 안정됩니다. "
    "잠들기 전에 화면을 멀리하면 깊은 잠을 잘 수 있습니다."
)
EN_TEXT = "Sleep is the foundation of health. Going to bed at the same time every day helps."
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
PROBLEM_JSON = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert any(f == field or f.startswith(f"{field}.") for f in fields), body


def create(
    client: TestClient, auth: dict[str, str], headers: dict[str, str] | None = None, **fields: Any
) -> httpx.Response:
    body = {"generation_type": "text", "text": TEXT, **fields}
    response: httpx.Response = client.post(
        "/api/v1/contents", json=body, headers={**auth, **(headers or {})}
    )
    return response


def create_id(client: TestClient, auth: dict[str, str], **fields: Any) -> str:
    made = create(client, auth, **fields)
    assert made.status_code == 202, made.text
    return str(made.json()["id"])


def set_balance(runtime: Runtime, credits: int) -> None:
    with runtime.db.session() as session:
        session.execute(update(User).values(credit_balance=credits))


def balance(client: TestClient, auth: dict[str, str]) -> int:
    value = client.get("/api/v1/users/me", headers=auth).json()["credit_balance"]
    assert isinstance(value, int)
    return value


def ledger(client: TestClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/analytics/credits", headers=auth)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["ledger"]
    return rows


def test_validation(client: TestClient) -> None:
    auth = sign_up(client)
    url = "/api/v1/contents"
    for body, field in (
        ({"generation_type": "text"}, "text"),
        ({"generation_type": "url"}, "url"),
        ({"generation_type": "topic"}, "topic"),
        ({"generation_type": "text", "text": TEXT, "url": "https://example.com/a"}, "url"),
        ({"generation_type": "url", "url": "https://example.com/a", "topic": "sleep"}, "topic"),
        ({"generation_type": "text", "text": "too short"}, "text"),
        ({"generation_type": "video", "text": TEXT}, "generation_type"),
        ({"text": TEXT}, "generation_type"),
        ({"generation_type": "text", "text": TEXT, "language": "xx"}, "language"),
        ({"generation_type": "text", "text": TEXT, "project_id": "nope"}, "project_id"),
        ({"generation_type": "text", "text": TEXT, "colour": "red"}, "colour"),
        ({"generation_type": "text", "text": TEXT, "options": {"fps": 60}}, "options.fps"),
        ({"generation_type": "text", "text": TEXT, "options": {"aspect": "4:3"}},
         "options.aspect"),
        ({"generation_type": "text", "text": TEXT, "options": {"length": "epic"}},
         "options.length"),
        ({"generation_type": "url", "url": "ftp://example.com/page"}, "url"),
        ({"generation_type": "url", "url": "javascript:alert(1)"}, "url"),
        ({"generation_type": "url", "url": "https:///no-host"}, "url"),
        ({"generation_type": "text", "text": TEXT, "options": {"voice": "nobody"}},
         "options.voice"),
    ):  # fmt: skip
        assert_problem(client.post(url, json=body, headers=auth), 422, field)
    # A voice is a name, never a path to a model file on the server (which would let a
    # caller probe the server's files, and make the worker load any model it finds).
    model = Path(tempfile.gettempdir()) / f"ac-{uuid.uuid4().hex[:8]}.onnx"
    model.write_bytes(b"not a model")
    Path(f"{model}.json").write_text("{}")
    try:
        for voice in (str(model), "/no/such/model.onnx", "~/voice.onnx"):
            with_voice = {"generation_type": "text", "text": TEXT, "options": {"voice": voice}}
            refused = client.post(url, json=with_voice, headers=auth)
            assert_problem(refused, 422, "options.voice")
            assert voice not in refused.text
            assert str(Path.home()) not in refused.text
    finally:
        model.unlink()
        Path(f"{model}.json").unlink()
    # Without a language model a topic cannot be written: said at once, naming the field.
    # The request is well formed: it is this server's (and project's) writers that cannot.
    assert_problem(
        client.post(url, json={"generation_type": "topic", "topic": "sleep"}, headers=auth),
        409,
        "generation_type",
    )
    assert_problem(client.get(url, params={"per_page": 101}, headers=auth), 422, "per_page")
    assert_problem(client.get(url, params={"per_page": 0}, headers=auth), 422, "per_page")
    assert_problem(client.get(url, params={"page": 0}, headers=auth), 422, "page")
    # A huge page is refused up front (its offset once overflowed the database: a 500).
    for listing in (url, "/api/v1/projects"):
        for page in (10**20, 1_000_001):
            assert_problem(client.get(listing, params={"page": page}, headers=auth), 422, "page")
        last = client.get(listing, params={"page": 1_000_000, "per_page": 100}, headers=auth)
        assert last.status_code == 200, last.text
        assert last.json()["items"] == []
    assert_problem(client.get(url, params={"status": "lost"}, headers=auth), 422, "status")
    assert_problem(client.get(f"{url}/not-a-uuid", headers=auth), 422, "content_id")
    as_json = {**auth, "Content-Type": "application/json"}
    assert_problem(client.post(url, content=b"{not json", headers=as_json), 422)
    # A body that does not say it is JSON is not read as JSON.
    assert_problem(client.post(url, content=b"{not json", headers=auth), 415, "Content-Type")
    assert_problem(client.post(url, json={"generation_type": "text", "text": TEXT}), 401)
    # Nothing above cost a credit.
    assert balance(client, auth) == 3
    assert client.get(url, headers=auth).json()["total"] == 0


def test_create_and_read(client: TestClient) -> None:
    auth = sign_up(client)
    made = create(client, auth, options={"voice": "espeak:ko", "aspect": "16:9", "draft": True})
    assert made.status_code == 202, made.text
    assert set(made.json()) == {"id", "status"}
    assert made.json()["status"] == "queued"
    content_id = made.json()["id"]
    assert made.headers["Location"] == f"/api/v1/contents/{content_id}"
    assert "Idempotent-Replayed" not in made.headers

    got = client.get(made.headers["Location"], headers=auth).json()
    assert got["language"] == "ko"  # detected
    assert got["generation_type"] == "text"
    assert got["options"]["voice"] == "espeak:ko"
    assert got["options"]["aspect"] == "16:9"
    assert got["options"]["draft"] is True
    assert got["progress"] == 0
    assert got["video_url"] is None
    assert client.get(f"/api/v1/contents/{content_id}/jobs", headers=auth).json() == []

    english = client.get(f"/api/v1/contents/{create_id(client, auth, text=EN_TEXT)}", headers=auth)
    assert english.json()["language"] == "en"
    url = client.get(
        f"/api/v1/contents/{create_id(client, auth, generation_type='url', text=None, url='https://example.com/post')}",
        headers=auth,
    )
    assert url.json()["generation_type"] == "url"


def test_list_pagination_order_and_filters(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    set_balance(runtime, 10)
    project = client.post("/api/v1/projects", json={"name": "Other"}, headers=auth).json()
    ids = [create_id(client, auth) for _ in range(4)]
    ids.append(create_id(client, auth, project_id=project["id"]))
    newest_first = ids[::-1]

    pages = [
        client.get("/api/v1/contents", params={"page": n, "per_page": 2}, headers=auth).json()
        for n in (1, 2, 3, 4)
    ]
    assert [p["total"] for p in pages] == [5, 5, 5, 5]
    assert [(p["page"], p["per_page"]) for p in pages] == [(1, 2), (2, 2), (3, 2), (4, 2)]
    assert [item["id"] for p in pages for item in p["items"]] == newest_first
    assert pages[3]["items"] == []
    everything = client.get("/api/v1/contents", params={"per_page": 100}, headers=auth).json()
    assert [item["id"] for item in everything["items"]] == newest_first
    assert everything["per_page"] == 100

    assert client.post(f"/api/v1/contents/{ids[1]}/cancel", headers=auth).status_code == 200
    cancelled = client.get("/api/v1/contents", params={"status": "cancelled"}, headers=auth)
    assert [item["id"] for item in cancelled.json()["items"]] == [ids[1]]
    queued = client.get("/api/v1/contents", params={"status": "queued"}, headers=auth).json()
    assert queued["total"] == 4
    assert ids[1] not in {item["id"] for item in queued["items"]}
    in_project = client.get(
        "/api/v1/contents", params={"project_id": project["id"]}, headers=auth
    ).json()
    assert [item["id"] for item in in_project["items"]] == [ids[4]]
    both = client.get(
        "/api/v1/contents",
        params={"project_id": project["id"], "status": "cancelled"},
        headers=auth,
    ).json()
    assert both["total"] == 0
    unknown = client.get("/api/v1/contents", params={"project_id": str(uuid.uuid4())}, headers=auth)
    assert unknown.json()["total"] == 0


def test_idempotency(client: TestClient) -> None:
    auth = sign_up(client)
    key = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    first = create(client, auth, headers=key)
    assert first.status_code == 202, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = create(client, auth, headers=key)
    assert again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert balance(client, auth) == 2  # charged once

    other_body = create(client, auth, headers=key, text=EN_TEXT)
    assert_problem(other_body, 422, "Idempotency-Key")
    other_options = create(client, auth, headers=key, options={"draft": True})
    assert_problem(other_options, 422, "Idempotency-Key")
    assert balance(client, auth) == 2

    fresh = create(client, auth, headers={"Idempotency-Key": f"order-{uuid.uuid4()}"})
    assert fresh.status_code == 202
    assert fresh.json()["id"] != first.json()["id"]
    no_key = create(client, auth)
    assert no_key.json()["id"] not in {first.json()["id"], fresh.json()["id"]}
    assert client.get("/api/v1/contents", headers=auth).json()["total"] == 3
    # Keys belong to their user: another user's same key is another request.
    other = sign_up(client)
    theirs = create(client, other, headers=key)
    assert theirs.status_code == 202
    assert theirs.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers


def test_cancel_refunds_once(client: TestClient) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    assert balance(client, auth) == 2
    assert_problem(
        client.post(f"/api/v1/contents/{content_id}/regenerate", json={"parts": ["render"]},
                    headers=auth),
        409,
    )  # fmt: skip

    cancelled = client.post(f"/api/v1/contents/{content_id}/cancel", headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["finished_at"] is not None
    assert balance(client, auth) == 3
    rows = ledger(client, auth)
    assert [(r["reason"], r["delta"], r["balance_after"]) for r in rows] == [
        ("refund", 1, 3),
        ("generation", -1, 2),
        ("trial_grant", 3, 3),
    ]
    assert rows[0]["content_id"] == rows[1]["content_id"] == content_id

    assert_problem(client.post(f"/api/v1/contents/{content_id}/cancel", headers=auth), 409)
    assert balance(client, auth) == 3  # refunded once
    assert len(ledger(client, auth)) == 3

    # A finished (here cancelled) content can be regenerated: one more credit.
    bad_parts: list[dict[str, Any]] = [{"parts": []}, {"parts": ["everything"]}, {}]
    for parts in bad_parts:
        assert_problem(
            client.post(f"/api/v1/contents/{content_id}/regenerate", json=parts, headers=auth),
            422,
            "parts",
        )
    again = client.post(
        f"/api/v1/contents/{content_id}/regenerate", json={"parts": ["narration"]}, headers=auth
    )
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "queued"
    assert balance(client, auth) == 2
    assert ledger(client, auth)[0]["reason"] == "regeneration"


def test_delete_hides_and_refunds(client: TestClient) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    kept = create_id(client, auth)
    assert balance(client, auth) == 1
    gone = client.delete(f"/api/v1/contents/{content_id}", headers=auth)
    assert gone.status_code == 204, gone.text
    assert gone.content == b""
    assert balance(client, auth) == 2  # an unfinished generation was stopped and refunded
    for method, path in (
        ("GET", f"/api/v1/contents/{content_id}"),
        ("GET", f"/api/v1/contents/{content_id}/jobs"),
        ("GET", f"/api/v1/contents/{content_id}/events"),
        ("POST", f"/api/v1/contents/{content_id}/cancel"),
        ("DELETE", f"/api/v1/contents/{content_id}"),
    ):
        assert_problem(client.request(method, path, headers=auth), 404)
    listed = client.get("/api/v1/contents", headers=auth).json()
    assert [item["id"] for item in listed["items"]] == [kept]
    assert listed["total"] == 1


def test_events_of_a_finished_content(client: TestClient) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    assert client.post(f"/api/v1/contents/{content_id}/cancel", headers=auth).status_code == 200
    token = auth["Authorization"].removeprefix("Bearer ")
    # EventSource cannot set headers: it opens the URL of a ticket, never a token's.
    refused = client.get(f"/api/v1/contents/{content_id}/events", params={"access_token": token})
    assert_problem(refused, 401)
    made = client.post(f"/api/v1/contents/{content_id}/events/ticket", headers=auth)
    assert made.status_code == 200, made.text
    ticket = made.json()
    assert ticket["expires_in"] == 60
    assert token not in ticket["events_url"]
    stream = client.get(ticket["events_url"])
    assert stream.status_code == 200, stream.text
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.headers["Cache-Control"] == "no-cache"
    events = [line for line in stream.text.splitlines() if line.startswith("event: ")]
    assert events == ["event: progress", "event: done"]
    assert '"status": "cancelled"' in stream.text
    # Single-purpose: not a token for anything else, nor for another content's stream.
    other = create_id(client, auth)
    for path in (f"/api/v1/contents/{content_id}", f"/api/v1/contents/{other}/events"):
        assert_problem(client.get(path, params={"ticket": ticket["ticket"]}), 401)
        assert_problem(
            client.get(path, headers={"Authorization": f"Bearer {ticket['ticket']}"}), 401
        )


def test_out_of_credits(client: TestClient) -> None:
    auth = sign_up(client)
    made = [create_id(client, auth) for _ in range(3)]
    empty = create(client, auth)
    assert_problem(empty, 402)
    assert empty.json()["type"].endswith("/out-of-credits")
    assert balance(client, auth) == 0
    # The refused request left nothing behind: no content, no ledger row.
    assert client.get("/api/v1/contents", headers=auth).json()["total"] == 3
    report = client.get("/api/v1/analytics/credits", headers=auth).json()
    assert report["plan"] == "free"
    assert report["balance"] == 0
    assert report["unlimited"] is False
    assert report["used_this_period"] == 3
    assert [(r["reason"], r["delta"], r["balance_after"]) for r in report["ledger"]] == [
        ("generation", -1, 0),
        ("generation", -1, 1),
        ("generation", -1, 2),
        ("trial_grant", 3, 3),
    ]
    assert [r["content_id"] for r in report["ledger"][:3]] == made[::-1]
    limited = client.get("/api/v1/analytics/credits", params={"limit": 2}, headers=auth).json()
    assert len(limited["ledger"]) == 2
    assert_problem(
        client.get("/api/v1/analytics/credits", params={"limit": 0}, headers=auth), 422, "limit"
    )
    # A cancel gives a credit back, and it can be spent again.
    assert client.post(f"/api/v1/contents/{made[0]}/cancel", headers=auth).status_code == 200
    assert create(client, auth).status_code == 202
    assert_problem(create(client, auth), 402)


def test_projects(client: TestClient) -> None:
    auth = sign_up(client)
    projects = client.get("/api/v1/projects", headers=auth).json()
    [default] = projects["items"]
    assert default["is_default"] is True
    assert_problem(client.delete(f"/api/v1/projects/{default['id']}", headers=auth), 409)

    made = client.post(
        "/api/v1/projects",
        json={"name": "English", "language": "en", "format": "16:9", "platforms": ["tiktok"]},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    project = made.json()
    assert project["is_default"] is False
    assert_problem(client.post("/api/v1/projects", json={"name": ""}, headers=auth), 422, "name")
    assert_problem(
        client.post("/api/v1/projects", json={"name": "x", "owner": "me"}, headers=auth),
        422,
        "owner",
    )
    assert_problem(
        client.post("/api/v1/projects", json={"name": "x", "platforms": ["myspace"]},
                    headers=auth),
        422,
        "platforms.0",
    )  # fmt: skip

    patched = client.patch(
        f"/api/v1/projects/{project['id']}", json={"description": "for the US"}, headers=auth
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "for the US"
    assert patched.json()["name"] == "English"
    assert_problem(
        client.patch(f"/api/v1/projects/{project['id']}", json={"tone": "angry"}, headers=auth),
        422,
        "tone",
    )

    # A content takes its missing options from its project.
    content_id = create_id(client, auth, project_id=project["id"], text=EN_TEXT)
    content = client.get(f"/api/v1/contents/{content_id}", headers=auth).json()
    assert content["project_id"] == project["id"]
    assert content["options"]["aspect"] == "16:9"

    # A project with a generation under way cannot be deleted; once it is done, it can.
    assert_problem(client.delete(f"/api/v1/projects/{project['id']}", headers=auth), 409)
    assert client.post(f"/api/v1/contents/{content_id}/cancel", headers=auth).status_code == 200
    assert client.delete(f"/api/v1/projects/{project['id']}", headers=auth).status_code == 204
    assert_problem(client.get(f"/api/v1/projects/{project['id']}", headers=auth), 404)
    assert client.get("/api/v1/projects", headers=auth).json()["total"] == 1
    assert_problem(create(client, auth, project_id=project["id"]), 404)


def test_usage_counts_the_current_period_only(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    now = utcnow()
    with runtime.db.session() as session:
        user = session.execute(select(User)).scalar_one()
        user.plan_id = "starter"
        runtime.callers.forget(user.id)  # as the code that changes a plan does
        user.credit_balance = 15
        user.credits_renew_at = now + timedelta(days=10)  # this period began 20 days ago
        # Last period's generations (45 and 25 days ago) are not this period's usage.
        for days in (45, 25):
            session.add(
                CreditEntry(
                    user_id=user.id,
                    delta=-1,
                    balance_after=14,
                    reason=LedgerReason.GENERATION,
                    created_at=now - timedelta(days=days),
                )
            )
    assert create(client, auth).status_code == 202
    report = client.get("/api/v1/analytics/credits", headers=auth).json()
    assert report["plan"] == "starter"
    assert report["monthly_credits"] == 15
    assert report["balance"] == 14
    assert report["used_this_period"] == 1
    assert len(report["ledger"]) == 4  # the ledger itself shows everything


def test_a_failed_content_reads_back_with_its_error(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    with runtime.db.session() as session:
        session.execute(
            update(Content)
            .where(Content.id == uuid.UUID(content_id))
            .values(status=ContentStatus.FAILED, error="the page is gone", error_stage="source")
        )
    got = client.get(f"/api/v1/contents/{content_id}", headers=auth)
    assert got.status_code == 200, got.text
    assert got.json()["status"] == "failed"
    assert got.json()["error"] == {"stage": "source", "message": "the page is gone"}
    listed = client.get("/api/v1/contents", headers=auth)
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"][0]["error"]["message"] == "the page is gone"
    assert (
        client.get(f"/api/v1/contents/{create_id(client, auth)}", headers=auth).json()["error"]
        is None
    )
