"""Email verification: a new account proves it reads its email before it gets credits.

The rules (docs/security.md, "Accounts"):

- Sign-up makes the account unverified, with no credits, and mails a link. Until the link
  is used the account cannot sign in (so it holds no session, key or credit an attacker
  could keep), and nothing else about it changes.
- The link carries a signed token (HS256 with the service's secret key, `type`
  `verify-email`): the account's id, a fingerprint of its email and of its password hash,
  and an expiry (`AUTH__VERIFY_LINK_HOURS`). It is single-use: verifying is one
  conditional UPDATE (`email_verified_at IS NULL`), so of any number of concurrent uses
  exactly one verifies and grants the plan's free credits; every later use is refused.
- Signing up again with an email whose account is still unverified replaces that pending
  sign-up (its password), and the earlier links stop working (the password fingerprint no
  longer matches): whoever proves the mailbox decides which sign-up becomes the account.
  An email that has a verified account gets a notice instead, and the same answer.
- `POST /auth/verify/resend` mails a new link to an unverified account, and answers the
  same whether or not the email has one. Mails to one address are capped per hour
  (`AUTH__MAILS_PER_ADDRESS_PER_HOUR`), so the API cannot be used to flood an inbox.
- Mail is sent after the transaction commits, in the background (kit/mail.py): a request
  takes as long whether or not a mail left, and a slow mail server slows nobody.
- Mails never quote the name given at sign-up: anyone can sign up any address, and the
  name would be their text in our mail.

With `AUTH__VERIFY_EMAIL=false` new accounts are verified at sign-up (the operator vouches
for the emails) and get their credits at once; no mail is sent. `autoclip admin verify
EMAIL` verifies an account by hand, for a machine that sends no mail.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Literal

from sqlalchemy.orm import Session

from autoclip.kit.mail import MailQueue, mask_address, new_message
from autoclip.service.auth.repository import UserRepository
from autoclip.service.auth.tokens import TokenExpired, TokenInvalid, TokenSigner
from autoclip.service.billing.credits import open_account
from autoclip.service.billing.plans import DEFAULT_PLAN
from autoclip.service.billing.repository import CreditRepository
from autoclip.service.db import after_commit, utcnow
from autoclip.service.models import User
from autoclip.service.problems import AppError, Conflict, Forbidden, TooManyRequests
from autoclip.service.ratelimit import RateLimiter
from autoclip.settings import AuthSettings, Settings

PURPOSE = "verify-email"
HOUR = 3600
VERIFY_PATH = "/verify-email"  # the studio's page that takes ?token= and POSTs it
API_VERIFY_PATH = "/api/v1/auth/verify"
Language = Literal["ko", "en"]
log = logging.getLogger(__name__)


class InvalidLink(AppError):
    status, title, type_slug = 400, "Invalid or expired link", "invalid-token"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="token")


class AlreadyVerified(Conflict):
    title, type_slug = "Already verified", "already-verified"

    def __init__(self) -> None:
        super().__init__(
            "this link was already used: the email is confirmed, sign in", field="token"
        )


class EmailNotVerified(Forbidden):
    title, type_slug = "Email not confirmed", "email-not-verified"

    def __init__(self) -> None:
        super().__init__(
            "confirm your email first: open the link we mailed you, or ask for a new one "
            "(POST /auth/verify/resend)"
        )


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_token(signer: TokenSigner, user: User, hours: int) -> str:
    claims = {"eh": fingerprint(user.email), "pw": fingerprint(user.password_hash)}
    return signer.purpose_token(PURPOSE, str(user.id), timedelta(hours=hours), claims)


def verify_link(settings: Settings, token: str) -> str | None:
    """The link a mail carries: `AUTH__VERIFY_URL`, else the studio's page under
    `PUBLIC_URL`. None when neither is set: a link built from the request's Host header
    would let anyone who signs up an address send its owner's token to their own host."""
    base = settings.auth.verify_url.strip()
    if not base and settings.public_url.strip():
        base = settings.public_url.strip().rstrip("/") + VERIFY_PATH
    if not base:
        return None
    return f"{base}{'&' if '?' in base else '?'}token={token}"


