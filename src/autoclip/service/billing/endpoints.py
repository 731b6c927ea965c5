from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from autoclip.service.auth.service import user_row
from autoclip.service.billing.credits import PERIOD
from autoclip.service.billing.repository import CreditRepository
from autoclip.service.billing.schemas import CreditsOut, LedgerEntryOut
from autoclip.service.db import utcnow
from autoclip.service.deps import CurrentUser, SessionDep
from autoclip.service.schemas import MAX_PAGE, Page

router = APIRouter(prefix="/analytics", tags=["analytics"])
ledger_router = APIRouter(prefix="/credits", tags=["analytics"])


@router.get("/credits")
def credits(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CreditsOut:
    row = user_row(session, user)  # the balance as it is now
    repository = CreditRepository(session)
    plan = repository.plan(row.plan_id)
    assert plan is not None
    since = None
    if row.credits_renew_at is not None:  # a monthly plan: since the period began
        renews = row.credits_renew_at
        since = renews - PERIOD if renews > utcnow() else renews
    return CreditsOut(
        plan=plan.id,
        plan_name=plan.name,
        unlimited=plan.unlimited,
        balance=None if plan.unlimited else row.credit_balance,
        monthly_credits=plan.monthly_credits,
        renews_at=row.credits_renew_at,
        used_this_period=repository.spent(user.id, since),
        ledger=[LedgerEntryOut.model_validate(e) for e in repository.latest(user.id, limit)],
    )


@ledger_router.get("/ledger")
def ledger(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[LedgerEntryOut]:
    """Every change of the caller's credits, newest first, with the balance after it."""
    rows, total = CreditRepository(session).page(user.id, page, per_page)
    items = [LedgerEntryOut.model_validate(e) for e in rows]
    return Page[LedgerEntryOut](items=items, page=page, per_page=per_page, total=total)
