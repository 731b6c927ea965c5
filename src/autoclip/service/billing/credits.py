"""Credits: one per generation, debited atomically, refunded once, every change in a ledger.

The debit is a single conditional UPDATE (`balance >= 1`), so concurrent requests can never
spend the same credit twice on either database: PostgreSQL row-locks the user, SQLite
serialises writers.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from autoclip.service.auth.callers import Account
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import utcnow
from autoclip.service.models import CreditEntry, LedgerReason, Plan, User
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
    _record(session, user.id, grant, grant, reason, None)


def debit(session: Session, user: Account, content_id: uuid.UUID, reason: LedgerReason) -> None:
    plan = session.get(Plan, user.plan_id)
    if plan is not None and plan.unlimited:
        _record(session, user.id, -1, None, reason, content_id)
        return
    if plan is not None:
        _renew_if_due(session, user.id, plan)
    balance = session.execute(
        update(User)
        .where(User.id == user.id, User.credit_balance >= 1)
        .values(credit_balance=User.credit_balance - 1)
        .returning(User.credit_balance)
    ).scalar_one_or_none()
    if balance is None:
        raise PaymentRequired("no credits left: upgrade the plan or wait for the monthly grant")
    _record(session, user.id, -1, balance, reason, content_id)


def refund(session: Session, content_id: uuid.UUID) -> bool:
    """Give back the content's credit if it still holds one; True if it did."""
    taken = ContentRepository(session).take_back_credit(content_id)
    if taken is None:
        return False
    user = session.get(User, taken)
    plan = session.get(Plan, user.plan_id) if user else None
    if plan is not None and plan.unlimited:
        _record(session, taken, 1, None, LedgerReason.REFUND, content_id)
        return True
    balance = session.execute(
        update(User)
        .where(User.id == taken)
        .values(credit_balance=User.credit_balance + 1)
        .returning(User.credit_balance)
    ).scalar_one()
    _record(session, taken, 1, balance, LedgerReason.REFUND, content_id)
    return True


def _renew_if_due(session: Session, user_id: uuid.UUID, plan: Plan) -> None:
    if not plan.monthly_credits:
        return
    now = utcnow()
    due = session.execute(
        select(User.credits_renew_at).where(User.id == user_id)
    ).scalar_one_or_none()
    if due is None or due > now:
        return
    renewed = session.execute(
        update(User)
        .where(User.id == user_id, User.credits_renew_at == due)  # one renewal per period
        .values(credit_balance=plan.monthly_credits, credits_renew_at=now + PERIOD)
        .returning(User.credit_balance)
    ).scalar_one_or_none()
    if renewed is not None:
        _record(session, user_id, plan.monthly_credits, renewed, LedgerReason.MONTHLY_GRANT, None)


def _record(
    session: Session,
    user_id: uuid.UUID,
    delta: int,
    balance_after: int | None,
    reason: LedgerReason,
    content_id: uuid.UUID | None,
) -> None:
    session.add(
        CreditEntry(
            user_id=user_id,
            delta=delta,
            balance_after=balance_after,
            reason=reason,
            content_id=content_id,
        )
    )
