"""Accounts: registration, login with lockout, rotating refresh tokens, API keys."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoclip.errors import InputError
from autoclip.service.auth.callers import Account
from autoclip.service.auth.credentials import Credential
from autoclip.service.auth.passwords import check_password
from autoclip.service.auth.repository import ApiKeyRepository, TokenRepository, UserRepository
from autoclip.service.auth.schemas import (
    Login,
    NewApiKey,
    PasswordChange,
    Register,
    Registered,
    Tokens,
)
from autoclip.service.auth.throttle import LoginThrottle
from autoclip.service.auth.tokens import (
    TokenSigner,
    hash_password,
    hash_secret,
    is_browser_session,
    new_api_key,
    new_refresh_token,
    verify_password,
)
from autoclip.service.auth.verification import (
    EmailNotVerified,
    Language,
    Mailroom,
    mark_verified,
)
from autoclip.service.billing.plans import DEFAULT_PLAN
from autoclip.service.billing.repository import CreditRepository
from autoclip.service.db import utcnow
from autoclip.service.models import ApiKey, RefreshToken, User
from autoclip.service.problems import (
    Forbidden,
    NotFound,
    ReauthenticationRequired,
    Unauthorized,
    WrongPassword,
)
from autoclip.service.projects.service import create_default_project
from autoclip.settings import AuthSettings

BAD_LOGIN = "wrong email or password"


REGISTERED = (
    "If this email had no account, it has one now: sign in with the password you chose. "
    "If it had one, sign in with that account's password."
)
REGISTERED_VERIFY = (
    "We sent a mail to this address. If it had no account, open the link in the mail to "
    "confirm the email; then sign in with the password you chose. If it had one, the mail "
    "says so."
)


def register(
    session: Session,
    data: Register,
    policy: AuthSettings,
    mailroom: Mailroom,
    language: Language,
) -> Registered:
    """Create the account, unless the email has one. Either way the answer, and the work
    done before it (an Argon2 hash), are the same: sign-up must not tell which emails exist.
    Mails leave after the answer, in the background (verification.py)."""
    check_password(data.password, policy.min_password_score, data.email, data.name)
    email = data.email.lower()
    password_hash = hash_password(data.password)
    detail = REGISTERED_VERIFY if policy.verify_email else REGISTERED
    answer = Registered(email=email, detail=detail)
    users = UserRepository(session)
    existing = users.by_email(email)
    if existing is not None:
        if policy.verify_email and existing.email_verified_at is None and existing.is_active:
            # Nobody has proven this mailbox yet: the newest sign-up replaces the pending one
            # (and the older links stop working, see verification.py).
            existing.password_hash = password_hash
            existing.name = data.name
            existing.created_at = utcnow()  # the pending sign-up's age (remove_unverified)
            session.flush()
            mailroom.verification(session, existing, language)
        elif policy.verify_email:
            mailroom.existing_account(session, email, language)
        return answer
    plan = CreditRepository(session).plan(DEFAULT_PLAN)
    assert plan is not None, "plans are seeded by the first migration"
    user = User(
        email=email, name=data.name, password_hash=password_hash, plan_id=plan.id,
        credit_balance=0,
    )  # fmt: skip
    try:
        with session.begin_nested():
            users.add(user)
    except IntegrityError:  # the same email registered concurrently (unique index)
        return answer
    create_default_project(session, user)
    if policy.verify_email:
        mailroom.verification(session, user, language)
    else:
        mark_verified(session, user)  # the operator vouches for every email: credits now
    return answer


def login(
    session: Session,
    signer: TokenSigner,
    policy: AuthSettings,
    throttle: LoginThrottle,
    client: str,
    credentials: Login,
    browser: bool = False,
) -> Tokens:
    """Tokens for a right email and password. Failures are counted per client (see
    throttle.py); unknown emails take the same time and the same path as known ones."""
    throttle.check(client, credentials.email)
    user = UserRepository(session).by_email(credentials.email)
    stored = user.password_hash if user is not None else None
    if not verify_password(credentials.password, stored) or user is None or not user.is_active:
        throttle.failed(client, credentials.email)
        raise Unauthorized(BAD_LOGIN)
    throttle.succeeded(client, credentials.email)
    if user.email_verified_at is None:
        # Told only to who knows the password. No session for an unproven email: nothing
        # made before the verification can outlive it (verification.py).
        raise EmailNotVerified()
    return issue_tokens(
        session, signer, policy, user.id, uuid.uuid4(), auth_time=utcnow(), browser=browser
    )


def change_password(
    session: Session,
    signer: TokenSigner,
    policy: AuthSettings,
    throttle: LoginThrottle,
    client: str,
    account: Account,
    data: PasswordChange,
    browser: bool = False,
) -> Tokens:
    """Replace the password of a signed-in account. The current password is asked for (a
    stolen access token alone must not take the account over) and wrong guesses count
    like failed sign-ins. Every session the account had ends; the caller gets a new pair
    of tokens, so only the device that changed the password stays signed in."""
    user = user_row(session, account)
    throttle.check(client, user.email)
    if not verify_password(data.current_password, user.password_hash):
        throttle.failed(client, user.email)
        raise WrongPassword("the current password is wrong", field="current_password")
    throttle.succeeded(client, user.email)
    try:
        check_password(data.new_password, policy.min_password_score, user.email, user.name)
    except InputError as error:
        raise InputError("new_password", error.message) from None
    if verify_password(data.new_password, user.password_hash):
        raise InputError("new_password", "is the current password; choose another one")
    user.password_hash = hash_password(data.new_password)
    logout_everywhere(session, user, api_keys=False)
    return issue_tokens(
        session, signer, policy, user.id, uuid.uuid4(), auth_time=utcnow(), browser=browser
    )


def issue_tokens(
    session: Session,
    signer: TokenSigner,
    policy: AuthSettings,
    user_id: uuid.UUID,
    family: uuid.UUID,
    auth_time: datetime,
    browser: bool = False,
) -> Tokens:
    """An access token and a refresh token; with `browser`, the refresh token is a studio
    session's (a cookie), which `rotate` refuses."""
    refresh = new_refresh_token(browser)
    TokenRepository(session).add(
        RefreshToken(
            user_id=user_id,
            family_id=family,
            token_hash=hash_secret(refresh),
            expires_at=utcnow() + timedelta(days=policy.refresh_token_days),
        )
    )
    return Tokens(
        access_token=signer.access_token(user_id, auth_time),
        refresh_token=refresh,
        expires_in=int(signer.access_ttl.total_seconds()),
    )


