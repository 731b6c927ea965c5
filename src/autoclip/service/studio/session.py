"""Who is looking at a studio page, in which language, and the forms they may post.

The browser's session is a refresh token (auth/service.py `browser_session`) in an
HttpOnly cookie: page scripts never see it, and it ends as any session does (log-out,
log-out everywhere, expiry). The cookie is SameSite=Lax (a link from a mail or another
site opens the studio signed in) and Secure when the page came over HTTPS; Lax sends it
with no cross-site POST, and every form also carries an anti-forgery token: an HMAC of a
random nonce kept in a second cookie (SameSite=Strict), checked on every post.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from fastapi import Request, Response
from sqlalchemy.orm import Session

from autoclip.service.auth.callers import Caller
from autoclip.service.auth.credentials import Credential
from autoclip.service.auth.repository import UserRepository
from autoclip.service.auth.service import browser_session
from autoclip.service.auth.verification import Language, mail_language
from autoclip.service.runtime import Runtime
from autoclip.service.studio.catalog import LANGUAGES

R = TypeVar("R", bound=Response)
SESSION_COOKIE = "autoclip_session"
FORM_COOKIE = "autoclip_form"
LANGUAGE_COOKIE = "autoclip_lang"
CSRF_HEADER = "x-csrf-token"
YEAR = int(timedelta(days=365).total_seconds())


def browser_language(accept_language: str | None) -> Language:
    """Korean for a browser that prefers Korean, English otherwise."""
    named = any(
        item.strip().lower().split(";")[0].split("-")[0] in LANGUAGES
        for item in (accept_language or "").split(",")
    )
    return mail_language(accept_language) if named else "en"


@dataclass
class Visitor:
    """The request's browser: language, signed-in user (if any) and form nonce."""

    language: Language
    user: Caller | None
    credential: Credential | None
    session_token: str | None
    form_nonce: str
    new_nonce: bool
    secure: bool
    form_token: str

    def remember(self, response: R) -> R:
        """Sets the nonce cookie on a response when this visit made a new one."""
        if self.new_nonce:
            response.set_cookie(
                FORM_COOKIE, self.form_nonce, httponly=True, secure=self.secure,
                samesite="strict", path="/",
            )  # fmt: skip
        return response


def anonymous_visitor(request: Request, runtime: Runtime) -> Visitor:
    """The visitor as far as the request alone tells (no database): for pages that show
    nobody's data, such as "not found" for an address that is nowhere."""
    return _visitor(request, runtime, None, None)


def visitor(request: Request, runtime: Runtime, session: Session) -> Visitor:
    token = request.cookies.get(SESSION_COOKIE)
    user, credential = _signed_in(runtime, session, token) if token else (None, None)
    return _visitor(request, runtime, user, credential)


def _visitor(
    request: Request, runtime: Runtime, user: Caller | None, credential: Credential | None
) -> Visitor:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    language: Language
    if chosen in LANGUAGES:
        language = "ko" if chosen == "ko" else "en"
    else:
        language = browser_language(request.headers.get("accept-language"))
    nonce = request.cookies.get(FORM_COOKIE, "")
    new_nonce = not (16 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum())
    if new_nonce:
        nonce = secrets.token_urlsafe(24)
    token = request.cookies.get(SESSION_COOKIE)
    return Visitor(
        language=language,
        user=user,
        credential=credential,
        session_token=token if user else None,
        form_nonce=nonce,
        new_nonce=new_nonce,
        secure=request.url.scheme == "https",
        form_token=runtime.signer.form_token(nonce),
    )


def _signed_in(
    runtime: Runtime, session: Session, token: str
) -> tuple[Caller | None, Credential | None]:
    found = browser_session(session, token) if len(token) <= 200 else None
    if found is None:
        return None, None
    user_id, since = found
    user = runtime.callers.get(user_id, lambda: UserRepository(session).get(user_id))
    if user is None or not user.is_active or not user.email_verified:
        return None, None
    return user, Credential(since)


def form_ok(runtime: Runtime, visit: Visitor, token: str | None) -> bool:
    """Whether a post carries this browser's anti-forgery token (a form field, or the
    X-CSRF-Token header of a script's request). A new nonce means no form of ours."""
    if not token or visit.new_nonce:
        return False
    return runtime.signer.check_form_token(visit.form_nonce, token)


def start_session(response: Response, visit: Visitor, refresh_token: str, days: int) -> None:
    response.set_cookie(
        SESSION_COOKIE, refresh_token, max_age=days * 86400, httponly=True,
        secure=visit.secure, samesite="lax", path="/",
    )  # fmt: skip


def end_session(response: Response, visit: Visitor) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=visit.secure, httponly=True, samesite="lax"
    )


def set_language(response: Response, visit: Visitor, language: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE, language, max_age=YEAR, httponly=True, secure=visit.secure,
        samesite="lax", path="/",
    )  # fmt: skip


def user_id(visit: Visitor) -> uuid.UUID:
    assert visit.user is not None
    return visit.user.id


def signed_in_at(visit: Visitor) -> datetime | None:
    return visit.credential.auth_time if visit.credential else None
