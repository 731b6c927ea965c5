"""Webhooks: endpoints that hear of a user's contents, and their deliveries.

An event is written as delivery rows in the transaction of the change it tells of (the
outbox: no event for a change that rolled back, none lost for one that landed), one per
subscribed endpoint and one for the content's `callback_url`; a job per delivery is
sent after commit. A job takes its attempt by a conditional move, POSTs the signed body
through the outbound-URL guard, logs the answer, and on failure schedules the next try
by `AUTOCLIP_WEBHOOKS__RETRY_SCHEDULE` (about a day in all). An endpoint that fails
`disable_after_failures` attempts in a row is disabled, and what waits for it fails.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from autoclip.kit import outbound
from autoclip.kit.sealing import Sealer
from autoclip.service.auth.callers import Account
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import after_commit, utcnow
from autoclip.service.jobs.queue import WEBHOOK_DELIVER, JobQueue
from autoclip.service.models import (
    Content,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from autoclip.service.problems import Conflict, Invalid, NotFound
from autoclip.service.webhooks import signing
from autoclip.service.webhooks.events import EventType
from autoclip.service.webhooks.repository import WebhookRepository
from autoclip.settings import Settings

log = logging.getLogger("autoclip.webhooks")
MAX_ENDPOINTS = 20
USER_AGENT = "AutoClip-Webhooks/1"


# -- emitting ------------------------------------------------------------------------------


def emit(
    session: Session,
    jobs: JobQueue,
    user_id: uuid.UUID,
    event: EventType,
    data: dict[str, Any],
    *,
    content_id: uuid.UUID | None = None,
    callback_url: str | None = None,
) -> list[uuid.UUID]:
    """Write `event`'s deliveries in the caller's transaction; send their jobs after it
    commits. Returns the deliveries' ids."""
    repo = WebhookRepository(session)
    now = utcnow()
    payload = {"type": event.value, "timestamp": now.isoformat(), "data": data}
    targets: list[tuple[uuid.UUID | None, str | None]] = [
        (endpoint_id, None) for endpoint_id in repo.subscribed(user_id, event.value)
    ]
    if callback_url:
        targets.append((None, callback_url))
    ids: list[uuid.UUID] = []
    for endpoint_id, url in targets:
        delivery = WebhookDelivery(
            id=uuid.uuid4(),
            message_id=signing.new_message_id(),
            user_id=user_id,
            endpoint_id=endpoint_id,
            callback_url=url,
            content_id=content_id,
            event=event.value,
            payload=payload,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
        )
        repo.add_delivery(delivery)
        ids.append(delivery.id)
    for delivery_id in ids:
        after_commit(session, _sender(jobs, delivery_id))
    return ids


def _sender(jobs: JobQueue, delivery_id: uuid.UUID) -> Any:
    return lambda: jobs.send_task(WEBHOOK_DELIVER, str(delivery_id))


def content_data(content: Content, **extra: Any) -> dict[str, Any]:
    """What a content event says of the content (its API resource has the rest)."""
    data: dict[str, Any] = {
        "id": str(content.id),
        "project_id": str(content.project_id),
        "status": content.status.value,
        "title": content.title,
        "error": content.error,
        "error_stage": content.error_stage,
    }
    data.update(extra)
    return data


def emit_content(
    session: Session, jobs: JobQueue, content: Content, event: EventType, **extra: Any
) -> list[uuid.UUID]:
    return emit(
        session,
        jobs,
        content.user_id,
        event,
        content_data(content, **extra),
        content_id=content.id,
        callback_url=content.callback_url,
    )


def emit_content_by_id(
    session: Session, jobs: JobQueue, content_id: uuid.UUID, event: EventType, **extra: Any
) -> list[uuid.UUID]:
    """As `emit_content`, reading the content (as the change just left it)."""
    content = ContentRepository(session).reread(content_id)
    if content is None:
        return []
    return emit_content(session, jobs, content, event, **extra)


# -- delivering ----------------------------------------------------------------------------