def mail_language(accept_language: str | None) -> Language:
    """Korean or English, whichever the client's Accept-Language prefers (Korean when it
    names neither: the product's first language)."""
    best: tuple[float, Language] | None = None
    for item in (accept_language or "").split(","):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("ko", "en"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language: Language = "ko" if primary == "ko" else "en"
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, language)
    return best[1] if best else "ko"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


_VERIFY_SUBJECT = {"ko": "[AutoClip] 이메일 주소를 확인해 주세요",
                   "en": "[AutoClip] Confirm your email address"}  # fmt: skip
_NOTICE_SUBJECT = {"ko": "[AutoClip] 이미 가입된 이메일 주소입니다",
                   "en": "[AutoClip] You already have an account"}  # fmt: skip


def _verify_text(language: Language, link: str | None, token: str, hours: int,
                 credits: int, when: str) -> str:  # fmt: skip
    if language == "ko":
        opener = (
            f"아래 링크를 열어 이메일 주소를 확인해 주세요. 확인하면 로그인할 수 있고, "
            f"무료 크레딧 {credits}개가 지급됩니다.\n\n{link}\n\n"
            if link
            else "아래 확인 코드를 AutoClip에 입력해 이메일 주소를 확인해 주세요. "
            f"확인하면 로그인할 수 있고, 무료 크레딧 {credits}개가 지급됩니다.\n\n"
        )
        return (
            f"안녕하세요. {when}에 이 주소로 AutoClip 가입 요청이 있었습니다.\n\n{opener}"
            f"링크와 코드는 {hours}시간 동안 한 번만 쓸 수 있습니다.\n"
            f"API로 확인하려면 이 코드를 POST {API_VERIFY_PATH} 에 보내세요 "
            f'({{"token": "…"}}):\n{token}\n\n'
            "직접 가입하지 않으셨다면 이 메일을 무시하세요. 확인되지 않은 계정은 쓸 수 없고, "
            "아무것도 바뀌지 않습니다.\n\n— AutoClip\n"
        )
    opener = (
        f"Open this link to confirm your email address. Once it is confirmed you can sign "
        f"in, and your {credits} free credits are added.\n\n{link}\n\n"
        if link
        else "Enter the code below in AutoClip to confirm your email address. Once it is "
        f"confirmed you can sign in, and your {credits} free credits are added.\n\n"
    )
    return (
        f"Hello. Someone signed up for AutoClip with this address on {when}.\n\n{opener}"
        f"The link and the code work once, for {hours} hours.\n"
        f'To confirm through the API, send the code to POST {API_VERIFY_PATH} ({{"token": '
        f'"…"}}):\n{token}\n\n'
        "If you did not sign up, ignore this mail: an unconfirmed account cannot be used, "
        "and nothing changes.\n\n— AutoClip\n"
    )


def _notice_text(language: Language, when: str) -> str:
    if language == "ko":
        return (
            f"안녕하세요. {when}에 이 주소로 AutoClip 가입 요청이 있었지만, 이 주소에는 "
            "이미 계정이 있습니다.\n\n본인이라면 기존 비밀번호로 로그인하세요. 본인이 "
            "아니라면 이 메일을 무시하세요: 계정은 그대로이고, 아무것도 바뀌지 않았습니다."
            "\n\n— AutoClip\n"
        )
    return (
        f"Hello. Someone tried to sign up for AutoClip with this address on {when}, but it "
        "already has an account.\n\nIf it was you, sign in with your password. If not, "
        "ignore this mail: your account is as it was, nothing changed.\n\n— AutoClip\n"
    )


