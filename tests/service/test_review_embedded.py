"""The safety check end to end, with the worker inside the API process: a flagged script
in a project that wants review waits for its owner's approval before anything is
narrated, then becomes a video; a banned one fails for good and is refunded."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.conftest import sign_up
from service.test_jobs_embedded import SQLITE_ONLY, Start, start
from service.test_jobs_support import (
    API,
    PREPARE,
    RENDER,
    entries,
    get,
    jobs,
    ledger,
    private_redis,
    private_redis_session,
    run_of,
    wait_finished,
    wait_for,
)

__all__ = ["private_redis", "private_redis_session", "start"]  # fixtures, used by name

CURE_CLAIM = "This miracle pill cures diabetes in a week, guaranteed."
FLAGGED_TEXT = (
    f"Walking every day keeps the heart strong. {CURE_CLAIM} Start with a short walk today."
)
GAMBLING_TEXT = (
    "온라인 카지노에서 돈을 따는 법을 알려드립니다. 매일 조금씩 베팅하면 됩니다. "
    "지금 바로 가입하고 첫 보너스를 받으세요."
)
MEDICAL_DISCLAIMER = "This video is general health information, not medical advice."


def health_project(client: TestClient, auth: dict[str, str], *, review: bool) -> str:
    made = client.post(
        f"{API}/projects",
        json={
            "name": "Senior health",
            "vertical": "senior_health",
            "language": "en",
            "require_review": review,
        },
        headers=auth,
    )
    assert made.status_code == 201, made.text
    project_id = made.json()["id"]
    assert isinstance(project_id, str)
    return project_id


def submit(client: TestClient, auth: dict[str, str], text: str, project_id: str) -> str:
    made = client.post(
        f"{API}/contents",
        json={
            "generation_type": "text",
            "text": text,
            "project_id": project_id,
            "options": {"draft": True},
        },
        headers=auth,
    )
    assert made.status_code == 202, made.text
    content_id = made.json()["id"]
    assert isinstance(content_id, str)
    return content_id


def in_review(client: TestClient, auth: dict[str, str], content_id: str) -> dict[str, Any]:
    def waiting() -> dict[str, Any] | None:
        content = get(client, auth, content_id)
        assert content["status"] in ("queued", "processing", "review"), content
        return content if content["status"] == "review" else None

    return wait_for(waiting, 60, "the content to wait for review", every=0.2)


@pytest.mark.e2e
def test_a_flagged_script_waits_for_approval_then_becomes_a_video(start: Start) -> None:
    runtime, client = start()
    auth = sign_up(client)
    content_id = submit(client, auth, FLAGGED_TEXT, health_project(client, auth, review=True))

    held = in_review(client, auth, content_id)
    assert held["stage"] is None
    assert held["error"] is None
    assert held["safety"]["verdict"] == "flagged"
    assert {flag["category"] for flag in held["safety"]["flags"]} == {"cure_claim"}
    assert CURE_CLAIM in {flag["sentence"] for flag in held["safety"]["flags"]}
    assert MEDICAL_DISCLAIMER in held["script"]["description"]
    assert held["title"] == held["script"]["title"]
    assert held["served"] == {"script": "offline", "safety": "rules"}
    # nothing was narrated: the runs stop at the safety check, and the lease is free
    runs = jobs(client, auth, content_id)
    assert [(r["stage"], r["status"]) for r in runs] == [
        ("script", "succeeded"),
        ("safety", "succeeded"),
    ]
    assert run_of(runtime, content_id).lease_owner is None
    balance, book = ledger(client, auth)
    assert balance == 2  # the credit is kept while it waits
    assert entries(book, content_id, "refund") == []

    approved = client.post(f"{API}/contents/{content_id}/approve", headers=auth)
    assert approved.status_code == 202, approved.text
    finished = wait_finished(runtime, content_id, timeout=120)
    assert finished.status.value == "ready", finished.error

    content = get(client, auth, content_id)
    assert content["approved_at"] is not None
    assert content["video_url"] is not None
    assert content["script"] == held["script"]  # the approved script, as it was
    assert content["script"]["description"].count(MEDICAL_DISCLAIMER) == 1
    assert content["safety"] == held["safety"]
    served = content["served"]
    assert served["script"] == "offline"
    assert served["safety"] == "rules"
    assert served["narration"] in ("piper", "espeak")
    assert served["visuals"] == ["cards"] * (len(content["script"]["scenes"]) + 2)
    assert content["cost_usd"] == 0  # the offline engines cost nothing
    # the approval went on from the stored script: written and checked once
    stages = [(r["stage"], r["status"]) for r in jobs(client, auth, content_id)]
    assert stages[:2] == [("script", "succeeded"), ("safety", "succeeded")]
    assert [stage for stage, _ in stages[2:]] == PREPARE + RENDER
    assert stages[2:4] == [("script", "reused"), ("safety", "reused")]
    balance, book = ledger(client, auth)
    assert balance == 2
    assert entries(book, content_id, "refund") == []


@pytest.mark.e2e
@SQLITE_ONLY
def test_without_review_a_flagged_script_goes_on_with_its_disclaimer(start: Start) -> None:
    runtime, client = start()
    auth = sign_up(client)
    content_id = submit(client, auth, FLAGGED_TEXT, health_project(client, auth, review=False))
    assert wait_finished(runtime, content_id).status.value == "ready"
    content = get(client, auth, content_id)
    assert content["safety"]["verdict"] == "flagged"
    assert MEDICAL_DISCLAIMER in content["script"]["description"]
    assert content["approved_at"] is None


@pytest.mark.e2e
def test_a_banned_script_fails_for_good_and_is_refunded(start: Start) -> None:
    runtime, client = start()
    auth = sign_up(client)
    project = health_project(client, auth, review=True)  # blocked all the same
    content_id = submit(client, auth, GAMBLING_TEXT, project)

    finished = wait_finished(runtime, content_id, timeout=60)
    assert finished.status.value == "failed"
    run = run_of(runtime, content_id)
    assert run.attempts == 1  # final: not retried
    assert run.lease_owner is None
    content = get(client, auth, content_id)
    assert content["error"]["stage"] == "safety"
    assert content["error"]["message"].startswith("blocked by the safety check (gambling: ")
    assert content["safety"]["verdict"] == "blocked"
    assert "gambling" in {flag["category"] for flag in content["safety"]["flags"]}
    assert content["video_url"] is None
    assert [r["stage"] for r in jobs(client, auth, content_id)] == ["script", "safety"]
    # nothing to approve: it is not waiting for review
    assert client.post(f"{API}/contents/{content_id}/approve", headers=auth).status_code == 409
    balance, book = ledger(client, auth)
    assert balance == 3
    assert len(entries(book, content_id, "refund")) == 1
