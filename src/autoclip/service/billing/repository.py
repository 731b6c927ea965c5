"""Every query and every conditional change of billing's tables: the user's credit balance,
the ledger, and the paid calls.

A debit is one conditional UPDATE (`balance >= 1`), so two requests can never spend the
same credit on either database: PostgreSQL row-locks the user, SQLite serialises writers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from autoclip.service.db import PLANS
from autoclip.service.models import ApiUsage, CreditEntry, LedgerReason, Plan, User

# What a generation costs or gives back: the ledger reasons that count as spending.
SPENDING = (LedgerReason.GENERATION, LedgerReason.REGENERATION, LedgerReason.REFUND)


class CreditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def plan(self, plan_id: str) -> Plan | None:
        """The plan, read once per process: plans change only by migration, so the
        database keeps each one it has read (`Database.plans`, in every session's info)."""
        kept: dict[str, Plan] | None = self.session.info.get(PLANS)
        if kept is not None and plan_id in kept:
            return kept[plan_id]
        plan = self.session.get(Plan, plan_id)
        # Kept detached (shared by threads, no session may expire it); one being changed
        # in this session (a test's) stays the session's, and is not kept.
        if kept is not None and plan is not None and plan not in self.session.dirty:
            self.session.expunge(plan)
            kept[plan_id] = plan
        return plan

    def plan_of(self, user_id: uuid.UUID) -> Plan | None:
        user = self.session.get(User, user_id)
        return self.plan(user.plan_id) if user is not None else None

    def take_one(self, user_id: uuid.UUID) -> int | None:
        """Spend one credit if the balance has one; the balance after, or None if not."""
        return self.session.execute(
            update(User)
            .where(User.id == user_id, User.credit_balance >= 1)
            .values(credit_balance=User.credit_balance - 1)
            .returning(User.credit_balance)
        ).scalar_one_or_none()

    def give_one(self, user_id: uuid.UUID) -> int:
        """Give one credit back; the balance after."""
        return self.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(credit_balance=User.credit_balance + 1)
            .returning(User.credit_balance)
        ).scalar_one()

    def renewal_due_at(self, user_id: uuid.UUID) -> datetime | None:
        return self.session.execute(
            select(User.credits_renew_at).where(User.id == user_id)
        ).scalar_one_or_none()

    def renew(
        self, user_id: uuid.UUID, due: datetime, credits: int, next_due: datetime
    ) -> int | None:
        """Set the balance to the period's grant if the renewal due at `due` has not been
        made yet (one renewal per period); the balance after, or None if another did."""
        return self.session.execute(
            update(User)
            .where(User.id == user_id, User.credits_renew_at == due)
            .values(credit_balance=credits, credits_renew_at=next_due)
            .returning(User.credit_balance)
        ).scalar_one_or_none()

    def record(
        self,
        user_id: uuid.UUID,
        delta: int,
        balance_after: int | None,
        reason: LedgerReason,
        content_id: uuid.UUID | None,
    ) -> None:
        self.session.add(
            CreditEntry(
                user_id=user_id,
                delta=delta,
                balance_after=balance_after,
                reason=reason,
                content_id=content_id,
            )
        )

    def latest(self, user_id: uuid.UUID, limit: int) -> Sequence[CreditEntry]:
        return self.session.scalars(
            select(CreditEntry)
            .where(CreditEntry.user_id == user_id)
            .order_by(CreditEntry.id.desc())
            .limit(limit)
        ).all()

    def page(
        self, user_id: uuid.UUID, page: int, per_page: int
    ) -> tuple[Sequence[CreditEntry], int]:
        """One page of the user's ledger, newest first, and how many entries there are."""
        mine = CreditEntry.user_id == user_id
        total = self.session.execute(
            select(func.count()).select_from(CreditEntry).where(mine)
        ).scalar_one()
        rows = self.session.scalars(
            select(CreditEntry)
            .where(mine)
            .order_by(CreditEntry.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return rows, int(total)

    def spent(self, user_id: uuid.UUID, since: datetime | None) -> int:
        """Credits spent on generations (net of refunds), since `since` or ever."""
        spending = [CreditEntry.user_id == user_id, CreditEntry.reason.in_(SPENDING)]
        if since is not None:
            spending.append(CreditEntry.created_at >= since)
        return int(
            self.session.execute(
                select(func.coalesce(-func.sum(CreditEntry.delta), 0)).where(*spending)
            ).scalar_one()
        )


class UsageRepository:
    """The paid calls made for a user's contents (`api_usages`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, usage: ApiUsage) -> None:
        self.session.add(usage)

    def calls(
        self, user_id: uuid.UUID, began: datetime, ended: datetime
    ) -> Iterator[tuple[datetime, str, dict[str, float] | None, float]]:
        """(when, service, units, cost) of the user's calls from `began` up to `ended`,
        read a batch at a time."""
        rows = self.session.execute(
            select(ApiUsage.created_at, ApiUsage.service, ApiUsage.units, ApiUsage.cost_usd)
            .where(
                ApiUsage.user_id == user_id,
                ApiUsage.created_at >= began,
                ApiUsage.created_at < ended,
            )
            .execution_options(yield_per=1000)
        )
        for row in rows:
            created_at, service, units, cost = row
            yield created_at, service, units, cost

    def generation_spend(self, content_id: uuid.UUID) -> float:
        """What the content's current generation has spent so far, in USD: its calls
        since the newest credit taken for it (creation or a regenerate)."""
        began = (
            select(func.max(CreditEntry.created_at))
            .where(
                CreditEntry.content_id == content_id,
                CreditEntry.reason.in_([LedgerReason.GENERATION, LedgerReason.REGENERATION]),
            )
            .scalar_subquery()
        )
        spent = self.session.execute(
            select(func.coalesce(func.sum(ApiUsage.cost_usd), 0.0)).where(
                ApiUsage.content_id == content_id,
                ApiUsage.created_at >= func.coalesce(began, ApiUsage.created_at),
            )
        ).scalar_one()
        return float(spent)