@dataclass(frozen=True)
class Mailroom:
    """What sending account mails needs, from the runtime: who signs, who counts, who sends."""

    settings: Settings
    signer: TokenSigner
    limiter: RateLimiter
    queue: MailQueue

    def _may_mail(self, email: str) -> bool:
        """Count a mail to `email` against its hourly cap; False once past it."""
        limit = self.settings.auth.mails_per_address_per_hour
        if self.limiter.hit(f"mail:{fingerprint(email)}", limit, HOUR).allowed:
            return True
        log.warning("mail to %s not sent: %d an hour already", mask_address(email), limit)
        return False

    def post(self, session: Session, email: str, message: EmailMessage) -> None:
        """Send `message` once `session` commits (never if it rolls back), within the cap."""
        if self._may_mail(email):
            queue = self.queue

            def send() -> None:
                queue.send_later(message)  # its outcome is logged by the queue

            after_commit(session, send)

    def verification(self, session: Session, user: User, language: Language) -> None:
        hours = self.settings.auth.verify_link_hours
        token = make_token(self.signer, user, hours)
        plan = CreditRepository(session).plan(user.plan_id)
        credits = (plan.trial_credits or plan.monthly_credits) if plan else 0
        text = _verify_text(language, verify_link(self.settings, token), token, hours,
                            credits, _when(utcnow()))  # fmt: skip
        message = new_message(self.settings.mail_from, user.email, _VERIFY_SUBJECT[language], text)
        self.post(session, user.email, message)

    def existing_account(self, session: Session, email: str, language: Language) -> None:
        text = _notice_text(language, _when(utcnow()))
        message = new_message(self.settings.mail_from, email, _NOTICE_SUBJECT[language], text)
        self.post(session, email, message)


def mark_verified(session: Session, user: User, password_hash: str | None = None) -> bool:
    """Verify `user` and grant its plan's starting credits, if no one did before; True when
    this call did. One conditional UPDATE decides: concurrent calls (two clicks, two API
    replicas) verify and grant exactly once, on PostgreSQL (row lock, re-checked WHERE) and
    SQLite (one writer at a time) alike. `password_hash`: only if the account still has it."""
    users = UserRepository(session)
    if not users.verify(user.id, utcnow(), password_hash):
        return False
    session.refresh(user)
    plans = CreditRepository(session)
    plan = plans.plan(user.plan_id) or plans.plan(DEFAULT_PLAN)
    assert plan is not None, "plans are seeded by the first migration"
    open_account(session, user, plan)
    return True


def verify(session: Session, signer: TokenSigner, token: str) -> User:
    """The account the token verifies, verified now; InvalidLink or AlreadyVerified."""
    try:
        claims = signer.read_purpose_token(token, PURPOSE)
    except TokenExpired:
        raise InvalidLink(
            "the link has expired: ask for a new one (POST /auth/verify/resend)"
        ) from None
    except TokenInvalid:
        raise InvalidLink("the link is not valid: use the whole link from the mail") from None
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise InvalidLink("the link is not valid: use the whole link from the mail") from None
    user = UserRepository(session).get(user_id)
    if user is not None and user.email_verified_at is not None:
        raise AlreadyVerified()
    if (
        user is None
        or claims.get("eh") != fingerprint(user.email)
        or claims.get("pw") != fingerprint(user.password_hash)
    ):
        # Signed by us, so not forged: the account signed up again (a newer link
        # replaced this one) or is gone.
        raise InvalidLink(
            "the link is no longer valid: a newer sign-up or link replaced it; use the "
            "newest mail, or ask for a new one"
        )
    if not mark_verified(session, user, user.password_hash):
        raise AlreadyVerified()  # a concurrent use got there first
    return user


def remove_unverified(session: Session, auth: AuthSettings) -> int:
    """Delete the accounts whose email nobody verified within `auth.unverified_days` of
    signing up (never while their newest link still works); the count removed.

    Such an account never signed in, so it holds only its default project (removed with it,
    by the foreign keys); its email can sign up anew. One DELETE with the condition in it:
    an account verified meanwhile is not touched."""
    keep = max(timedelta(days=auth.unverified_days), timedelta(hours=auth.verify_link_hours))
    return UserRepository(session).remove_unverified(utcnow() - keep)


def check_resend_allowed(limiter: RateLimiter, settings: Settings, client: str) -> None:
    limit = settings.auth.resends_per_client_per_hour
    decision = limiter.hit(f"resend:{client}", limit, HOUR)
    if not decision.allowed:
        raise TooManyRequests(
            f"more than {limit} requests for a new link an hour from this address; try "
            f"again in {decision.reset_in} s",
            headers={"Retry-After": str(decision.reset_in)},
        )


def resend(session: Session, mailroom: Mailroom, email: str, language: Language) -> None:
    """Mail a new link if `email` has an account waiting for it; nothing otherwise."""
    user = UserRepository(session).by_email(email)
    if user is not None and user.email_verified_at is None and user.is_active:
        mailroom.verification(session, user, language)
