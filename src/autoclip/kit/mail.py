"""Sending mail: to an SMTP server, or, with none configured, into an outbox folder.

`SmtpMailer` speaks SMTP with the standard library: `smtps://` is TLS from the first byte
(port 465), `smtp://` upgrades with STARTTLS (port 587) and, unless told otherwise, refuses
to go on without it. Certificates are checked against the system's CAs (or a given CA
file), and the host name too. Every step has a timeout: connecting, and each reply.

`OutboxMailer` is for a machine with no mail server (embedded mode, a laptop): each message
is written as an `.eml` file, owner-only, into a folder, and the log says where, so the
person running it can open the mail (any mail program reads .eml) or copy its link.

`MailQueue` sends in the background: a request never waits for a mail server, and never
takes longer for one answer than another because a mail was or was not sent. A failure
that may pass (no connection, a 4xx answer) is tried again a few times; a lost mail can be
asked for again (the links it carries can always be re-sent), so nothing is kept on disk.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from autoclip.errors import AutoclipError, ConfigurationError
from autoclip.kit.private import PRIVATE_FILE, make_private_dir

log = logging.getLogger(__name__)

SMTP_URL_FORMS = "smtp://[user:password@]host[:587] or smtps://[user:password@]host[:465]"
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


class MailError(AutoclipError):
    """A message could not be sent. `transient`: trying again later may work."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver `message` (its To, From and Subject set) or raise MailError."""
        ...

    def describe(self) -> str:
        """Where mail goes, for logs; never contains a secret."""
        ...


