"""The mailer against a real SMTP server (aiosmtpd): plain, STARTTLS and TLS, passwords,
certificates, failures that pass and failures that do not, a server that never answers;
and the outbox for machines with no server."""

from __future__ import annotations

import logging
import stat
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from autoclip.errors import ConfigurationError
from autoclip.kit.mail import (
    MailError,
    MailQueue,
    OutboxMailer,
    SmtpMailer,
    SmtpServer,
    mask_address,
    new_message,
)
from smtpserver import Certificate, Recorder, black_hole, certificate, smtp_server, timed

# aiosmtpd warns when AUTH is allowed without STARTTLS; with smtps:// the connection is
# TLS from the first byte, which that check does not know about.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SENDER = "AutoClip <no-reply@autoclip.test>"
KOREAN = (
    "안녕하세요. 이메일 주소를 확인해 주세요.\n링크: https://studio.test/verify-email?token=abc"
)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return certificate(tmp_path_factory.mktemp("tls"))


def message(to: str = "kim@example.com") -> EmailMessage:
    return new_message(SENDER, to, "[AutoClip] 이메일 주소를 확인해 주세요", KOREAN)


def mailer(url: str, **options: Any) -> SmtpMailer:
    return SmtpMailer(SmtpServer.from_url(url, **options))


def test_plain_relay_delivers_utf8_text() -> None:
    with smtp_server() as server:
        mailer(f"smtp://127.0.0.1:{server.port}", starttls=False).send(message())
        (got,) = server.recorder.wait_for(1)
    assert got.recipients == ["kim@example.com"]
    assert got.sender == "no-reply@autoclip.test"
    assert got.message["Subject"] == "[AutoClip] 이메일 주소를 확인해 주세요"
    assert got.message["Auto-Submitted"] == "auto-generated"
    assert got.message["Message-ID"].endswith("@autoclip.test>")
    assert got.text.strip() == KOREAN


def test_starttls_with_a_password(cert: Certificate) -> None:
    with smtp_server(tls=cert, mode="starttls", password=("mailer", "p@ss:word/1")) as server:
        url = f"smtp://mailer:p%40ss%3Aword%2F1@localhost:{server.port}"  # percent-encoded
        mailer(url, ca_file=cert.ca_file).send(message())
        server.recorder.wait_for(1)
    assert server.logins == [("mailer", "p@ss:word/1")]


def test_tls_from_the_first_byte(cert: Certificate) -> None:
    with smtp_server(tls=cert, mode="tls", password=("mailer", "secret")) as server:
        mailer(f"smtps://mailer:secret@127.0.0.1:{server.port}", ca_file=cert.ca_file).send(
            message()
        )
        server.recorder.wait_for(1)


def test_refusals_that_will_not_pass(cert: Certificate) -> None:
    # STARTTLS required, and the server offers none: nothing is said in clear.
    with smtp_server() as server:
        with pytest.raises(MailError, match="offers no STARTTLS") as caught:
            mailer(f"smtp://127.0.0.1:{server.port}").send(message())
        assert not caught.value.transient
        assert server.received == []
    # A certificate no trusted CA signed (the system's CAs do not know the test CA).
    with smtp_server(tls=cert, mode="starttls") as server:
        with pytest.raises(MailError, match="TLS with the mail server") as caught:
            mailer(f"smtp://localhost:{server.port}").send(message())
        assert not caught.value.transient
    # A wrong password: says so, without the password.
    with smtp_server(tls=cert, mode="tls", password=("mailer", "secret")) as server:
        url = f"smtps://mailer:wrong-one@127.0.0.1:{server.port}"
        with pytest.raises(MailError, match="refused the user name and password") as caught:
            mailer(url, ca_file=cert.ca_file).send(message())
        assert not caught.value.transient
        assert "wrong-one" not in str(caught.value)


def test_a_server_that_never_answers_fails_within_the_timeout() -> None:
    with black_hole() as port:
        took, error = timed(
            lambda: mailer(f"smtp://127.0.0.1:{port}", timeout_s=0.5).send(message())
        )
    assert isinstance(error, MailError), error
    assert error.transient
    assert "stopped answering" in str(error)
    assert 0.5 <= took < 2 * 0.5 + 1.0  # connecting, then the greeting that never came


def test_the_queue_tries_a_passing_failure_again() -> None:
    recorder = Recorder(answers=["451 4.3.0 busy, try later"])
    with smtp_server(recorder=recorder) as server:
        queue = MailQueue(mailer(f"smtp://127.0.0.1:{server.port}", starttls=False), (0.1,))
        try:
            assert queue.send_later(message()).result(timeout=30)
        finally:
            queue.close()
        assert len(server.received) == 1
    # A permanent refusal is not tried again.
    recorder = Recorder(answers=["554 5.7.1 no", "250 would have worked"])
    with smtp_server(recorder=recorder) as server:
        queue = MailQueue(mailer(f"smtp://127.0.0.1:{server.port}", starttls=False), (0.1,))
        try:
            assert not queue.send_later(message()).result(timeout=30)
        finally:
            queue.close()
        assert server.received == []


def test_outbox_writes_private_eml_files_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = OutboxMailer(tmp_path / "data" / "outbox")
    with caplog.at_level(logging.WARNING, logger="autoclip.kit.mail"):
        outbox.send(message("kim@example.com"))
    (path,) = outbox.messages()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert str(path) in caplog.text
    assert "kim@example.com" not in caplog.text  # the log names k***@example.com
    assert "k***@example.com" in caplog.text
    raw = path.read_bytes()  # a real message: any mail program opens it
    assert b"Subject: [AutoClip] =?utf-8?" in raw
    # ...and a person with only a terminal can read it: the text is not re-encoded.
    assert b"https://studio.test/verify-email?token=abc" in raw
    assert "이메일 주소를 확인해 주세요".encode() in raw


@pytest.mark.parametrize(
    ("url", "options", "error"),
    [
        ("http://mail.example.com", {}, "unsupported scheme"),
        ("smtp://", {}, "names no host"),
        ("smtp://mail.example.com/inbox", {}, "no path"),
        ("smtp://mail.example.com:99999", {}, "not a URL"),
        ("smtp://u:secret@mail.example.com", {"starttls": False}, "in clear"),
    ],
)
def test_bad_urls_are_named_without_their_password(
    url: str, options: dict[str, Any], error: str
) -> None:
    with pytest.raises(ConfigurationError, match=error) as caught:
        SmtpServer.from_url(url, **options)
    assert "AUTOCLIP_SMTP_URL" in str(caught.value)
    assert "secret" not in str(caught.value)


def test_url_defaults() -> None:
    assert SmtpServer.from_url("smtp://mail.example.com").port == 587
    secure = SmtpServer.from_url("smtps://a%40b:hunter2@mail.example.com")
    assert (secure.port, secure.implicit_tls, secure.starttls) == (465, True, False)
    assert (secure.username, secure.password) == ("a@b", "hunter2")
    assert secure.describe() == "smtps://mail.example.com:465 (TLS)"
    assert mask_address("Kim <kim@example.com>") == "k***@example.com"