def deliver(
    session_factory: Any,
    jobs: JobQueue,
    settings: Settings,
    sealer: Sealer,
    delivery_id: uuid.UUID,
    count: Any = None,
) -> str | None:
    """One attempt of a delivery, if it is due; the outcome (delivered, retried, failed),
    or None when there was nothing to do. `session_factory`: `Database.session`."""
    config = settings.webhooks
    with session_factory() as session:
        repo = WebhookRepository(session)
        # In flight for twice an attempt's time: a worker that died mid-way frees it then.
        if not repo.take(delivery_id, utcnow() + timedelta(seconds=config.timeout_s * 2 + 5)):
            return None
    with session_factory(write=False) as session:
        repo = WebhookRepository(session)
        delivery = repo.delivery(delivery_id)
        assert delivery is not None
        endpoint = repo.endpoint_of(delivery)
        url, keys, stopped = _target(settings, sealer, delivery, endpoint)
        attempt, message_id, body = delivery.attempts, delivery.message_id, _body(delivery)
        endpoint_id = delivery.endpoint_id
    if stopped:
        with session_factory() as session:
            WebhookRepository(session).settle(delivery_id, DeliveryStatus.FAILED, None, stopped)
        return "failed"
    status_code, error, ms = _post(settings, url, keys, message_id, body)
    ok = status_code is not None and 200 <= status_code < 300
    schedule = config.retry_schedule
    with session_factory() as session:
        repo = WebhookRepository(session)
        repo.log_attempt(delivery_id, status_code, error, ms)
        if ok:
            repo.settle(delivery_id, DeliveryStatus.DELIVERED, status_code, None)
            if endpoint_id is not None:
                repo.endpoint_succeeded(endpoint_id)
            outcome = "delivered"
        else:
            reason = error or f"HTTP {status_code}"
            disabled = endpoint_id is not None and repo.endpoint_failed(
                endpoint_id, config.disable_after_failures
            )
            if disabled:
                log.warning("webhook endpoint %s disabled after repeated failures", endpoint_id)
            if attempt > len(schedule) or disabled:
                repo.settle(delivery_id, DeliveryStatus.FAILED, status_code, reason)
                outcome = "failed"
            else:
                wait = schedule[attempt - 1]
                repo.settle(
                    delivery_id,
                    DeliveryStatus.PENDING,
                    status_code,
                    reason,
                    next_attempt_at=utcnow() + timedelta(seconds=wait),
                )
                after_commit(
                    session, lambda: jobs.send_task(WEBHOOK_DELIVER, str(delivery_id), wait)
                )
                outcome = "retried"
    log.info("webhook %s attempt %d: %s (%s)", message_id, attempt, outcome,
             status_code if status_code is not None else error)  # fmt: skip
    if count is not None:
        count(outcome)
    return outcome


def _target(
    settings: Settings,
    sealer: Sealer,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint | None,
) -> tuple[str, list[str], str | None]:
    """Where the delivery goes, the secrets that sign it, and why it may not go (None)."""
    if delivery.callback_url is not None:
        # Signed with the secret of the current server key and of each retired one still
        # accepted: after `autoclip keys rotate` a receiver holding the old secret still
        # verifies (one `v1,…` each), until the operator drops the previous key.
        keys = settings.effective_secret_keys()
        derived = [signing.callback_secret(key, delivery.user_id) for key in keys]
        return delivery.callback_url, list(dict.fromkeys(derived)), None
    if endpoint is None:
        return "", [], "the endpoint was removed"
    if not endpoint.enabled:
        return endpoint.url, [], f"the endpoint is disabled: {endpoint.disabled_reason}"
    keys = [sealer.open(endpoint.secret)]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > utcnow():
        keys.append(sealer.open(endpoint.previous_secret))
    return endpoint.url, keys, None


def _body(delivery: WebhookDelivery) -> str:
    # Compact and stable: the signature covers these exact bytes.
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))


