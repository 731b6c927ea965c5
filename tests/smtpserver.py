"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), and a black hole.

`smtp_server` starts aiosmtpd in a thread: plain, STARTTLS (offered, or required before
anything else) or TLS from the first byte, with or without a user name and password. What
it receives is kept as parsed messages. `certificate` makes a throwaway CA and a server
certificate for 127.0.0.1 and localhost, so TLS is checked for real (the client trusts
that CA through a CA file, as an operator with a private relay would configure it).
`black_hole` listens and never answers: the kernel completes each connection, nobody
reads or writes on it, which is what a hung server looks like from outside.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None, "no text/plain part"
        content: str = body.get_content()
        return content.replace("\r\n", "\n")  # lines end in CRLF on the wire


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps what arrives; `answers` can make DATA fail first."""

    received: list[Received] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # e.g. ["451 4.3.0 busy"], used in turn
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        if self.answers:
            return self.answers.pop(0)
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.received.append(
                Received(str(envelope.mail_from), list(envelope.rcpt_tos), message)
            )
            self.arrived.notify_all()
        return "250 2.0.0 OK"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The first `count` messages, waiting up to `timeout` for them to arrive."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            assert len(self.received) >= count, f"{len(self.received)} of {count} mails came"
            return list(self.received[:count])


@dataclass
class SmtpServer:
    port: int
    recorder: Recorder
    logins: list[tuple[str, str]]

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Certificate:
    ca_file: Path  # what a client trusts
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def certificate(folder: Path) -> Certificate:
    """A CA and a certificate it signed for 127.0.0.1 and localhost, valid for a day."""
    now = datetime.datetime.now(datetime.UTC)

    def make(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
             signer: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:  # fmt: skip
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True, key_cert_sign=True, crl_sign=True,
                    content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            ).add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )  # fmt: skip
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AutoClip test CA")])
    ca = make("AutoClip test CA", ca_key, ca_name, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = make("localhost", key, ca_name, ca_key, ca=False)
    paths = Certificate(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@contextmanager
def smtp_server(
    *,
    tls: Certificate | None = None,
    mode: str = "plain",
    password: tuple[str, str] | None = None,
    recorder: Recorder | None = None,
) -> Iterator[SmtpServer]:
    """aiosmtpd on a free port. `mode`: "plain" (no TLS offered), "starttls" (offered and
    required before MAIL), or "tls" (TLS from the first byte); the last two need `tls`.
    `password`: the only user name and password accepted (with "starttls", only once TLS
    is up; "tls" is TLS throughout)."""
    recorder = recorder or Recorder()
    logins: list[tuple[str, str]] = []
    kwargs: dict[str, Any] = {}
    if mode == "starttls":
        assert tls is not None
        kwargs |= {"tls_context": tls.server_context(), "require_starttls": True}
    elif mode == "tls":
        assert tls is not None
        kwargs["ssl_context"] = tls.server_context()
    else:
        assert mode == "plain", mode
    if password is not None:

        def authenticate(
            server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            assert isinstance(data, LoginPassword)
            given = (data.login.decode(), data.password.decode())
            logins.append(given)
            return AuthResult(success=given == password, handled=False)

        kwargs |= {"authenticator": authenticate, "auth_required": True,
                   "auth_require_tls": mode == "starttls"}  # fmt: skip
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer(port, recorder, logins)
    finally:
        controller.stop()


@contextmanager
def black_hole() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel does, from the backlog) and then
    never says a word; yields the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        port: int = sock.getsockname()[1]
        yield port


def timed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    """How long `call` took, and what it raised (None if it returned)."""
    began = time.monotonic()
    try:
        call()
    except Exception as error:  # the caller checks which
        return time.monotonic() - began, error
    return time.monotonic() - began, None
