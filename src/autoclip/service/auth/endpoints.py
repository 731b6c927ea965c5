from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from autoclip.service.auth import service, verification
from autoclip.service.auth.repository import ApiKeyRepository
from autoclip.service.auth.schemas import (
    ApiKeyCreated,
    ApiKeyOut,
    LoggedOut,
    Login,
    LogoutEverywhere,
    NewApiKey,
    PasswordChange,
    Refresh,
    Register,
    Registered,
    ResendAccepted,
    ResendVerification,
    Tokens,
    UserOut,
    Verified,
    VerifyEmail,
)
from autoclip.service.auth.throttle import LoginThrottle
from autoclip.service.auth.verification import Mailroom, mail_language
from autoclip.service.deps import (
    AnonymousLimit,
    CurrentCredential,
    CurrentUser,
    RuntimeDep,
    SessionDep,
    client_of,
)
from autoclip.service.openapi import problems
from autoclip.service.runtime import Runtime

router = APIRouter(tags=["auth"])


def _mailroom(runtime: Runtime) -> Mailroom:
    return Mailroom(runtime.settings, runtime.signer, runtime.limiter, runtime.mail)


@router.post(
    "/auth/register", status_code=202, dependencies=[AnonymousLimit], responses=problems(429)
)
def register(
    data: Register, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Registered:
    """With email verification on (the default), the account can sign in, and gets its
    free credits, once the link mailed to it is used (`POST /auth/verify`)."""
    language = mail_language(request.headers.get("accept-language"))
    return service.register(session, data, runtime.settings.auth, _mailroom(runtime), language)


@router.post(
    "/auth/verify",
    dependencies=[AnonymousLimit],
    responses=problems(
        400,
        409,
        429,
        s400="The token is expired, not ours, or replaced by a newer sign-up.",
        s409="The email was confirmed before.",
    ),
)
def verify_email(data: VerifyEmail, session: SessionDep, runtime: RuntimeDep) -> Verified:
    """Confirm the email with the token of the verification mail: once, before it expires.
    The account can sign in from now on, and gets its plan's free credits. 400
    `invalid-token`: expired, not ours, or replaced by a newer sign-up; 409
    `already-verified`: used before."""
    user = verification.verify(session, runtime.signer, data.token)
    assert user.email_verified_at is not None
    return Verified(
        email=user.email,
        email_verified_at=user.email_verified_at,
        credit_balance=user.credit_balance,
        detail="the email is confirmed: sign in",
    )


@router.post(
    "/auth/verify/resend",
    status_code=202,
    dependencies=[AnonymousLimit],
    responses=problems(429),
)
def resend_verification(
    data: ResendVerification, request: Request, session: SessionDep, runtime: RuntimeDep
) -> ResendAccepted:
    """Mail a new link to an account that is waiting for one. The answer is the same
    whether or not the email has an account, or one already verified."""
    verification.check_resend_allowed(runtime.limiter, runtime.settings, client_of(request))
    language = mail_language(request.headers.get("accept-language"))
    verification.resend(session, _mailroom(runtime), data.email, language)
    return ResendAccepted(
        detail="If this email has an account waiting for confirmation, a new link is on its "
        "way. Links mailed before stay good until they expire."
    )


@router.post(
    "/auth/login",
    dependencies=[AnonymousLimit],
    responses=problems(
        401,
        429,
        s401="Wrong email or password.",
        s429="Too many requests, or too many failed sign-ins from here or for this email.",
    ),
)
def login(data: Login, request: Request, session: SessionDep, runtime: RuntimeDep) -> Tokens:
    policy = runtime.settings.auth
    throttle = LoginThrottle(runtime.limiter, policy)
    return service.login(session, runtime.signer, policy, throttle, client_of(request), data)


@router.post(
    "/auth/refresh",
    dependencies=[AnonymousLimit],
    responses=problems(401, 429, s401="The refresh token is unknown, used, or expired."),
)
def refresh(data: Refresh, session: SessionDep, runtime: RuntimeDep) -> Tokens:
    return service.rotate(session, runtime.signer, runtime.settings.auth, data.refresh_token)


@router.post("/auth/logout", status_code=204)
def logout(data: Refresh, user: CurrentUser, session: SessionDep) -> Response:
    service.logout(session, user, data.refresh_token)
    return Response(status_code=204)


@router.get("/users/me")
def me(user: CurrentUser, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.user_row(session, user))


@router.post(
    "/users/me/password",
    responses=problems(
        403,
        429,
        s403="The current password is wrong (`wrong-password`, field `current_password`), or "
        "a read-only API key asked.",
        s429="Too many requests, or too many wrong passwords from here (counted with failed "
        "sign-ins).",
    ),
)
def change_password(
    data: PasswordChange, request: Request, user: CurrentUser, session: SessionDep,
    runtime: RuntimeDep,
) -> Tokens:  # fmt: skip
    """Change the password: the current one is asked for, the new one follows the sign-up's
    rules. Every other session (refresh token) of the account ends; the answer is a new
    pair of tokens for this one. API keys stay (`POST /auth/logout-all {api_keys: true}`
    ends them). Access tokens already handed out expire within their minutes."""
    policy = runtime.settings.auth
    throttle = LoginThrottle(runtime.limiter, policy)
    return service.change_password(
        session, runtime.signer, policy, throttle, client_of(request), user, data
    )


@router.post("/api-keys", status_code=201, tags=["api keys"])
def create_api_key(
    data: NewApiKey, found: CurrentCredential, session: SessionDep, runtime: RuntimeDep
) -> ApiKeyCreated:
    user, credential = found
    key, secret = service.create_api_key(session, user, data, credential, runtime.settings.auth)
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), key=secret)


@router.get("/api-keys", tags=["api keys"])
def list_api_keys(user: CurrentUser, session: SessionDep) -> list[ApiKeyOut]:
    keys = ApiKeyRepository(session).of_user(user.id)
    return [ApiKeyOut.model_validate(k) for k in keys]


@router.delete("/api-keys/{key_id}", status_code=204, tags=["api keys"])
def revoke_api_key(key_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    service.revoke_api_key(session, user, key_id)
    return Response(status_code=204)


@router.post("/auth/logout-all")
def logout_everywhere(data: LogoutEverywhere, user: CurrentUser, session: SessionDep) -> LoggedOut:
    """End every session of the account (every refresh token), and its API keys if asked:
    what to do when a device or a key may be in someone else's hands."""
    return LoggedOut(sessions_ended=service.logout_everywhere(session, user, data.api_keys))