def _post(
    settings: Settings, url: str, keys: list[str], message_id: str, body: str
) -> tuple[int | None, str | None, int]:
    headers = {
        **signing.signed_headers(keys, message_id, utcnow(), body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    began = time.perf_counter()
    try:
        answer = outbound.fetch(
            url,
            settings.outbound_policy(),
            method="POST",
            headers=headers,
            content=body.encode(),
            deadline_s=settings.webhooks.timeout_s,
            max_bytes=64 * 1024,  # the receiver's answer is only logged by its status
            follow_redirects=False,
        )
    except outbound.OutboundTooLarge:
        return None, "the answer was larger than 64 KB", _ms(began)
    except outbound.OutboundError as error:
        return None, str(error), _ms(began)
    return answer.status, None, _ms(began)


def _ms(began: float) -> int:
    return int((time.perf_counter() - began) * 1000)


def resend_lost(session_factory: Any, jobs: JobQueue, stale_after: timedelta) -> int:
    """Re-send the job of each delivery due for longer than `stale_after` (its message
    lost, or its worker died mid-attempt). Returns how many."""
    now = utcnow()
    with session_factory() as session:
        repo = WebhookRepository(session)
        lost = repo.lost(now - stale_after)
        for delivery_id in lost:
            repo.touch(delivery_id, now)
            after_commit(session, _sender(jobs, delivery_id))
    return len(lost)


# -- what owners do ------------------------------------------------------------------------


# What RFC 3986 lets a URI hold: anything else (spaces, non-ASCII, quotes) is
# percent-encoded by whoever gives the URL.
_URI = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def check_url(settings: Settings, url: str, field: str) -> str:
    """A receiver's URL, refused at once if it is not a URI or the outbound policy would
    refuse it."""
    if not _URI.fullmatch(url):
        raise Invalid(
            "is not a URI: percent-encode spaces and other characters a URL may not hold",
            field=field,
        )
    try:
        outbound.precheck(url, settings.outbound_policy())
    except outbound.OutboundError as error:
        raise Invalid(f"the URL {error}", field=field) from None
    return url


def create_endpoint(
    session: Session,
    settings: Settings,
    sealer: Sealer,
    user: Account,
    url: str,
    events: list[EventType],
    description: str,
) -> tuple[WebhookEndpoint, str]:
    repo = WebhookRepository(session)
    if len(repo.endpoints(user.id)) >= MAX_ENDPOINTS:
        raise Conflict(f"at most {MAX_ENDPOINTS} webhook endpoints: remove one first")
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        user_id=user.id,
        url=check_url(settings, url, "url"),
        description=description,
        events=sorted({e.value for e in events}),
        secret=sealer.seal(secret),
        enabled=True,
        failures_in_row=0,
    )
    repo.add_endpoint(endpoint)
    return endpoint, secret


def get_endpoint(session: Session, user: Account, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = WebhookRepository(session).endpoint(user.id, endpoint_id)
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint


def update_endpoint(
    session: Session,
    settings: Settings,
    user: Account,
    endpoint_id: uuid.UUID,
    changes: dict[str, Any],
) -> WebhookEndpoint:
    endpoint = get_endpoint(session, user, endpoint_id)
    if changes.get("url") is not None:
        endpoint.url = check_url(settings, changes["url"], "url")
    if changes.get("events") is not None:
        endpoint.events = sorted({EventType(e).value for e in changes["events"]})
    if changes.get("description") is not None:
        endpoint.description = changes["description"]
    if changes.get("enabled") is not None:
        WebhookRepository(session).set_enabled(endpoint, bool(changes["enabled"]))
    endpoint.updated_at = utcnow()
    session.flush()
    return endpoint


def rotate_secret(
    session: Session, settings: Settings, sealer: Sealer, user: Account, endpoint_id: uuid.UUID
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one signs too for `rotation_overlap_hours`."""
    endpoint = get_endpoint(session, user, endpoint_id)
    secret = signing.new_secret()
    overlap = timedelta(hours=settings.webhooks.rotation_overlap_hours)
    endpoint.previous_secret = endpoint.secret if overlap else None
    endpoint.previous_secret_until = utcnow() + overlap if overlap else None
    endpoint.secret = sealer.seal(secret)
    endpoint.updated_at = utcnow()
    session.flush()
    return endpoint, secret


def redeliver(
    session: Session, jobs: JobQueue, user: Account, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Send a delivery again by hand (the same message id: receivers can tell a repeat)."""
    repo = WebhookRepository(session)
    delivery = repo.owned_delivery(user.id, delivery_id)
    if delivery is None:
        raise NotFound("no such delivery")
    endpoint = repo.endpoint_of(delivery)
    if endpoint is not None and not endpoint.enabled:
        raise Conflict("its endpoint is disabled: enable it first", field="endpoint_id")
    repo.redeliver(delivery.id)
    after_commit(session, _sender(jobs, delivery.id))
    session.refresh(delivery)
    return delivery
