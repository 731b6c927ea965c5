"""`POST /estimates`: the credit and the estimated provider cost of a content, with
the checks of `POST /contents`, and nothing created or charged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from autoclip.service.app import create_app
from autoclip.service.models import Content
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings
from service.conftest import sign_up
from service.test_api_contents import EN_TEXT, TEXT, assert_problem, balance, set_balance

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
URL = "/api/v1/estimates"


def contents(runtime: Runtime) -> int:
    with runtime.db.session(write=False) as session:
        return int(session.execute(select(func.count()).select_from(Content)).scalar_one())


def test_offline_contents_cost_a_credit_and_nothing_else(
    client: TestClient, runtime: Runtime
) -> None:
    auth = sign_up(client)
    before = balance(client, auth)
    answer = client.post(URL, headers=auth, json={"generation_type": "text", "text": TEXT})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["credits"] == 1
    assert body["balance"] == before
    assert body["affordable"] is True
    assert body["estimated_cost_usd"] == 0
    assert body["calls"] == []
    assert body["language"] == "ko"  # detected, as creating it would
    assert balance(client, auth) == before
    assert contents(runtime) == 0
    # The checks of POST /contents: the field named.
    bad = client.post(URL, headers=auth, json={"generation_type": "text", "text": TEXT,
                                                "options": {"aspect": "2:1"}})  # fmt: skip
    assert_problem(bad, 422, "options.aspect")
    assert_problem(client.post(URL, headers=auth, json={"generation_type": "topic",
                                                        "topic": "sleep"}), 409)  # fmt: skip
    other = sign_up(client)
    project = client.get("/api/v1/projects", headers=other).json()["items"][0]["id"]
    elsewhere = {"generation_type": "text", "text": TEXT, "project_id": project}
    assert_problem(client.post(URL, headers=auth, json=elsewhere), 404)
    # No credit left: still answered, and it says so (no 402: nothing is being bought).
    set_balance(runtime, 0)
    poor = client.post(URL, headers=auth, json={"generation_type": "text", "text": TEXT})
    assert poor.status_code == 200
    assert poor.json()["affordable"] is False
    assert poor.json()["balance"] == 0


def test_paid_providers_are_priced_and_capped_by_the_budget(
    make_settings: Callable[..., Settings],
) -> None:
    runtime = build_runtime(
        make_settings(gemini_api_key="g-key", elevenlabs_api_key="e-key", content_budget_usd=0.5)
    )
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            auth = sign_up(client)
            options: dict[str, Any] = {"writer": "gemini,offline", "narrator": "elevenlabs,espeak",
                                       "visuals": "gemini,cards", "length": "short"}  # fmt: skip
            body: dict[str, Any] = {
                "generation_type": "text",
                "text": EN_TEXT,
                "options": options,
            }
            answer = client.post(URL, headers=auth, json=body)
            assert answer.status_code == 200, answer.text
            estimate = answer.json()
            by_stage = {call["stage"]: call for call in estimate["calls"]}
            assert set(by_stage) == {"script", "safety", "narration", "visuals"}
            assert by_stage["narration"]["service"] == "elevenlabs"
            # 55 s of English narration: about 800 characters at $0.30 per thousand.
            characters = by_stage["narration"]["units"]["characters"]
            assert 500 < characters < 1200
            assert by_stage["narration"]["cost_usd"] == pytest.approx(characters * 0.3e-3, 0.01)
            assert by_stage["visuals"]["units"]["images"] == 8  # 55 s of 7 s scenes
            uncapped = estimate["uncapped_cost_usd"]
            assert uncapped == pytest.approx(sum(c["cost_usd"] for c in estimate["calls"]), 1e-3)
            assert uncapped > 0.5
            assert estimate["estimated_cost_usd"] == 0.5
            assert estimate["budget_usd"] == 0.5
            # A lower budget of the content's own caps it lower; free first providers cost 0.
            options["budget_usd"] = 0.1
            assert client.post(URL, headers=auth, json=body).json()["estimated_cost_usd"] == 0.1
            body["options"] = {"narrator": "espeak", "visuals": "cards", "writer": "offline"}
            assert client.post(URL, headers=auth, json=body).json()["estimated_cost_usd"] == 0
            assert contents(runtime) == 0
    finally:
        runtime.close()
