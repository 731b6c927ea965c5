"""Accounts: registration, login with lockout, rotating refresh tokens, API keys."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoclip.service.auth.schemas import Register, Tokens
from autoclip.service.credits.plans import DEFAULT_PLAN
from autoclip.service.credits.service import open_account
from autoclip.service.db import changed_rows, utcnow
from autoclip.service.models import ApiKey, Plan, RefreshToken, User
from autoclip.service.problems import Conflict, Locked, NotFound, Unauthorized
from autoclip.service.projects.service import create_default_project
from autoclip.service.security import (
    TokenSigner,
    hash_password,
    hash_secret,
    new_api_key,
    new_refresh_token,
    verify_password,
)
from autoclip.settings import AuthSettings

BAD_LOGIN = "wrong email or password"


def register(session: Session, data: Register) -> User:
    email = data.email.lower()
    if session.execute(select(User.id).where(User.email == email)).first():
        raise Conflict("an account with this email already exists", field="email")
    plan = session.get(Plan, DEFAULT_PLAN)
    assert plan is not None, "plans are seeded by the first migration"
    user = User(
        email=email,
        name=data.name,
        password_hash=hash_password(data.password),
        plan_id=plan.id,
        credit_balance=0,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:  # the same email registered concurrently (unique index)
        raise Conflict("an account with this email already exists", field="email") from None
    open_account(session, user, plan)
    create_default_project(session, user)
    return user


def login(
    session: Session, signer: TokenSigner, policy: AuthSettings, email: str, password: str
) -> Tokens:
    user = session.execute(select(User).where(User.email == email.lower())).scalar_one_or_none()
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        seconds = int((user.locked_until - now).total_seconds()) + 1
        raise Locked(
            f"too many failed logins; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
    if not verify_password(password, user.password_hash if user else None) or user is None:
        if user is not None:
            _count_failure(session, user, policy)
        raise Unauthorized(BAD_LOGIN)
    if not user.is_active:
        raise Unauthorized(BAD_LOGIN)
    user.failed_logins = 0
    user.locked_until = None
    return issue_tokens(session, signer, policy, user.id, family=uuid.uuid4())


def _count_failure(session: Session, user: User, policy: AuthSettings) -> None:
    failures = session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar_one()
    if failures >= policy.max_failed_logins:
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                failed_logins=0, locked_until=utcnow() + timedelta(minutes=policy.lockout_minutes)
            )
        )
    # A failed login must be remembered even though the request answers with an error.
    session.commit()


def issue_tokens(
    session: Session,
    signer: TokenSigner,
    policy: AuthSettings,
    user_id: uuid.UUID,
    family: uuid.UUID,
) -> Tokens:
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family,
            token_hash=hash_secret(refresh),
            expires_at=utcnow() + timedelta(days=policy.refresh_token_days),
        )
    )
    return Tokens(
        access_token=signer.access_token(user_id),
        refresh_token=refresh,
        expires_in=int(signer.access_ttl.total_seconds()),
    )


def rotate(session: Session, signer: TokenSigner, policy: AuthSettings, token: str) -> Tokens:
    """Trade a refresh token for a new pair. Presenting a used one revokes its whole family:
    someone else has a copy."""
    now = utcnow()
    row = session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == hash_secret(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("the refresh token is invalid or expired")
    owner = session.get(User, row.user_id)
    if owner is None or not owner.is_active:
        raise Unauthorized("the refresh token is invalid or expired")
    used = changed_rows(
        session,
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now),
    )
    if used != 1:
        revoke_family(session, row.family_id)
        session.commit()
        raise Unauthorized("the refresh token was already used; sign in again")
    return issue_tokens(session, signer, policy, row.user_id, row.family_id)


def revoke_family(session: Session, family: uuid.UUID) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def logout(session: Session, user: User, token: str) -> None:
    row = session.execute(
        select(RefreshToken).where(
            RefreshToken.token_hash == hash_secret(token), RefreshToken.user_id == user.id
        )
    ).scalar_one_or_none()
    if row is not None:
        revoke_family(session, row.family_id)


def create_api_key(session: Session, user: User, name: str) -> tuple[ApiKey, str]:
    secret = new_api_key()
    key = ApiKey(user_id=user.id, name=name, prefix=secret[:10], key_hash=hash_secret(secret))
    session.add(key)
    session.flush()
    return key, secret


def revoke_api_key(session: Session, user: User, key_id: uuid.UUID) -> None:
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != user.id:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