def mask_address(address: str) -> str:
    """`k***@example.com`: enough to tell mails apart in a log, not to collect addresses."""
    local, at, domain = parseaddr(address)[1].partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def new_message(sender: str, to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text UTF-8 message, with the headers mail servers and filters expect."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    message.set_content(text)
    return message


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool  # smtps://
    starttls: bool  # smtp://, upgrade before anything else is said
    username: str | None
    password: str | None
    timeout_s: float
    ca_file: Path | None = None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        starttls: bool = True,
        timeout_s: float = 10.0,
        ca_file: Path | None = None,
        field: str = "AUTOCLIP_SMTP_URL",
    ) -> SmtpServer:
        """Parse `smtp://…` or `smtps://…`; a ConfigurationError names `field` and never
        shows the password."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise ConfigurationError(f"{field} is not a URL; expected {SMTP_URL_FORMS}") from None
        shown = f"{parts.scheme}://{parts.hostname or ''}"
        if parts.scheme not in DEFAULT_PORTS:
            raise ConfigurationError(
                f"{field} {shown!r} has an unsupported scheme; expected {SMTP_URL_FORMS}"
            )
        if not parts.hostname:
            raise ConfigurationError(f"{field} {shown!r} names no host; expected {SMTP_URL_FORMS}")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ConfigurationError(f"{field} {shown!r} must have no path, query or fragment")
        implicit = parts.scheme == "smtps"
        password = unquote(parts.password) if parts.password is not None else None
        if password and not implicit and not starttls:
            raise ConfigurationError(
                f"{field} {shown!r} has a password, and AUTOCLIP_SMTP_STARTTLS is false: it "
                "would cross the network in clear. Use smtps://, or leave STARTTLS on"
            )
        return cls(
            host=parts.hostname,
            port=port or DEFAULT_PORTS[parts.scheme],
            implicit_tls=implicit,
            starttls=starttls and not implicit,
            username=unquote(parts.username) if parts.username else None,
            password=password,
            timeout_s=timeout_s,
            ca_file=ca_file,
        )

    def tls_context(self) -> ssl.SSLContext:
        # Certificate and host name checked (create_default_context), TLS 1.2 at least.
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def describe(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        tls = "TLS" if self.implicit_tls else ("STARTTLS" if self.starttls else "no TLS")
        return f"{scheme}://{self.host}:{self.port} ({tls})"


class SmtpMailer:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def describe(self) -> str:
        return self.server.describe()

    def send(self, message: EmailMessage) -> None:
        server = self.server
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if server.starttls:
                    if not smtp.has_extn("starttls"):
                        raise MailError(
                            f"the mail server {server.describe()} offers no STARTTLS; set "
                            "AUTOCLIP_SMTP_STARTTLS=false only for a relay on a trusted network",
                            transient=False,
                        )
                    smtp.starttls(context=server.tls_context())
                    smtp.ehlo()
                if server.username:
                    smtp.login(server.username, server.password or "")
                if smtp.has_extn("8bitmime"):
                    smtp.send_message(message, mail_options=["BODY=8BITMIME"])
                else:
                    smtp.send_message(_seven_bit(message))
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(
                f"the mail server {server.describe()} refused the user name and password "
                f"({error.smtp_code})",
                transient=False,
            ) from None
        except smtplib.SMTPNotSupportedError as error:  # e.g. a password, and no AUTH
            raise MailError(
                f"the mail server {server.describe()} cannot do what its settings ask: {error}",
                transient=False,
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            raise MailError(
                f"the mail server refused the recipient ({codes})",
                transient=all(400 <= code < 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as error:
            raise MailError(
                f"the mail server {server.describe()} answered {error.smtp_code}: "
                f"{_reply_text(error.smtp_error)}",
                transient=400 <= error.smtp_code < 500,
            ) from None
        except ssl.SSLError as error:
            # A certificate the CAs do not vouch for will not fix itself.
            raise MailError(
                f"TLS with the mail server {server.describe()} failed: {error.reason}",
                transient=False,
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            # Refused, unreachable, timed out (TimeoutError is an OSError), disconnected.
            raise MailError(
                f"the mail server {server.describe()} could not be reached or stopped "
                f"answering: {type(error).__name__}: {error}",
                transient=True,
            ) from None

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        # The timeout covers connecting and every read after it (smtplib sets it on the
        # socket), so a server that accepts and then says nothing costs at most
        # 2 x timeout_s: the connection, then the greeting that never comes.
        if server.implicit_tls:
            return smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout_s, context=server.tls_context()
            )
        return smtplib.SMTP(server.host, server.port, timeout=server.timeout_s)


def _seven_bit(message: EmailMessage) -> EmailMessage:
    """A copy whose text is base64, for a server that takes only 7-bit mail (our text is
    written 8-bit: readable as it is in an outbox file)."""
    copy = EmailMessage()
    for name, value in message.items():
        if not name.lower().startswith("content-") and name.lower() != "mime-version":
            copy[name] = value
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    copy.set_content(text, cte="base64")
    return copy


def _reply_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]


class OutboxMailer:
    """Writes each message to `folder` as an .eml file only its owner can read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.absolute()

    def describe(self) -> str:
        return f"the outbox folder {self.folder}"

    def send(self, message: EmailMessage) -> None:
        try:
            make_private_dir(self.folder)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            path = self.folder / f"{stamp}-{secrets.token_hex(4)}.eml"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
        except OSError as error:
            raise MailError(f"cannot write to the outbox: {error}", transient=False) from None
        log.warning(
            "no mail server configured (AUTOCLIP_SMTP_URL): mail %r to %s written to %s",
            str(message["Subject"]),
            mask_address(str(message["To"])),
            path,
        )

    def messages(self) -> list[Path]:
        """The .eml files in the outbox, oldest first."""
        return sorted(self.folder.glob("*.eml")) if self.folder.is_dir() else []


class MailQueue:
    """Sends messages on a background thread, trying a transient failure again after each
    of `retry_delays_s`. `close` waits for what is queued; a delay is cut short by it."""

    def __init__(self, mailer: Mailer, retry_delays_s: Sequence[float] = (2.0, 10.0)) -> None:
        self.mailer = mailer
        self._delays = tuple(retry_delays_s)
        self._closing = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")

    def send_later(self, message: EmailMessage) -> Future[bool]:
        """Queue `message`; the future says whether it was delivered."""
        return self._pool.submit(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> bool:
        to = mask_address(str(message["To"]))
        for attempt, delay in enumerate((*self._delays, None), start=1):
            try:
                self.mailer.send(message)
            except MailError as error:
                if not error.transient or delay is None or self._closing.wait(delay):
                    log.error("mail to %s not sent after %d tries: %s", to, attempt, error)
                    return False
                log.warning("mail to %s failed (try %d), trying again: %s", to, attempt, error)
            except Exception:  # a bug must not kill the mail thread's later messages
                log.exception("mail to %s not sent", to)
                return False
            else:
                return True
        return False  # unreachable: the last delay is None

    def wait_idle(self, timeout: float) -> None:
        """Return once everything queued before this call was sent or given up (one
        thread, in order: a marker queued now finishes last); TimeoutError past `timeout`."""
        self._pool.submit(lambda: None).result(timeout=timeout)

    def close(self) -> None:
        self._closing.set()
        self._pool.shutdown(wait=True)
