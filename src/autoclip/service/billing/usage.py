"""Provider usage: every paid call recorded as it happens, and the sums a user reads.

A worker's `UsageMeter` hands each call to `usage_sink`, which writes an `api_usages` row
and adds the cost to the content in one short transaction of its own, at once: the record
survives whatever happens to the generation later (a crash, a failure, a cancel), and the
money was spent either way.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from datetime import UTC, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator, Field
from sqlalchemy.orm import Session

from autoclip.providers.cloud.usage import UsageRecord, UsageSink
from autoclip.service.billing.repository import UsageRepository
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import Database, utcnow
from autoclip.service.deps import CurrentUser, SessionDep
from autoclip.service.metrics import JobMetrics
from autoclip.service.models import ApiUsage
from autoclip.service.openapi import problems
from autoclip.service.problems import Invalid
from autoclip.service.schemas import Output

DEFAULT_DAYS = 30
MAX_DAYS = 92  # a quarter: the rows of a window are read one batch at a time
log = logging.getLogger("autoclip.usage")
router = APIRouter(prefix="/analytics", tags=["analytics"])
daily_router = APIRouter(prefix="/usage", tags=["analytics"])


def usage_sink(
    db: Database, user_id: uuid.UUID, content_id: uuid.UUID, metrics: JobMetrics | None = None
) -> UsageSink:
    """A meter's sink that records each paid call of `content_id` for `user_id`.

    Not tied to the job's lease: a call that was made was paid for, whoever holds the
    content now. A failed write is logged, not raised — failing the stage would only make
    its retry pay for the same call again (the meter still counts it against the budget).
    """

    def record(entry: UsageRecord) -> None:
        if metrics is not None:
            metrics.provider_calls.labels(entry.service).inc()
            metrics.provider_cost.labels(entry.service).inc(entry.usd)
        try:
            with db.session() as session:
                UsageRepository(session).add(
                    ApiUsage(
                        user_id=user_id,
                        content_id=content_id,
                        service=entry.service,
                        stage=entry.stage,
                        units=dict(entry.units),
                        cost_usd=entry.usd,
                        created_at=entry.at,
                    )
                )
                ContentRepository(session).add_cost(content_id, entry.usd)
        except Exception:
            log.exception("content %s: the usage of %s (%s, $%.6f) was not recorded",
                          content_id, entry.service, entry.units, entry.usd)  # fmt: skip

    return record


class DailyUsage(Output):
    date: dt.date
    service: str
    calls: int
    cost_usd: float
    units: dict[str, float]


class UsageReport(Output):
    start: dt.date = Field(serialization_alias="from")
    end: dt.date = Field(serialization_alias="to")
    total_usd: float
    days: list[DailyUsage]


def daily_usage(session: Session, user_id: uuid.UUID, start: dt.date, end: dt.date) -> UsageReport:
    """The user's calls, cost and units by UTC day and service, from `start` to `end`
    (both included). Summed here, not in SQL: the units are JSON, and the day of a
    timestamp is spelt differently by each database."""
    began = dt.datetime.combine(start, dt.time.min, UTC)
    ended = dt.datetime.combine(end + timedelta(days=1), dt.time.min, UTC)
    rows = UsageRepository(session).calls(user_id, began, ended)
    sums: dict[tuple[dt.date, str], DailyUsage] = {}
    for created_at, service, units, cost in rows:
        day = created_at.astimezone(UTC).date()
        found = sums.setdefault(
            (day, service), DailyUsage(date=day, service=service, calls=0, cost_usd=0, units={})
        )
        found.calls += 1
        found.cost_usd += cost
        for unit, amount in (units or {}).items():
            found.units[unit] = found.units.get(unit, 0.0) + amount
    days = [sums[key] for key in sorted(sums)]
    for day_usage in days:
        day_usage.cost_usd = round(day_usage.cost_usd, 6)
    total = round(sum(d.cost_usd for d in days), 6)
    return UsageReport(start=start, end=end, total_usd=total, days=days)


def _iso_date(value: object) -> object:
    # pydantic also reads a number as a date (seconds since 1970: ?to=0 was 1970-01-01);
    # the document says YYYY-MM-DD, and only that is taken.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


@router.get(
    "/usage",
    responses=problems(
        422,
        s422="Invalid input: a date not YYYY-MM-DD, `from` after `to`, or more than "
        f"{MAX_DAYS} days.",
    ),
)
def usage(
    user: CurrentUser,
    session: SessionDep,
    start: Annotated[IsoDate | None, Query(alias="from", description="YYYY-MM-DD (UTC)")] = None,
    end: Annotated[
        IsoDate | None,
        Query(alias="to", description=f"YYYY-MM-DD, included; at most {MAX_DAYS} days in all"),
    ] = None,
) -> UsageReport:
    """Estimated spend on paid providers by day and service (default: the last 30 days)."""
    end = end or utcnow().date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Invalid("`from` is after `to`", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid(f"at most {MAX_DAYS} days at a time", field="from")
    return daily_usage(session, user.id, start, end)


@daily_router.get("/daily")
def usage_daily(
    user: CurrentUser,
    session: SessionDep,
    days: Annotated[
        int, Query(ge=1, le=MAX_DAYS, description="UTC days up to today, today included.")
    ] = DEFAULT_DAYS,
) -> UsageReport:
    """The last `days` of `GET /analytics/usage`, for a chart: cost and units by UTC day and
    service. Only days with calls have rows (a chart fills the rest with zero)."""
    end = utcnow().date()
    return daily_usage(session, user.id, end - timedelta(days=days - 1), end)
