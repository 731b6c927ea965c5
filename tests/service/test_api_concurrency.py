"""Credits under real concurrency: parallel requests against a real server never spend a
credit twice, and one Idempotency-Key sent at once from many clients makes one content.

The app runs in uvicorn on a free port (in a thread); clients send from their own threads
after a barrier, and the server holds every request at its door until all of them have
arrived, which proves they really were in flight together.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from starlette.types import ASGIApp, Receive, Scope, Send

from autoclip.service.app import create_app
from autoclip.service.models import Content, CreditEntry, LedgerReason, User
from autoclip.service.runtime import Runtime
from service.conftest import sign_up

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
N = 8
TEXT = (
    "수면은 건강의 기본입니다. 매일 같은 시간에 잠자리에 들면 몸의 리듬이 안정됩니다. "
    "잠들기 전에 화면을 멀리하면 깊은 잠을 잘 수 있습니다."
)
GATHER_SECONDS = 20.0


@dataclass
class Gate:
    """ASGI wrapper: each POST /api/v1/contents waits until `expected` of them are inside."""

    app: ASGIApp
    expected: int = N
    arrived: int = 0
    peak: int = 0
    inside: int = 0
    timed_out: int = 0
    _all_in: asyncio.Event | None = field(default=None, repr=False)

    def reset(self) -> None:
        self.arrived = self.peak = self.inside = self.timed_out = 0
        self._all_in = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gated = (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == "/api/v1/contents"
        )
        if not gated:
            await self.app(scope, receive, send)
            return
        if self._all_in is None:
            self._all_in = asyncio.Event()  # made on the server's own loop
        all_in = self._all_in
        self.arrived += 1
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        if self.arrived >= self.expected:
            all_in.set()
        try:
            try:
                await asyncio.wait_for(all_in.wait(), GATHER_SECONDS)
            except TimeoutError:
                self.timed_out += 1
            await self.app(scope, receive, send)
        finally:
            self.inside -= 1


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Run `app` in uvicorn on a free port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5, backlog=64
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


def fire(
    base_url: str, auth: dict[str, str], bodies: list[dict[str, object]], headers: dict[str, str]
) -> list[httpx.Response]:
    """POST every body at once, one thread and one connection each."""
    barrier = threading.Barrier(len(bodies))

    def send(body: dict[str, object]) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            barrier.wait(timeout=30)
            response = http.post("/api/v1/contents", json=body, headers={**auth, **headers})
            response.read()
            return response

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def set_balance(runtime: Runtime, credits: int) -> None:
    with runtime.db.session() as session:
        session.execute(update(User).values(credit_balance=credits))


def test_parallel_generations_never_overspend(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    gate = Gate(create_app(runtime, run_worker=False))
    with serve(gate) as base_url:
        for round_number in range(1, 3):
            gate.reset()
            set_balance(runtime, N - 1)
            bodies: list[dict[str, object]] = [
                {"generation_type": "text", "text": f"{TEXT} ({round_number}.{n})"}
                for n in range(N)
            ]
            responses = fire(base_url, auth, bodies, {})

            assert gate.timed_out == 0, "the requests were not in flight together"
            assert gate.peak == N
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [202] * (N - 1) + [402], [r.text for r in responses]
            [refused] = [r for r in responses if r.status_code == 402]
            assert refused.headers["content-type"].startswith("application/problem+json")
            made = {r.json()["id"] for r in responses if r.status_code == 202}
            assert len(made) == N - 1

            with runtime.db.session(write=False) as session:
                user = session.execute(select(User)).scalar_one()
                assert user.credit_balance == 0
                debits = session.scalars(
                    select(CreditEntry).where(CreditEntry.reason == LedgerReason.GENERATION)
                ).all()
                contents = session.execute(select(func.count()).select_from(Content)).scalar_one()
            assert len(debits) == (N - 1) * round_number
            this_round = [d for d in debits if str(d.content_id) in made]
            assert len(this_round) == N - 1
            # Each debit saw its own balance: N-2, ..., 1, 0, once each.
            assert sorted(d.balance_after or 0 for d in this_round) == list(range(N - 1))
            assert contents == (N - 1) * round_number


def test_one_idempotency_key_sent_at_once(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    gate = Gate(create_app(runtime, run_worker=False))
    key = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
    body: dict[str, object] = {"generation_type": "text", "text": TEXT}
    with serve(gate) as base_url:
        responses = fire(base_url, auth, [body] * N, key)

    assert gate.timed_out == 0
    assert gate.peak == N
    assert [r.status_code for r in responses] == [202] * N, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    replayed = [r.headers.get("Idempotent-Replayed") for r in responses]
    assert replayed.count("true") == N - 1
    assert replayed.count(None) == 1
    with runtime.db.session(write=False) as session:
        user = session.execute(select(User)).scalar_one()
        assert user.credit_balance == 2  # charged once
        contents = session.execute(select(func.count()).select_from(Content)).scalar_one()
        assert contents == 1
        debits = session.execute(
            select(func.count())
            .select_from(CreditEntry)
            .where(CreditEntry.reason == LedgerReason.GENERATION)
        ).scalar_one()
        assert debits == 1