def rotate(session: Session, signer: TokenSigner, policy: AuthSettings, token: str) -> Tokens:
    """Trade a refresh token for a new pair. Presenting a used one revokes its whole family:
    someone else has a copy. A studio session's token is not one: the browser's cookie
    is never traded here (and cannot be, should it leak out of its cookie)."""
    now = utcnow()
    if is_browser_session(token):
        raise Unauthorized("this is a studio session, not an API refresh token; sign in")
    tokens = TokenRepository(session)
    row = tokens.by_hash(hash_secret(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("the refresh token is invalid or expired")
    owner = UserRepository(session).get(row.user_id)
    if owner is None or not owner.is_active:
        raise Unauthorized("the refresh token is invalid or expired")
    if not tokens.use(row.id, now):
        tokens.revoke_family(row.family_id, now)
        session.commit()
        raise Unauthorized("the refresh token was already used; sign in again")
    # The family began at the login: its first token's time is when the password was typed.
    began = tokens.family_began(row.family_id)
    return issue_tokens(session, signer, policy, row.user_id, row.family_id, auth_time=began)


def logout(session: Session, user: Account, token: str) -> None:
    tokens = TokenRepository(session)
    row = tokens.by_hash(hash_secret(token))
    if row is not None and row.user_id == user.id:
        tokens.revoke_family(row.family_id, utcnow())


def logout_everywhere(session: Session, user: Account, api_keys: bool) -> int:
    """Revoke every refresh token of the user (and, if asked, every API key); returns how
    many sessions ended. Access tokens already out expire within their 15 minutes."""
    now = utcnow()
    ended = TokenRepository(session).revoke_all(user.id, now)
    if api_keys:
        ApiKeyRepository(session).revoke_all(user.id, now)
    return ended


def user_row(session: Session, account: Account) -> User:
    """The account's row as it is now: its balance and password, which `Caller` leaves out."""
    user = UserRepository(session).get(account.id)
    if user is None:  # deleted since the caller was cached
        raise Unauthorized()
    return user


def create_api_key(
    session: Session, user: Account, data: NewApiKey, credential: Credential, policy: AuthSettings
) -> tuple[ApiKey, str]:
    """A new key, for a caller who signed in with a password lately (or types it now): a
    stolen access token alone must not become a credential that outlives it."""
    if credential.api_key_id is not None:
        raise Forbidden("an API key cannot create API keys; sign in with your password")
    fresh = utcnow() - credential.auth_time <= timedelta(minutes=policy.recent_login_minutes)
    if not fresh and not (
        data.password and verify_password(data.password, user_row(session, user).password_hash)
    ):
        raise ReauthenticationRequired(
            f"creating an API key needs a sign-in within {policy.recent_login_minutes} "
            "minutes, or your password in the field 'password'",
            field="password",
        )
    secret = new_api_key()
    expires = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    key = ApiKey(
        user_id=user.id,
        name=data.name,
        prefix=secret[:10],
        key_hash=hash_secret(secret),
        scopes=" ".join(sorted(set(data.scopes))),
        expires_at=expires,
    )
    ApiKeyRepository(session).add(key)
    return key, secret


def revoke_api_key(session: Session, user: Account, key_id: uuid.UUID) -> None:
    keys = ApiKeyRepository(session)
    key = keys.owned(user.id, key_id)
    if key is None:
        raise NotFound("no such API key")
    keys.revoke(key, utcnow())


def browser_session(session: Session, token: str) -> tuple[uuid.UUID, datetime] | None:
    """The user and sign-in time of a studio session: a refresh token the browser holds in
    an HttpOnly cookie and never trades in (studio/session.py). It ends as any session
    does: log-out (its family revoked), log-out everywhere, or its expiry. Only a token
    made for a browser (`login(browser=True)`): an API client's refresh token is no
    cookie."""
    if not is_browser_session(token):
        return None
    row = TokenRepository(session).unused(hash_secret(token), utcnow())
    return (row.user_id, row.created_at) if row is not None else None
