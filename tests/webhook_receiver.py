"""A local webhook receiver that checks each delivery as a user's endpoint would: the
Standard Webhooks signature, verified by the `standardwebhooks` package with the secret
the receiver was given, and a timestamp within its tolerance. It answers the statuses a
test plans (`answers`, then 200), and keeps what it got."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered
    verified_with: list[int]  # which of the receiver's secrets verified it

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    url: str = ""
    secrets: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # planned statuses, then 200
    signed: bool = True  # False: a plain hook (a chat's), taken unsigned
    # The first message seen is refused this many times (500) before it is taken.
    refuse_first_message: int = 0
    first_message: str | None = None
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, body: bytes, headers: dict[str, str]) -> list[int]:
        ok = []
        for n, secret in enumerate(self.secrets):
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            ok.append(n)
        return ok

    def events(self, path: str | None = None) -> list[str]:
        with self.lock:
            return [
                r.event["type"]
                for r in self.got
                if r.status == 200 and (path is None or r.path == path)
            ]


@contextmanager
def webhook_receiver(secrets: list[str] | None = None) -> Iterator[Receiver]:
    state = Receiver(secrets=list(secrets or []))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = state.verify(body, headers)
            with state.lock:
                status = state.answers.pop(0) if state.answers else 200
                message = headers.get("webhook-id")
                if state.first_message is None:
                    state.first_message = message
                if message == state.first_message and state.refuse_first_message > 0:
                    state.refuse_first_message -= 1
                    status = 500
                if state.signed and not verified:
                    status = 401  # an unsigned or forged delivery is refused
                state.got.append(Received(self.path, headers, body, status, verified))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
