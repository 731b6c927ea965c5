"""Request dependencies: the runtime, the unit of work, the caller, and their rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from autoclip.service.db import after_commit, utcnow
from autoclip.service.models import ApiKey, Plan, User
from autoclip.service.problems import TooManyRequests, Unauthorized
from autoclip.service.runtime import Runtime
from autoclip.service.security import API_KEY_PREFIX, hash_secret

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANONYMOUS_PER_MINUTE = 30  # per client address, for register/login/refresh
KEY_TOUCH_EVERY = timedelta(minutes=5)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(request: Request, runtime: RuntimeDep) -> Iterator[Session]:
    """One unit of work per request: committed before the response is sent."""
    with runtime.db.session(write=request.method not in SAFE_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _limit(request: Request, runtime: Runtime, client: str, per_minute: int) -> None:
    if not runtime.settings.rate_limits:
        return
    decision = runtime.limiter.hit(client, per_minute)
    request.state.rate_headers = decision.headers()
    if not decision.allowed:
        raise TooManyRequests(
            f"more than {per_minute} requests a minute; retry in {decision.reset_in} s",
            headers=decision.headers(),
        )


def authenticate(request: Request, runtime: Runtime, session: Session, token: str) -> User | None:
    if token.startswith(API_KEY_PREFIX):
        key = session.execute(
            select(ApiKey).where(ApiKey.key_hash == hash_secret(token), ApiKey.revoked_at.is_(None))
        ).scalar_one_or_none()
        if key is None:
            return None
        # After the request's own unit of work: on SQLite a write request holds the write
        # lock until then, so a second writer opened now waited 30 s for it, then failed.
        after_commit(session, lambda: _touch_key(runtime, key))
        return session.get(User, key.user_id)
    claims = runtime.signer.read_access_token(token)
    return session.get(User, claims.user_id) if claims else None


def _touch_key(runtime: Runtime, key: ApiKey) -> None:
    now = utcnow()
    if key.last_used_at is not None and now - key.last_used_at < KEY_TOUCH_EVERY:
        return
    with runtime.db.session() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))


def current_user(request: Request, runtime: RuntimeDep, session: SessionDep) -> User:
    token = _bearer(request) or _event_stream_token(request)
    user = authenticate(request, runtime, session, token) if token else None
    if user is None or not user.is_active:
        raise Unauthorized()
    request.state.user_id = str(user.id)
    plan = _plan(runtime, session, user.plan_id)
    _limit(request, runtime, f"user:{user.id}", plan.requests_per_minute)
    return user


def _event_stream_token(request: Request) -> str | None:
    # Browsers' EventSource cannot set headers; the events route alone takes ?access_token=.
    if request.url.path.endswith("/events"):
        return request.query_params.get("access_token")
    return None


def _plan(runtime: Runtime, session: Session, plan_id: str) -> Plan:
    plan = runtime.plans.get(plan_id)
    if plan is None:  # plans change only by migration: kept for the process's life
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise Unauthorized("the account's plan does not exist")
        session.expunge(plan)
        runtime.plans[plan_id] = plan
    return plan


def anonymous_limit(request: Request, runtime: RuntimeDep) -> None:
    client = request.client.host if request.client else "unknown"
    _limit(request, runtime, f"ip:{client}", ANONYMOUS_PER_MINUTE)


CurrentUser = Annotated[User, Depends(current_user)]
AnonymousLimit = Depends(anonymous_limit)
