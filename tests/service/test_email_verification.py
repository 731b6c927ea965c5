"""Email verification before credits, through the API and a real SMTP server (aiosmtpd),
on SQLite and on PostgreSQL with Redis: the mail arrives, its link verifies once, and
expired, forged, replaced and reused links are refused; credits are granted exactly once,
even to verifications racing each other."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from autoclip.cli import app as cli_app
from autoclip.errors import InputError
from autoclip.service.app import create_app
from autoclip.service.auth.tokens import TokenSigner
from autoclip.service.auth.verification import (
    PURPOSE,
    fingerprint,
    mail_language,
    remove_unverified,
)
from autoclip.service.db import utcnow
from autoclip.service.models import CreditEntry, LedgerReason, Project, User
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import AuthSettings, Settings
from service.conftest import mailed_tokens
from service.test_api_concurrency import serve
from smtpserver import Received, SmtpServer, smtp_server

PASSWORD = "correct horse 1"
STUDIO = "https://studio.autoclip.test"
LINK = re.compile(r"https://studio\.autoclip\.test/verify-email\?token=([\w.-]+)")
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")  # not about the hash's cost


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    smtp: SmtpServer

    def register(
        self, email: str, password: str = PASSWORD, language: str | None = None
    ) -> httpx.Response:
        headers = {"Accept-Language": language} if language else {}
        response: httpx.Response = self.client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": password, "name": "Kim"},
            headers=headers,
        )
        return response

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        response: httpx.Response = self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        return response

    def verify(self, token: str) -> httpx.Response:
        response: httpx.Response = self.client.post("/api/v1/auth/verify", json={"token": token})
        return response

    def mails_to(self, email: str) -> list[Received]:
        self.runtime.mail.wait_idle(timeout=30)
        return [m for m in self.smtp.received if m.recipients == [email]]

    def ledger(self, email: str) -> list[tuple[LedgerReason, int]]:
        with self.runtime.db.session(write=False) as session:
            rows = session.execute(
                select(CreditEntry.reason, CreditEntry.delta)
                .join(User, User.id == CreditEntry.user_id)
                .where(User.email == email)
            )
            return [(reason, delta) for reason, delta in rows]


def link_token(mail: Received) -> str:
    found = LINK.search(mail.text)
    assert found, mail.text
    return found.group(1)


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture
def world(make_settings: Callable[..., Settings]) -> Iterator[World]:
    with smtp_server() as smtp:
        settings = make_settings(
            smtp_url=f"smtp://127.0.0.1:{smtp.port}",
            smtp_starttls=False,  # a relay on this host; TLS is kit/test_mail.py's
            public_url=STUDIO,
            mail_from="AutoClip <no-reply@autoclip.test>",
        )
        runtime = build_runtime(settings)
        try:
            with TestClient(create_app(runtime, run_worker=False)) as client:
                yield World(client, runtime, smtp)
        finally:
            runtime.close()


def test_the_mail_arrives_and_its_link_verifies_once(world: World) -> None:
    email = new_email()
    made = world.register(email)
    assert made.status_code == 202, made.text
    (mail,) = world.mails_to(email)
    assert mail.message["From"] == "AutoClip <no-reply@autoclip.test>"
    assert mail.message["Subject"] == "[AutoClip] 이메일 주소를 확인해 주세요"  # Korean first
    assert "무료 크레딧 3개" in mail.text
    assert "Kim" not in mail.text  # the name given at sign-up is never quoted
    token = link_token(mail)
    assert token in mail.text.split("\n")  # the code alone on its line, for API users

    # Before: no sign-in (only for who knows the password), no credits.
    refused = world.login(email)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("/email-not-verified")
    assert world.login(email, "wrong password 9").status_code == 401
    assert world.ledger(email) == []

    verified = world.verify(token)
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert (body["email"], body["credit_balance"]) == (email, 3)
    assert world.ledger(email) == [(LedgerReason.TRIAL_GRANT, 3)]
    tokens = world.login(email)
    assert tokens.status_code == 200, tokens.text
    me = world.client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}
    ).json()
    assert me["credit_balance"] == 3
    assert me["email_verified_at"] == body["email_verified_at"]

    again = world.verify(token)  # single use
    assert again.status_code == 409, again.text
    assert again.json()["type"].endswith("/already-verified")
    assert again.json()["errors"] == [{"field": "token", "message": again.json()["detail"]}]
    assert world.ledger(email) == [(LedgerReason.TRIAL_GRANT, 3)]


def test_english_when_the_client_prefers_it(world: World) -> None:
    email = new_email()
    assert world.register(email, language="en-GB,en;q=0.9,ko;q=0.5").status_code == 202
    (mail,) = world.mails_to(email)
    assert mail.message["Subject"] == "[AutoClip] Confirm your email address"
    assert "your 3 free credits" in mail.text
    assert world.verify(link_token(mail)).status_code == 200
    assert mail_language("ko-KR,ko;q=0.9,en;q=0.8") == "ko"
    assert mail_language("fr-FR, en;q=0.1") == "en"
    assert mail_language("fr, en;q=0") == "ko"
    assert mail_language(None) == "ko"


def test_expired_forged_and_foreign_tokens_are_refused(world: World) -> None:
    email = new_email()
    world.register(email)
    (mail,) = world.mails_to(email)
    good = link_token(mail)
    with world.runtime.db.session(write=False) as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one()
    claims = {"eh": fingerprint(user.email), "pw": fingerprint(user.password_hash)}
    signer = world.runtime.signer

    expired = signer.purpose_token(PURPOSE, str(user.id), timedelta(seconds=-1), claims)
    other_key = TokenSigner(["not-the-service-key-" + "k" * 32]).purpose_token(
        PURPOSE, str(user.id), timedelta(hours=1), claims
    )
    head, payload, signature = good.split(".")
    tampered = f"{head}.{payload[:-2]}{'AB' if payload[-2:] != 'AB' else 'CD'}.{signature}"
    access = signer.access_token(user.id, auth_time=user.created_at)  # right key, wrong kind
    stream = signer.stream_ticket(user.id, uuid.uuid4())
    cases = {
        expired: "has expired",
        other_key: "not valid",
        tampered: "not valid",
        access: "not valid",
        stream: "not valid",
        "x" * 40: "not valid",
    }
    for token, reason in cases.items():
        refused = world.verify(token)
        assert refused.status_code == 400, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/invalid-token")
        assert reason in problem["detail"]
        assert problem["errors"][0]["field"] == "token"
    short = world.verify("abc")
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "token"
    assert world.ledger(email) == []  # none of them granted anything
    assert world.verify(good).status_code == 200


def test_a_new_sign_up_replaces_a_pending_one(world: World) -> None:
    """Whoever proves the mailbox decides which sign-up becomes the account: an earlier
    (perhaps someone else's) pending sign-up's link stops working."""
    email = new_email()
    world.register(email, "first pending passphrase 1")
    world.register(email, "second pending passphrase 2")
    first, second = world.mails_to(email)
    stale = world.verify(link_token(first))
    assert stale.status_code == 400
    assert "no longer valid" in stale.json()["detail"]
    assert world.verify(link_token(second)).status_code == 200
    assert world.login(email, "first pending passphrase 1").status_code == 401
    assert world.login(email, "second pending passphrase 2").status_code == 200
    with world.runtime.db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(User.email == email)) == 1


def test_sign_ups_never_verified_are_removed_after_their_days(world: World) -> None:
    """An unverified account older than AUTH__UNVERIFIED_DAYS goes, with its project, and
    its email can sign up anew; a verified account, and a pending one that signed up again
    recently, stay. (The reconciler runs this hourly.)"""
    stale, renewed, verified = new_email(), new_email(), new_email()
    for email in (stale, renewed, verified):
        world.register(email)
    world.verify(link_token(world.mails_to(verified)[0]))
    eight_days_ago = utcnow() - timedelta(days=8)
    with world.runtime.db.session() as session:
        ours = [stale, renewed, verified]
        session.execute(update(User).where(User.email.in_(ours)).values(created_at=eight_days_ago))
    world.register(renewed, "a newer pending passphrase 3")  # the newest sign-up's age counts
    with world.runtime.db.session() as session:
        owners = [u.id for u in session.scalars(select(User).where(User.email == stale))]
        assert session.scalar(select(func.count()).where(Project.user_id.in_(owners))) == 1
        assert remove_unverified(session, world.runtime.settings.auth) == 1
    with world.runtime.db.session(write=False) as session:
        left = set(
            session.scalars(select(User.email).where(User.email.in_([stale, renewed, verified])))
        )
        assert left == {renewed, verified}
        assert session.scalar(select(func.count()).where(Project.user_id.in_(owners))) == 0
    world.register(stale, "a fresh start passphrase 4")
    assert world.verify(link_token(world.mails_to(stale)[-1])).status_code == 200
    assert world.login(stale, "a fresh start passphrase 4").status_code == 200


def test_an_existing_account_gets_a_notice_and_the_same_answer(world: World) -> None:
    email, fresh = new_email(), new_email()
    first = world.register(email)
    world.verify(link_token(world.mails_to(email)[0]))
    again = world.register(email, "somebody else's passphrase 7")
    other = world.register(fresh)
    assert again.status_code == other.status_code == 202
    assert again.json()["detail"] == other.json()["detail"] == first.json()["detail"]
    notice = world.mails_to(email)[1]
    assert notice.message["Subject"] == "[AutoClip] 이미 가입된 이메일 주소입니다"
    assert not LINK.search(notice.text)
    assert "token" not in notice.text
    assert world.login(email, "somebody else's passphrase 7").status_code == 401
    assert world.login(email).status_code == 200


def test_resend_answers_the_same_and_mails_only_a_waiting_account(world: World) -> None:
    waiting, verified, unknown = new_email(), new_email(), new_email()
    world.register(waiting)
    world.register(verified)
    world.verify(link_token(world.mails_to(verified)[0]))
    answers = [
        world.client.post("/api/v1/auth/verify/resend", json={"email": email})
        for email in (waiting, verified, unknown)
    ]
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    assert len(world.mails_to(waiting)) == 2
    assert len(world.mails_to(verified)) == 1  # only its first link
    assert world.mails_to(unknown) == []
    # Either link works (once): the resend did not change the account.
    first, second = world.mails_to(waiting)
    assert world.verify(link_token(second)).status_code == 200
    assert world.verify(link_token(first)).status_code == 409


def test_resend_is_limited_per_client_and_mails_per_address(
    make_settings: Callable[..., Settings],
) -> None:
    auth = AuthSettings(resends_per_client_per_hour=4, mails_per_address_per_hour=3)
    with smtp_server() as smtp:
        runtime = build_runtime(
            make_settings(
                smtp_url=f"smtp://127.0.0.1:{smtp.port}",
                smtp_starttls=False,
                public_url=STUDIO,
                auth=auth,
            )
        )
        try:
            with TestClient(create_app(runtime, run_worker=False)) as client:
                world = World(client, runtime, smtp)
                email = new_email()
                world.register(email)  # mail 1 of 3
                resends = [
                    client.post("/api/v1/auth/verify/resend", json={"email": email})
                    for _ in range(5)
                ]
                assert [r.status_code for r in resends] == [202, 202, 202, 202, 429]
                assert int(resends[-1].headers["Retry-After"]) > 0
                # Four resends were answered, but the address gets three mails an hour.
                assert len(world.mails_to(email)) == 3
                # Sign-ups count against the same cap: nobody floods an inbox through us.
                world.register(email, "another pending passphrase 3")
                assert len(world.mails_to(email)) == 3
        finally:
            runtime.close()


def test_concurrent_verifies_grant_credits_exactly_once(world: World) -> None:
    email = new_email()
    world.register(email)
    world.client.post("/api/v1/auth/verify/resend", json={"email": email})
    first, second = (link_token(m) for m in world.mails_to(email))
    tokens = [first, second] * 4  # two valid links, each clicked four times at once
    barrier = threading.Barrier(len(tokens))
    with serve(create_app(world.runtime, run_worker=False)) as base_url:

        def click(token: str) -> int:
            with httpx.Client(base_url=base_url, timeout=60) as http:
                barrier.wait(timeout=30)
                return http.post("/api/v1/auth/verify", json={"token": token}).status_code

        with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
            statuses = sorted(pool.map(click, tokens))
    assert statuses == [200] + [409] * (len(tokens) - 1), statuses
    assert world.ledger(email) == [(LedgerReason.TRIAL_GRANT, 3)]
    with world.runtime.db.session(write=False) as session:
        balance = session.scalar(select(User.credit_balance).where(User.email == email))
    assert balance == 3


def test_without_verification_accounts_are_ready_at_once(
    make_settings: Callable[..., Settings],
) -> None:
    runtime = build_runtime(make_settings(auth=AuthSettings(verify_email=False)))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            email = new_email()
            made = client.post(
                "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "K"}
            )
            assert made.status_code == 202
            assert "open the link" not in made.json()["detail"]
            tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert tokens.status_code == 200, tokens.text
            me = client.get(
                "/api/v1/users/me",
                headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
            ).json()
            assert me["credit_balance"] == 3
            assert me["email_verified_at"] is not None
            assert mailed_tokens(runtime, email) == []  # nothing was mailed
    finally:
        runtime.close()


def test_embedded_without_a_mail_server_the_outbox_and_the_cli(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No AUTOCLIP_SMTP_URL: the mail is a file in the data folder, whose token verifies;
    or the operator confirms the user with `autoclip admin verify`."""
    settings = make_settings()
    runtime = build_runtime(settings)
    monkeypatch.setenv("AUTOCLIP_DATA_DIR", str(settings.data_dir))
    for name in ("database_url", "redis_url"):
        if getattr(settings, name):
            monkeypatch.setenv(f"AUTOCLIP_{name.upper()}", getattr(settings, name))
    assert settings.secret_key is not None
    monkeypatch.setenv("AUTOCLIP_SECRET_KEY", settings.secret_key.get_secret_value())
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            by_mail, by_hand = new_email(), new_email()
            for email in (by_mail, by_hand):
                client.post(
                    "/api/v1/auth/register",
                    json={"email": email, "password": PASSWORD, "name": "Kim"},
                )
            (token,) = mailed_tokens(runtime, by_mail)
            assert list(settings.outbox_dir.glob("*.eml"))
            assert client.post("/api/v1/auth/verify", json={"token": token}).status_code == 200

            done = CliRunner().invoke(cli_app, ["admin", "verify", by_hand.upper()])
            assert done.exit_code == 0, done.output
            assert "email confirmed; 3 credits" in done.output
            twice = CliRunner().invoke(cli_app, ["admin", "verify", by_hand])
            assert "already confirmed" in twice.output
            unknown = CliRunner().invoke(cli_app, ["admin", "verify", "nobody@example.com"])
            assert isinstance(unknown.exception, InputError)  # `autoclip` exits 2 with it
            assert unknown.exception.field == "email"
            for email in (by_mail, by_hand):
                login = client.post(
                    "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                )
                assert login.status_code == 200, login.text
            with runtime.db.session(write=False) as session:
                grants = session.scalar(
                    select(func.count())
                    .select_from(CreditEntry)
                    .where(CreditEntry.reason == LedgerReason.TRIAL_GRANT)
                )
            assert grants == 2
    finally:
        runtime.close()


def test_unverified_accounts_cannot_be_used_even_by_an_old_token(world: World) -> None:
    """Defence in depth: a token can only come from a sign-in, which an unverified account
    cannot do; an account un-verified by hand after it signed in is refused too (once the
    process's caller cache lets go of it, auth/callers.py)."""
    email = new_email()
    world.register(email)
    world.verify(link_token(world.mails_to(email)[0]))
    access = world.login(email).json()["access_token"]
    with world.runtime.db.session() as session:
        user_id = session.execute(
            update(User)
            .where(User.email == email)
            .values(email_verified_at=None)
            .returning(User.id)
        ).scalar_one()
    world.runtime.callers.forget(user_id)  # as any change to a user reaches the API
    me = world.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 403, me.text


def test_the_link_is_the_studio_page_with_the_token(world: World) -> None:
    email = new_email()
    world.register(email)
    (mail,) = world.mails_to(email)
    found = LINK.search(mail.text)
    assert found
    parts = urlsplit(found.group(0))
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "studio.autoclip.test",
                                                        "/verify-email")  # fmt: skip
    assert parse_qs(parts.query)["token"] == [link_token(mail)]
