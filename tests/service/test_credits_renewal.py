"""Monthly plans renew their credits when the period is over, once per period."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from autoclip.service.db import utcnow
from autoclip.service.models import CreditEntry, LedgerReason, User
from autoclip.service.runtime import Runtime
from service.conftest import forget_callers, sign_up
from service.test_smoke import TEXT


def test_a_due_monthly_grant_lands_before_the_debit(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    with runtime.db.session() as session:
        session.execute(
            update(User).values(
                plan_id="starter", credit_balance=0, credits_renew_at=utcnow() - timedelta(hours=1)
            )
        )
    made = client.post(
        "/api/v1/contents", json={"generation_type": "text", "text": TEXT}, headers=auth
    )
    assert made.status_code == 202, made.text
    again = client.post(
        "/api/v1/contents", json={"generation_type": "text", "text": TEXT}, headers=auth
    )
    assert again.status_code == 202

    credits = client.get("/api/v1/analytics/credits", headers=auth).json()
    assert credits["balance"] == 13  # Starter's 15, less two generations
    reasons = [entry["reason"] for entry in reversed(credits["ledger"])]
    assert reasons.count(LedgerReason.MONTHLY_GRANT.value) == 1, "one grant per period"
    with runtime.db.session(write=False) as session:
        renews = session.scalars(select(User.credits_renew_at)).one()
        grants = session.scalars(
            select(CreditEntry.balance_after).where(
                CreditEntry.reason == LedgerReason.MONTHLY_GRANT
            )
        ).all()
    assert renews is not None
    assert renews > utcnow() + timedelta(days=29)
    assert grants == [15]


def test_an_unlimited_plan_never_runs_out(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    with runtime.db.session() as session:
        session.execute(update(User).values(plan_id="enterprise", credit_balance=0))
    forget_callers(runtime)
    for _ in range(4):
        made = client.post(
            "/api/v1/contents", json={"generation_type": "text", "text": TEXT}, headers=auth
        )
        assert made.status_code == 202, made.text
    credits = client.get("/api/v1/analytics/credits", headers=auth).json()
    assert credits["unlimited"] is True
    assert credits["balance"] is None
    assert credits["used_this_period"] == 4
