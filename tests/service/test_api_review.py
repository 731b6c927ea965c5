"""The review of flagged scripts over HTTP: only a content waiting for review can be
approved (back on the queue) or rejected (cancelled and refunded), once, by its owner."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from autoclip.safety import SafetyReport
from autoclip.service.contents.records import Served
from autoclip.service.models import Content, ContentStatus, JobPhase
from autoclip.service.runtime import Runtime
from service.conftest import sign_up
from service.test_api_contents import assert_problem, balance, create_id, ledger
from service.test_jobs_reconciler import Sent, sent

__all__ = ["sent"]  # a fixture, used by name
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
API = "/api/v1"
REPORT = {
    "verdict": "flagged",
    "score": 0.625,
    "flags": [
        {
            "category": "cure_claim",
            "severity": "flag",
            "sentence": "This miracle pill cures diabetes in a week, guaranteed.",
            "rule": "cure_claim.en.cures",
            "source": "rules",
            "reason": "",
        }
    ],
    "disclaimer": "This video is general health information, not medical advice.",
    "checked_by": ["rules"],
    "version": "1",
}


def hold(runtime: Runtime, content_id: str) -> None:
    """Leave the content as a worker does when its project wants flagged scripts approved."""
    with runtime.db.session() as session:
        session.execute(
            update(Content)
            .where(Content.id == uuid.UUID(content_id))
            .values(
                status=ContentStatus.REVIEW,
                stage=None,
                progress=10,
                script={"title": "A pill"},
                title="A pill",
                safety=SafetyReport.model_validate(REPORT),
                served=Served(script="offline", safety="rules"),
            )
        )


def post(
    client: TestClient, auth: dict[str, str], content_id: str, action: str, **body: Any
) -> Any:
    return client.post(f"{API}/contents/{content_id}/{action}", json=body or None, headers=auth)


def test_approve_queues_the_prepare_phase_once(
    client: TestClient, runtime: Runtime, sent: Sent
) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    # queued, not in review: nothing to approve or reject
    for action in ("approve", "reject"):
        refused = post(client, auth, content_id, action)
        assert_problem(refused, 409)
        assert "only a content waiting for review" in refused.json()["detail"]
    hold(runtime, content_id)
    shown = client.get(f"{API}/contents/{content_id}", headers=auth).json()
    assert shown["status"] == "review"
    assert shown["safety"]["verdict"] == "flagged"
    # waiting for a person, not a worker: cancel and regenerate do not apply
    assert_problem(post(client, auth, content_id, "cancel"), 409)
    assert_problem(post(client, auth, content_id, "regenerate", parts=["render"]), 409)
    sent.clear()

    approved = post(client, auth, content_id, "approve")
    assert approved.status_code == 202, approved.text
    body = approved.json()
    assert body["status"] == "queued"
    assert body["approved_at"] is not None
    assert body["safety"] == SafetyReport.model_validate(REPORT).model_dump(mode="json")
    assert sent == [(content_id, JobPhase.PREPARE)]  # once the approval committed
    assert balance(client, auth) == 2  # the credit stays taken

    again = post(client, auth, content_id, "approve")
    assert_problem(again, 409)
    assert "the content is queued" in again.json()["detail"]
    assert_problem(post(client, auth, content_id, "reject"), 409)
    assert sent == [(content_id, JobPhase.PREPARE)]


def test_reject_cancels_refunds_and_keeps_the_reason(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    hold(runtime, content_id)
    assert balance(client, auth) == 2

    rejected = post(client, auth, content_id, "reject", reason="not our claim to make")
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert body["status"] == "cancelled"
    assert body["finished_at"] is not None
    assert body["approved_at"] is None
    assert body["error"] == {
        "stage": "safety",
        "message": "rejected in review: not our claim to make",
    }
    assert body["script"] == {"title": "A pill"}  # kept, to be read later
    assert balance(client, auth) == 3
    reasons = [(e["reason"], e["content_id"]) for e in ledger(client, auth)[:2]]
    assert reasons == [("refund", content_id), ("generation", content_id)]

    assert_problem(post(client, auth, content_id, "reject"), 409)
    assert_problem(post(client, auth, content_id, "approve"), 409)
    assert balance(client, auth) == 3  # refunded once

    # without a reason; and the reason's length is bounded
    other = create_id(client, auth)
    hold(runtime, other)
    assert_problem(post(client, auth, other, "reject", reason="x" * 501), 422, "reason")
    assert_problem(post(client, auth, other, "reject", why="no"), 422, "why")
    plain = post(client, auth, other, "reject")
    assert plain.status_code == 200, plain.text
    assert plain.json()["error"]["message"] == "rejected in review"


def test_deleting_a_content_in_review_refunds_it(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    hold(runtime, content_id)
    assert client.delete(f"{API}/contents/{content_id}", headers=auth).status_code == 204
    assert balance(client, auth) == 3


def test_another_users_review_is_404(client: TestClient, runtime: Runtime, sent: Sent) -> None:
    alice = sign_up(client)
    bob = sign_up(client)
    content_id = create_id(client, alice)
    hold(runtime, content_id)
    sent.clear()
    for action in ("approve", "reject", "usage"):
        method = "GET" if action == "usage" else "POST"
        path = f"{API}/contents/{content_id}/{action}"
        theirs = client.request(method, path, headers=bob)
        assert_problem(theirs, 404)
        missing = client.request(method, path.replace(content_id, str(uuid.uuid4())), headers=bob)
        assert theirs.json()["detail"] == missing.json()["detail"]
    assert sent == []
    assert client.get(f"{API}/contents/{content_id}", headers=alice).json()["status"] == "review"
    assert client.get(f"{API}/contents/{content_id}/usage", headers=alice).json() == []
