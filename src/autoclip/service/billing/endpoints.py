from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from autoclip.service.auth.service import user_row
from autoclip.service.billing.credits import PERIOD
from autoclip.service.db import utcnow
from autoclip.service.deps import CurrentUser, SessionDep
from autoclip.service.models import CreditEntry, LedgerReason, Plan
from autoclip.service.schemas import MAX_PAGE, Output, Page

router = APIRouter(prefix="/analytics", tags=["analytics"])
ledger_router = APIRouter(prefix="/credits", tags=["analytics"])


class LedgerEntryOut(Output):
    id: int
    delta: int
    balance_after: int | None
    reason: LedgerReason
    content_id: uuid.UUID | None
    created_at: datetime


class CreditsOut(Output):
    plan: str
    plan_name: str
    unlimited: bool
    balance: int | None
    monthly_credits: int
    renews_at: datetime | None
    used_this_period: int
    ledger: list[LedgerEntryOut]


@router.get("/credits")
def credits(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CreditsOut:
    row = user_row(session, user)  # the balance as it is now
    plan = session.get(Plan, row.plan_id)
    assert plan is not None
    ledger = session.scalars(
        select(CreditEntry)
        .where(CreditEntry.user_id == user.id)
        .order_by(CreditEntry.id.desc())
        .limit(limit)
    ).all()
    spending = [
        CreditEntry.user_id == user.id,
        CreditEntry.reason.in_(
            [LedgerReason.GENERATION, LedgerReason.REGENERATION, LedgerReason.REFUND]
        ),
    ]
    if row.credits_renew_at is not None:  # a monthly plan: since the period began
        renews = row.credits_renew_at
        spending.append(
            CreditEntry.created_at >= (renews - PERIOD if renews > utcnow() else renews)
        )
    spent = session.execute(
        select(func.coalesce(-func.sum(CreditEntry.delta), 0)).where(*spending)
    ).scalar_one()
    return CreditsOut(
        plan=plan.id,
        plan_name=plan.name,
        unlimited=plan.unlimited,
        balance=None if plan.unlimited else row.credit_balance,
        monthly_credits=plan.monthly_credits,
        renews_at=row.credits_renew_at,
        used_this_period=int(spent),
        ledger=[LedgerEntryOut.model_validate(e) for e in ledger],
    )


@ledger_router.get("/ledger")
def ledger(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[LedgerEntryOut]:
    """Every change of the caller's credits, newest first, with the balance after it."""
    mine = CreditEntry.user_id == user.id
    total = session.execute(select(func.count()).select_from(CreditEntry).where(mine)).scalar_one()
    rows = session.scalars(
        select(CreditEntry)
        .where(mine)
        .order_by(CreditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    items = [LedgerEntryOut.model_validate(e) for e in rows]
    return Page[LedgerEntryOut](items=items, page=page, per_page=per_page, total=int(total))
