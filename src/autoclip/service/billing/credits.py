"""Credits: one per generation, debited atomically (`CreditRepository.take_one`), refunded
once, every change in a ledger."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from autoclip.service.auth.callers import Account
from autoclip.service.billing.repository import CreditRepository
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import utcnow
from autoclip.service.models import LedgerReason, Plan, User
from autoclip.service.problems import PaymentRequired

PERIOD = timedelta(days=30)


def open_account(session: Session, user: User, plan: Plan) -> None:
    """Give a new user their plan's starting credits."""
    user.plan_id = plan.id
    if plan.unlimited:
        user.credit_balance = 0
        return
    grant, reason = (
        (plan.trial_credits, LedgerReason.TRIAL_GRANT)
        if plan.trial_credits
        else (plan.monthly_credits, LedgerReason.MONTHLY_GRANT)
    )
    user.credit_balance = grant
    user.credits_renew_at = utcnow() + PERIOD if plan.monthly_credits else None
    session.flush()
    CreditRepository(session).record(user.id, grant, grant, reason, None)


def debit(session: Session, user: Account, content_id: uuid.UUID, reason: LedgerReason) -> None:
    credits = CreditRepository(session)
    plan = credits.plan(user.plan_id)
    if plan is not None and plan.unlimited:
        credits.record(user.id, -1, None, reason, content_id)
        return
    if plan is not None:
        _renew_if_due(credits, user.id, plan)
    balance = credits.take_one(user.id)
    if balance is None:
        raise PaymentRequired("no credits left: upgrade the plan or wait for the monthly grant")
    credits.record(user.id, -1, balance, reason, content_id)


def refund(session: Session, content_id: uuid.UUID) -> bool:
    """Give back the content's credit if it still holds one; True if it did."""
    taken = ContentRepository(session).take_back_credit(content_id)
    if taken is None:
        return False
    credits = CreditRepository(session)
    plan = credits.plan_of(taken)
    if plan is not None and plan.unlimited:
        credits.record(taken, 1, None, LedgerReason.REFUND, content_id)
        return True
    credits.record(taken, 1, credits.give_one(taken), LedgerReason.REFUND, content_id)
    return True


def _renew_if_due(credits: CreditRepository, user_id: uuid.UUID, plan: Plan) -> None:
    if not plan.monthly_credits:
        return
    now = utcnow()
    due = credits.renewal_due_at(user_id)
    if due is None or due > now:
        return
    renewed = credits.renew(user_id, due, plan.monthly_credits, now + PERIOD)
    if renewed is not None:
        credits.record(user_id, plan.monthly_credits, renewed, LedgerReason.MONTHLY_GRANT, None)
