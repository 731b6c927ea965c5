"""Every query and change of webhook endpoints, deliveries and their log.

A delivery's attempt is taken by a conditional move (pending and due → in flight until
its deadline), so of two workers holding the same message (a re-send by the reconciler,
a duplicate), one sends and the other skips.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from autoclip.service.db import changed_rows, utcnow
from autoclip.service.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

ERROR_LIMIT = 1000


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- endpoints ------------------------------------------------------------------------

    def endpoints(self, user_id: uuid.UUID) -> list[WebhookEndpoint]:
        return list(
            self.session.scalars(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.user_id == user_id)
                .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
            )
        )

    def endpoint(self, user_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
        """The user's endpoint; None for another user's (never told apart)."""
        found = self.session.get(WebhookEndpoint, endpoint_id)
        return found if found is not None and found.user_id == user_id else None

    def subscribed(self, user_id: uuid.UUID, event: str) -> list[uuid.UUID]:
        """The ids of the user's enabled endpoints that take `event`, oldest first (a user
        has a handful: the JSON list is read here rather than queried, the same on both
        databases). Two columns, no ORM objects: it runs in every request that emits."""
        rows = self.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events)
            .where(WebhookEndpoint.user_id == user_id, WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
        return [endpoint_id for endpoint_id, events in rows if event in events]

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self.session.add(endpoint)
        self.session.flush()

    def remove_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self.session.delete(endpoint)
        self.session.flush()

    def set_enabled(self, endpoint: WebhookEndpoint, enabled: bool) -> None:
        """Its owner switches the endpoint on or off; on again, its failures count from
        nothing (a disabled one's reason goes)."""
        endpoint.enabled = enabled
        if enabled:
            endpoint.disabled_reason = None
            endpoint.failures_in_row = 0

    def endpoint_succeeded(self, endpoint_id: uuid.UUID) -> None:
        self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failures_in_row != 0)
            .values(failures_in_row=0)
        )

    def endpoint_failed(self, endpoint_id: uuid.UUID, limit: int) -> bool:
        """Count a failed attempt; True if that disabled the endpoint (once)."""
        self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(failures_in_row=WebhookEndpoint.failures_in_row + 1)
        )
        return (
            changed_rows(
                self.session,
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.enabled.is_(True),
                    WebhookEndpoint.failures_in_row >= limit,
                )
                .values(
                    enabled=False,
                    disabled_reason=f"disabled after {limit} failed attempts in a row",
                    updated_at=utcnow(),
                ),
            )
            == 1
        )

    # -- deliveries -----------------------------------------------------------------------

    def add_delivery(self, delivery: WebhookDelivery) -> None:
        self.session.add(delivery)

    def delivery(self, delivery_id: uuid.UUID) -> WebhookDelivery | None:
        return self.session.get(WebhookDelivery, delivery_id)

    def endpoint_of(self, delivery: WebhookDelivery) -> WebhookEndpoint | None:
        """The endpoint the delivery goes to; None for a content's callback URL, or an
        endpoint deleted since."""
        if delivery.endpoint_id is None:
            return None
        return self.session.get(WebhookEndpoint, delivery.endpoint_id)

    def owned_delivery(self, user_id: uuid.UUID, delivery_id: uuid.UUID) -> WebhookDelivery | None:
        found = self.session.get(WebhookDelivery, delivery_id)
        return found if found is not None and found.user_id == user_id else None

    def deliveries(
        self,
        user_id: uuid.UUID,
        page: int,
        per_page: int,
        *,
        endpoint_id: uuid.UUID | None = None,
        content_id: uuid.UUID | None = None,
        status: DeliveryStatus | None = None,
    ) -> tuple[Sequence[WebhookDelivery], int]:
        where: list[Any] = [WebhookDelivery.user_id == user_id]
        if endpoint_id is not None:
            where.append(WebhookDelivery.endpoint_id == endpoint_id)
        if content_id is not None:
            where.append(WebhookDelivery.content_id == content_id)
        if status is not None:
            where.append(WebhookDelivery.status == status)
        total = self.session.execute(
            select(func.count()).select_from(WebhookDelivery).where(*where)
        ).scalar_one()
        rows = self.session.scalars(
            select(WebhookDelivery)
            .where(*where)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return rows, total

    def attempts(self, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
        return list(
            self.session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == delivery_id)
                .order_by(WebhookAttempt.id)
            )
        )

    def take(self, delivery_id: uuid.UUID, in_flight_until: datetime) -> bool:
        """Take the delivery's next attempt: only while pending and due. Until
        `in_flight_until` nobody else takes it (a worker that dies mid-attempt leaves it
        due again then)."""
        now = utcnow()
        return (
            changed_rows(
                self.session,
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(
                    attempts=WebhookDelivery.attempts + 1,
                    next_attempt_at=in_flight_until,
                    updated_at=now,
                ),
            )
            == 1
        )

    def log_attempt(
        self, delivery_id: uuid.UUID, status_code: int | None, error: str | None, ms: int
    ) -> None:
        number = self.session.execute(
            select(func.count()).where(WebhookAttempt.delivery_id == delivery_id)
        ).scalar_one()
        self.session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                number=number + 1,
                status_code=status_code,
                error=error[:ERROR_LIMIT] if error else None,
                duration_ms=ms,
            )
        )

    def settle(
        self,
        delivery_id: uuid.UUID,
        status: DeliveryStatus,
        status_code: int | None,
        error: str | None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        now = utcnow()
        self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(
                status=status,
                last_status_code=status_code,
                last_error=error[:ERROR_LIMIT] if error else None,
                next_attempt_at=next_attempt_at,
                delivered_at=now if status is DeliveryStatus.DELIVERED else None,
                updated_at=now,
            )
        )

    def redeliver(self, delivery_id: uuid.UUID) -> None:
        """Back to pending, due now, its retry schedule from the start; the log stays."""
        now = utcnow()
        self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        )

    def lost(self, due_before: datetime, limit: int = 500) -> list[uuid.UUID]:
        """Pending deliveries due since before `due_before`: their message was lost (or a
        worker died mid-attempt)."""
        return list(
            self.session.scalars(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at < due_before,
                )
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(limit)
            )
        )

    def touch(self, delivery_id: uuid.UUID, when: datetime) -> None:
        """Mark a lost delivery as re-sent (due at `when`), so one pass re-sends it once."""
        self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
            )
            .values(next_attempt_at=when)
        )
