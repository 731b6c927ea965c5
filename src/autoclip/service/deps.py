"""Request dependencies: the runtime, the unit of work, the caller, and their rate limit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from autoclip.service.auth.callers import Caller
from autoclip.service.auth.credentials import ApiScope, Credential
from autoclip.service.auth.repository import ApiKeyRepository, UserRepository
from autoclip.service.auth.tokens import API_KEY_PREFIX, hash_secret
from autoclip.service.auth.verification import EmailNotVerified
from autoclip.service.billing.repository import CreditRepository
from autoclip.service.clients import rate_key
from autoclip.service.db import AFTER_COMMIT, utcnow
from autoclip.service.models import Plan
from autoclip.service.problems import (
    Forbidden,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)
from autoclip.service.runtime import Runtime

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANONYMOUS_PER_MINUTE = 30  # per client address, for register/login/refresh
KEY_TOUCH_EVERY = timedelta(minutes=5)
_SCOPE_NAMES = frozenset(ApiScope)


async def get_runtime(request: Request) -> Runtime:
    # async: no I/O, so no trip to a worker thread (each costs CPU on every request)
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(request: Request, runtime: RuntimeDep) -> AsyncIterator[Session]:
    """One unit of work per request: committed before the response is sent.

    Opening it does no I/O (it connects when first used), so it happens on the event loop;
    its end (commit or rollback, close) goes to a worker thread, shielded from
    cancellation so that a client that hangs up never leaves a connection checked out. A
    session the request never used (it began no transaction, holds nothing to flush and
    nothing to run after commit) is closed on the loop: closing it does no I/O either.
    """
    session = runtime.db.open(write=request.method not in SAFE_METHODS)
    try:
        yield session
    except BaseException:
        if _untouched(session):
            session.close()
            raise
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(runtime.db.finish, session, commit=False)
        raise
    if _untouched(session):
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(runtime.db.finish, session, commit=True)


def _untouched(session: Session) -> bool:
    return not (
        session.in_transaction()
        or session.new
        or session.dirty
        or session.deleted
        or session.info.get(AFTER_COMMIT)
    )


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
T = TypeVar("T")


async def in_one_hop(runtime: Runtime, work: Callable[[Session], T], *, write: bool) -> T:
    """A hot route's whole unit of work in one worker thread: open a session, `work` (which
    may serialise its answer there too), commit and run the after-commit steps, or roll
    back; close. `SessionDep` costs a route two hops (the endpoint, then the commit) and
    the dependency machinery around them. Waiting for the thread is shielded from
    cancellation (AnyIO's default), so the session always ends in it.

    A read (`write=False`) runs in no transaction: each of its statements reads the latest
    committed rows on its own (`Database.session(snapshot=False)`); the hot reads are one
    statement each."""
    return await run_in_threadpool(_unit_of_work, runtime, work, write)


def _unit_of_work(runtime: Runtime, work: Callable[[Session], T], write: bool) -> T:
    with runtime.db.session(write=write, snapshot=write) as session:
        return work(session)


def json_answer(
    body: bytes, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """An answer serialised already (`model.model_dump_json()`), which FastAPI sends as it
    is; the route's `response_model` still describes it in the OpenAPI document."""
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


# The credentials as the OpenAPI document declares them (a generated client, and the
# property tests, learn from it which routes need one). Neither refuses anything itself:
# `current_credential` answers every missing or bad credential with the same 401.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An access token from POST /auth/login, or an API key (ak_...).",
)
STREAM_TICKET = APIKeyQuery(
    name="ticket",
    auto_error=False,
    scheme_name="streamTicket",
    description="A one-minute ticket from POST /contents/{id}/events/ticket, for a browser's "
    "EventSource (which cannot send headers); it opens that content's event stream only.",
)


