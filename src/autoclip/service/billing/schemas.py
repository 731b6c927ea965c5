"""What the credit routes answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from autoclip.service.models import LedgerReason
from autoclip.service.schemas import Output


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
