"""Provider usage: the worker's sink records each paid call at once, a generation's budget
counts what it spent, and `/analytics/usage` sums a user's own calls by day and service."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from autoclip.providers.cloud.breaker import shared_breaker
from autoclip.providers.cloud.errors import BudgetExceededError
from autoclip.providers.cloud.usage import PRICES, UsageMeter
from autoclip.service.billing.usage import usage_sink
from autoclip.service.contents.chains import generation_spend
from autoclip.service.db import utcnow
from autoclip.service.models import ApiUsage, Content
from autoclip.service.runtime import Runtime
from service.conftest import sign_up
from service.test_api_contents import assert_problem, create_id

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
API = "/api/v1"


def user_id(client: TestClient, auth: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get(f"{API}/users/me", headers=auth).json()["id"])


def cost_of(runtime: Runtime, content_id: str) -> float:
    with runtime.db.session(write=False) as session:
        content = session.get(Content, uuid.UUID(content_id))
        assert content is not None
        return content.cost_usd


def test_the_sink_records_each_paid_call_at_once(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    owner = user_id(client, auth)
    sink = usage_sink(runtime.db, owner, uuid.UUID(content_id), runtime.job_metrics)
    meter = UsageMeter(budget_usd=0.05, sink=sink)
    meter.stage = "script"
    meter.record("gemini", {"input_tokens": 1000, "output_tokens": 2000})
    # in the database before the generation goes on: a crash now loses nothing
    with runtime.db.session(write=False) as session:
        [first] = session.scalars(select(ApiUsage)).all()
    gemini = PRICES["gemini"]
    expected = 1000 * gemini["input_tokens"] + 2000 * gemini["output_tokens"]
    assert (first.user_id, first.content_id) == (owner, uuid.UUID(content_id))
    assert (first.service, first.stage) == ("gemini", "script")
    assert first.units == {"input_tokens": 1000, "output_tokens": 2000}
    assert first.cost_usd == pytest.approx(expected)
    assert cost_of(runtime, content_id) == pytest.approx(expected)

    meter.stage = "visuals"
    for _ in range(2):
        meter.record("gemini-image", {"images": 1})
    meter.record("pexels", {"requests": 1})  # free, but counted
    total = expected + 2 * PRICES["gemini-image"]["images"]
    assert cost_of(runtime, content_id) == pytest.approx(total)
    # and on /metrics, for the operator's dashboards
    metrics = client.get("/metrics").text
    assert 'autoclip_provider_calls_total{service="gemini-image"} 2.0' in metrics
    assert 'autoclip_provider_cost_usd_total{service="gemini"}' in metrics
    with runtime.db.session(write=False) as session:
        assert generation_spend(session, uuid.UUID(content_id)) == pytest.approx(total)
    # over the budget: the next paid call is refused, a free one is not
    with pytest.raises(BudgetExceededError):
        meter.check("gemini-image")
    meter.check("pexels")

    listed = client.get(f"{API}/contents/{content_id}/usage", headers=auth).json()
    assert [(u["service"], u["stage"]) for u in listed] == [
        ("gemini", "script"),
        ("gemini-image", "visuals"),
        ("gemini-image", "visuals"),
        ("pexels", "visuals"),
    ]
    assert listed[3]["cost_usd"] == 0
    assert client.get(f"{API}/contents/{content_id}", headers=auth).json()[
        "cost_usd"
    ] == pytest.approx(total)


def test_a_regenerate_gets_a_budget_of_its_own(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    content_id = create_id(client, auth)
    cid = uuid.UUID(content_id)
    sink = usage_sink(runtime.db, user_id(client, auth), cid)
    UsageMeter(sink=sink).record("elevenlabs", {"characters": 1000})
    assert client.post(f"{API}/contents/{content_id}/cancel", headers=auth).status_code == 200
    again = client.post(
        f"{API}/contents/{content_id}/regenerate", json={"parts": ["narration"]}, headers=auth
    )
    assert again.status_code == 202, again.text
    with runtime.db.session(write=False) as session:
        assert generation_spend(session, cid) == 0
    UsageMeter(sink=sink).record("elevenlabs", {"characters": 100})
    per_character = PRICES["elevenlabs"]["characters"]
    with runtime.db.session(write=False) as session:
        assert generation_spend(session, cid) == pytest.approx(100 * per_character)
    assert cost_of(runtime, content_id) == pytest.approx(1100 * per_character)  # every one


def add_usage(
    runtime: Runtime,
    owner: uuid.UUID,
    at: datetime,
    service: str,
    units: Mapping[str, float],
    usd: float,
) -> None:
    with runtime.db.session() as session:
        session.add(
            ApiUsage(
                user_id=owner,
                service=service,
                stage="narration",
                units=dict(units),
                cost_usd=usd,
                created_at=at,
            )
        )


def test_usage_by_day_and_service(client: TestClient, runtime: Runtime) -> None:
    alice, bob = sign_up(client), sign_up(client)
    a_id, b_id = (user_id(client, auth) for auth in (alice, bob))
    today = utcnow().date()
    yesterday = today - timedelta(days=1)
    noon = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12)
    last_night = noon - timedelta(hours=12, seconds=1)  # 23:59:59 yesterday, UTC
    for at, service, units, usd in (
        (noon, "elevenlabs", {"characters": 300}, 0.09),
        (noon, "elevenlabs", {"characters": 200, "requests": 1}, 0.06),
        (noon, "gemini", {"input_tokens": 10, "output_tokens": 5}, 0.001),
        (last_night, "elevenlabs", {"characters": 100}, 0.03),
        (noon - timedelta(days=40), "gemini", {"input_tokens": 1}, 5.0),  # out of the window
    ):
        add_usage(runtime, a_id, at, service, units, usd)
    add_usage(runtime, b_id, noon, "elevenlabs", {"characters": 999}, 7.0)

    report = client.get(f"{API}/analytics/usage", headers=alice)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["from"] == str(today - timedelta(days=29))
    assert body["to"] == str(today)
    assert body["total_usd"] == pytest.approx(0.181)
    assert body["days"] == [
        {
            "date": str(yesterday),
            "service": "elevenlabs",
            "calls": 1,
            "cost_usd": 0.03,
            "units": {"characters": 100},
        },
        {
            "date": str(today),
            "service": "elevenlabs",
            "calls": 2,
            "cost_usd": pytest.approx(0.15),
            "units": {"characters": 500, "requests": 1},
        },
        {
            "date": str(today),
            "service": "gemini",
            "calls": 1,
            "cost_usd": 0.001,
            "units": {"input_tokens": 10, "output_tokens": 5},
        },
    ]

    # a window of one day; and one far back
    one_day = client.get(
        f"{API}/analytics/usage", params={"from": str(yesterday), "to": str(yesterday)},
        headers=alice,
    ).json()  # fmt: skip
    assert [(d["date"], d["calls"]) for d in one_day["days"]] == [(str(yesterday), 1)]
    assert one_day["total_usd"] == 0.03
    old = str(today - timedelta(days=40))
    back = client.get(f"{API}/analytics/usage", params={"from": old, "to": old}, headers=alice)
    assert back.json()["total_usd"] == 5.0

    # Bob sees his own calls only; Alice's never count for him
    theirs = client.get(f"{API}/analytics/usage", headers=bob).json()
    assert theirs["total_usd"] == 7.0
    assert [(d["service"], d["calls"]) for d in theirs["days"]] == [("elevenlabs", 1)]

    for params, field in (
        ({"from": str(today), "to": str(yesterday)}, "from"),
        ({"from": str(today - timedelta(days=200))}, "from"),
        ({"from": "last week"}, "from"),
        ({"to": "2026-02-30"}, "to"),
    ):
        refused = client.get(f"{API}/analytics/usage", params=params, headers=alice)
        assert_problem(refused, 422, field)
    assert_problem(client.get(f"{API}/analytics/usage"), 401)


def test_a_skipped_provider_shows_on_metrics(client: TestClient) -> None:
    key = f"test-provider http://127.0.0.1:9/{uuid.uuid4().hex[:6]}"
    breaker = shared_breaker(key)
    for _ in range(breaker.failure_threshold):
        breaker.record_failure()
    assert f'autoclip_provider_circuit_open{{breaker="{key}"}} 1.0' in client.get("/metrics").text
    breaker.record_success()
    assert f'autoclip_provider_circuit_open{{breaker="{key}"}} 0.0' in client.get("/metrics").text
