"""`GET /usage/daily` (spend by day and service, for a chart) and `GET /credits/ledger`
(every credit change, paged): each user sees only their own."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from autoclip.service.db import utcnow
from autoclip.service.models import ApiUsage
from autoclip.service.runtime import Runtime
from service.conftest import sign_up
from service.test_api_contents import assert_problem, create_id

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
API = "/api/v1"


def user_id(client: TestClient, auth: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get(f"{API}/users/me", headers=auth).json()["id"])


def test_daily_usage_and_the_ledger_are_the_callers(client: TestClient, runtime: Runtime) -> None:
    mine, theirs = sign_up(client), sign_up(client)
    me, them = user_id(client, mine), user_id(client, theirs)
    now = utcnow()
    with runtime.db.session() as session:
        for who, days_ago, service, units, cost in (
            (me, 0, "elevenlabs", {"characters": 800.0}, 0.24),
            (me, 0, "elevenlabs", {"characters": 200.0}, 0.06),
            (me, 0, "gemini", {"input_tokens": 1000.0, "output_tokens": 500.0}, 0.00155),
            (me, 2, "gemini-image", {"images": 3.0}, 0.117),
            (me, 40, "gemini-image", {"images": 1.0}, 0.039),  # outside 30 days
            (them, 0, "elevenlabs", {"characters": 5000.0}, 1.5),
        ):
            session.add(ApiUsage(user_id=who, service=service, units=units, cost_usd=cost,
                                 created_at=now - timedelta(days=days_ago)))  # fmt: skip

    daily = client.get(f"{API}/usage/daily", headers=mine)
    assert daily.status_code == 200, daily.text
    report = daily.json()
    assert report["to"] == now.date().isoformat()
    assert report["from"] == (now.date() - timedelta(days=29)).isoformat()
    rows = {(row["date"], row["service"]): row for row in report["days"]}
    today, two_ago = now.date().isoformat(), (now.date() - timedelta(days=2)).isoformat()
    assert set(rows) == {(today, "elevenlabs"), (today, "gemini"), (two_ago, "gemini-image")}
    voice = rows[(today, "elevenlabs")]
    assert voice["calls"] == 2
    assert voice["units"] == {"characters": 1000.0}
    assert voice["cost_usd"] == pytest.approx(0.30)
    assert report["total_usd"] == pytest.approx(0.30 + 0.00155 + 0.117)
    one_day = client.get(f"{API}/usage/daily?days=1", headers=mine).json()
    assert {row["service"] for row in one_day["days"]} == {"elevenlabs", "gemini"}
    assert_problem(client.get(f"{API}/usage/daily?days=0", headers=mine), 422, "days")
    assert_problem(client.get(f"{API}/usage/daily?days=93", headers=mine), 422, "days")
    assert client.get(f"{API}/usage/daily", headers=theirs).json()["total_usd"] == 1.5

    # The ledger: the trial grant, then a debit per content, newest first, paged.
    for _ in range(2):
        create_id(client, mine)
    first = client.get(f"{API}/credits/ledger?per_page=2", headers=mine).json()
    assert first["total"] == 3
    assert [e["reason"] for e in first["items"]] == ["generation", "generation"]
    assert [e["balance_after"] for e in first["items"]] == [1, 2]
    second = client.get(f"{API}/credits/ledger?per_page=2&page=2", headers=mine).json()
    assert [(e["reason"], e["delta"]) for e in second["items"]] == [("trial_grant", 3)]
    their_ledger = client.get(f"{API}/credits/ledger", headers=theirs).json()
    assert their_ledger["total"] == 1  # their grant only
    assert_problem(client.get(f"{API}/credits/ledger?per_page=101", headers=mine), 422)