def _bearer(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    token = credentials.credentials.strip() if credentials is not None else ""
    return token or None


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


def _caller(runtime: Runtime, session: Session, user_id: uuid.UUID) -> Caller | None:
    return runtime.callers.get(user_id, lambda: UserRepository(session).get(user_id))


def _read_caller(runtime: Runtime, user_id: uuid.UUID) -> Caller | None:
    """In a worker thread: the caller, from the cache or else its row, read in a session of
    its own (the request's unit of work has not begun: on SQLite a write request's holds
    the write lock from its first statement to its commit)."""
    with runtime.db.session(write=False) as session:
        return _caller(runtime, session, user_id)


def _by_api_key(runtime: Runtime, token: str) -> tuple[Caller, Credential] | None:
    """In a worker thread: the key's caller and scopes, read in a session of their own.
    The key's last use is written (at most every KEY_TOUCH_EVERY) once that session ended,
    before the request's own unit of work begins."""
    now = utcnow()
    with runtime.db.session(write=False) as session:
        key = ApiKeyRepository(session).live(hash_secret(token), now)
        if key is None:
            return None
        user = _caller(runtime, session, key.user_id)
    if key.last_used_at is None or now - key.last_used_at >= KEY_TOUCH_EVERY:
        with runtime.db.session() as session:
            ApiKeyRepository(session).touch(key.id, now)
    scopes = frozenset(ApiScope(s) for s in key.scopes.split() if s in _SCOPE_NAMES)
    return (user, Credential(key.created_at, key.id, scopes)) if user else None


async def _by_access_token(runtime: Runtime, token: str) -> tuple[Caller, Credential] | None:
    """A signed-in user's token. Checking it is CPU work only; the user's row is read (in
    a worker thread) only when the caller cache has no fresh entry."""
    claims = runtime.signer.read_access_token(token)
    if claims is None:
        return None
    hit, user = runtime.callers.fresh(claims.user_id)
    if not hit:
        user = await run_in_threadpool(_read_caller, runtime, claims.user_id)
    return (user, Credential(claims.auth_time)) if user else None


async def current_credential(
    request: Request,
    runtime: RuntimeDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> tuple[Caller, Credential]:
    # async, and without the request's session: most requests carry an access token of a
    # cached caller and cost no thread hop here; the others read in a session of their own.
    token = _bearer(bearer)
    if token is None:
        found = await run_in_threadpool(_stream_ticket_user, request, runtime)
    elif token.startswith(API_KEY_PREFIX):
        found = await run_in_threadpool(_by_api_key, runtime, token)
    else:
        found = await _by_access_token(runtime, token)
    if found is None or not found[0].is_active:
        raise Unauthorized()
    user, credential = found
    if not user.email_verified:
        # Unverified accounts cannot sign in (auth/verification.py); this holds it for any
        # credential that could exist all the same.
        raise EmailNotVerified()
    if request.method not in SAFE_METHODS and ApiScope.WRITE not in credential.scopes:
        raise Forbidden("this API key may only read (its scopes do not include 'write')")
    request.state.user_id = str(user.id)
    plan = runtime.plans.get(user.plan_id)
    if plan is None:  # read once per process: plans change only by migration
        plan = await run_in_threadpool(_plan, runtime, user.plan_id)
    await _count(request, runtime, f"user:{user.id}", plan.requests_per_minute)
    return user, credential


async def current_user(
    found: Annotated[tuple[Caller, Credential], Depends(current_credential)],
) -> Caller:
    return found[0]


def _stream_ticket_user(request: Request, runtime: Runtime) -> tuple[Caller, Credential] | None:
    # Browsers' EventSource cannot set headers: the events route alone takes a ticket
    # (from POST …/events/ticket) in its URL, good for that content's stream for a minute.
    ticket = request.query_params.get("ticket")
    content_id = request.path_params.get("content_id")
    if not ticket or not request.url.path.endswith("/events") or content_id is None:
        return None
    try:
        user_id = runtime.signer.read_stream_ticket(ticket, uuid.UUID(str(content_id)))
    except ValueError:
        return None
    user = _read_caller(runtime, user_id) if user_id else None
    # A ticket reads one stream: it is no session, so it counts as signed in long ago.
    read_only = Credential(datetime.min.replace(tzinfo=UTC), scopes=frozenset({ApiScope.READ}))
    return (user, read_only) if user else None


def _plan(runtime: Runtime, plan_id: str) -> Plan:
    with runtime.db.session(write=False) as session:
        plan = CreditRepository(session).plan(plan_id)  # then kept (runtime.plans)
    if plan is None:
        raise Unauthorized("the account's plan does not exist")
    return plan


def client_of(request: Request) -> str:
    """The caller's address as the limits count it (see service/clients.py)."""
    return rate_key(request.client.host) if request.client else "unknown"


async def _count(request: Request, runtime: Runtime, client: str, per_minute: int) -> None:
    if runtime.limiter.local:
        _limit(request, runtime, client, per_minute)
    else:
        await run_in_threadpool(_limit, request, runtime, client, per_minute)


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in request.headers


async def json_bodies_only(request: Request) -> None:
    """A request body must be JSON: said with 415, naming the header, rather than a 422
    about a "body" that was never read as JSON. (FastAPI reads a body as JSON only when
    its Content-Type says so.)"""
    if not _has_body(request):
        return
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    kind, _, subtype = media.partition("/")
    if kind == "application" and (subtype == "json" or subtype.endswith("+json")):
        return
    raise UnsupportedMediaType(
        f"the body must be JSON: send Content-Type: application/json (got {media or 'none'!r})",
        field="Content-Type",
    )


async def json_or_form_bodies(request: Request) -> None:
    """For routes that take uploads: JSON, or `multipart/form-data`."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media == "multipart/form-data":
        return
    await json_bodies_only(request)


async def anonymous_limit(request: Request, runtime: RuntimeDep) -> None:
    await _count(request, runtime, f"ip:{client_of(request)}", ANONYMOUS_PER_MINUTE)


def limit_anonymous(request: Request, runtime: Runtime) -> None:
    """The anonymous routes' limit (per client address), for a caller outside the API's
    dependencies: the studio's sign-up, log-in and confirmation forms count with them."""
    _limit(request, runtime, f"ip:{client_of(request)}", ANONYMOUS_PER_MINUTE)


CurrentUser = Annotated[Caller, Depends(current_user)]
CurrentCredential = Annotated[tuple[Caller, Credential], Depends(current_credential)]
AnonymousLimit = Depends(anonymous_limit)
