"""`PUT /contents/{id}/script` over HTTP: who may edit when, what it costs, what is checked
and what is queued. (The render of an edit, reusing the unchanged scenes, is in
test_script_edit_embedded.py.)"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from autoclip.script.limits import MAX_BODY_SCENES, MAX_NARRATION_CHARS
from autoclip.service.models import Content, ContentStatus, JobPhase
from autoclip.service.runtime import Runtime
from service.conftest import sign_up
from service.test_api_contents import assert_problem, balance, create_id, ledger
from service.test_api_review import hold
from service.test_jobs_reconciler import Sent, sent

__all__ = ["sent"]  # a fixture, used by name
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
API = "/api/v1"


def scene(words: str) -> dict[str, Any]:
    return {"narration": words, "on_screen_text": words[:20], "visual": "a desk", "keywords": []}


def edited(*body: str) -> dict[str, Any]:
    return {
        "title": "잠의 힘",
        "hook": scene("잠은 건강의 기본입니다."),
        "scenes": [scene(words) for words in body],
        "cta": scene("구독하고 더 알아보세요."),
        "description": "수면 이야기",
        "hashtags": ["#수면"],
    }


def finish(runtime: Runtime, content_id: str, status: ContentStatus) -> None:
    """Leave the content as a worker does when it is done with it, script written."""
    with runtime.db.session() as session:
        session.execute(
            update(Content)
            .where(Content.id == uuid.UUID(content_id))
            .values(status=status, script=edited("처음 쓴 장면입니다."), title="잠의 힘")
        )


def put(client: TestClient, auth: dict[str, str], content_id: str, body: Any) -> Any:
    return client.put(f"{API}/contents/{content_id}/script", json=body, headers=auth)


def test_edit_a_ready_content_takes_a_credit_and_renders_the_new_script(
    client: TestClient, runtime: Runtime, sent: Sent
) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    # queued, no script yet: nothing to edit
    assert_problem(put(client, auth, content_id, edited("새 장면")), 409)
    finish(runtime, content_id, ContentStatus.READY)
    sent.clear()
    before = balance(client, auth)

    answer = put(client, auth, content_id, edited("고친 장면입니다.", "더한 장면입니다."))
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "queued"
    assert body["safety"] is None  # the new words are checked anew
    assert [s["narration"] for s in body["script"]["scenes"]] == [
        "고친 장면입니다.",
        "더한 장면입니다.",
    ]
    assert body["script"]["language"] == "ko"  # the content's
    assert sent == [(content_id, JobPhase.PREPARE)]
    assert balance(client, auth) == before - 1
    assert (ledger(client, auth)[0]["reason"], ledger(client, auth)[0]["content_id"]) == (
        "regeneration",
        content_id,
    )
    # queued again: no second edit until it is done
    assert_problem(put(client, auth, content_id, edited("또")), 409)
    assert balance(client, auth) == before - 1


def test_edit_in_review_uses_the_credit_it_holds(
    client: TestClient, runtime: Runtime, sent: Sent
) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    hold(runtime, content_id)
    sent.clear()
    answer = put(client, auth, content_id, edited("약 이야기는 빼고 다시 씁니다."))
    assert answer.status_code == 202, answer.text
    assert answer.json()["approved_at"] is None
    assert sent == [(content_id, JobPhase.PREPARE)]
    assert balance(client, auth) == 2  # the generation's credit, still held; no new one
    # A failed one takes a credit; a cancelled one cannot be edited.
    failed = create_id(client, auth)
    finish(runtime, failed, ContentStatus.FAILED)
    assert put(client, auth, failed, edited("다시")).status_code == 202
    assert balance(client, auth) == 0
    cancelled = content_id  # queued again by its edit; cancelled now
    with runtime.db.session() as session:
        session.execute(
            update(Content)
            .where(Content.id == uuid.UUID(cancelled))
            .values(status=ContentStatus.CANCELLED)
        )
    assert_problem(put(client, auth, cancelled, edited("다시")), 409)
    # Out of credits: a ready content's edit is a 402, and nothing changes.
    finish(runtime, failed, ContentStatus.READY)
    assert_problem(put(client, auth, failed, edited("돈이 없습니다")), 402)
    shown = client.get(f"{API}/contents/{failed}", headers=auth).json()
    assert shown["status"] == "ready"
    assert shown["script"]["scenes"][0]["narration"] == "처음 쓴 장면입니다."


def test_an_edit_is_validated_field_by_field(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    finish(runtime, content_id, ContentStatus.READY)
    for body, field in (
        ({**edited("a"), "scenes": []}, "scenes"),
        ({**edited("a"), "scenes": [scene("a")] * (MAX_BODY_SCENES + 1)}, "scenes"),
        (edited("가" * (MAX_NARRATION_CHARS + 1)), "scenes.0.narration"),
        ({**edited("a"), "hook": {"narration": ""}}, "hook.narration"),
        ({**edited("a"), "title": ""}, "title"),
        ({**edited("a"), "language": "en"}, "language"),  # the content's, not the edit's
        ({**edited("a"), "cta": {**scene("a"), "picture": "x"}}, "cta.picture"),
        ({**edited("a"), "hashtags": "#one"}, "hashtags"),
        (edited("정상\x00문장"), "scenes.0.narration"),
    ):
        assert_problem(put(client, auth, content_id, body), 422, field)
    # Many scenes, each under the cap, that together speak for longer than the longest video.
    long_body = edited(*["가" * 900] * 20)
    refused = put(client, auth, content_id, long_body)
    assert_problem(refused, 422, "scenes")
    assert "to speak" in refused.text
    assert client.get(f"{API}/contents/{content_id}", headers=auth).json()["status"] == "ready"


def test_another_users_script_is_404(client: TestClient, runtime: Runtime) -> None:
    owner, other = sign_up(client), sign_up(client)
    content_id = create_id(client, owner)
    finish(runtime, content_id, ContentStatus.READY)
    assert_problem(put(client, other, content_id, edited("남의 것")), 404)
    assert_problem(put(client, other, str(uuid.uuid4()), edited("없는 것")), 404)
    assert balance(client, other) == 3
