"""The gate in front of the app: a bounded number of requests inside, SQLite writes one at
a time, probes and event streams never held back."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Receive, Scope, Send

from autoclip.service.middleware import ConcurrencyGate


class Held:
    """An app whose requests stay inside until released; it counts who is inside."""

    def __init__(self) -> None:
        self.inside: list[str] = []
        self.peak_writers = 0
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside.append(scope["path"])
        writers = sum(1 for path in self.inside if path.startswith("/write"))
        self.peak_writers = max(self.peak_writers, writers)
        await self.release.wait()
        self.inside.remove(scope["path"])


async def settled() -> None:
    """Return once every task has run as far as it can: all are waiting on the gate or on
    the app's release. The loop has no I/O here, so passing control a few times is enough,
    and no wall-clock wait is needed."""
    for _ in range(20):
        await asyncio.sleep(0)


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path}


async def _nothing() -> dict[str, Any]:
    return {"type": "http.request"}


async def _drop(message: Any) -> None:
    return None


def test_requests_beyond_the_limit_wait_outside() -> None:
    async def scenario() -> None:
        app = Held()
        gate = ConcurrencyGate(app, limit=2, one_writer=True)
        calls = [
            asyncio.create_task(gate(_scope(method, path), _nothing, _drop))
            for method, path in (
                ("GET", "/read/1"),
                ("POST", "/write/1"),
                ("POST", "/write/2"),  # waits: a writer is inside
                ("GET", "/read/2"),  # waits: both slots are taken
                ("GET", "/health"),
                ("GET", "/api/v1/contents/x/events"),
            )
        ]
        await settled()
        assert sorted(app.inside) == [
            "/api/v1/contents/x/events", "/health", "/read/1", "/write/1",
        ]  # fmt: skip
        app.release.set()
        await asyncio.wait_for(asyncio.gather(*calls), 5)
        assert app.inside == []
        assert app.peak_writers == 1

    asyncio.run(scenario())


def test_without_sqlite_writes_share_the_slots() -> None:
    async def scenario() -> None:
        app = Held()
        gate = ConcurrencyGate(app, limit=3, one_writer=False)
        calls = [
            asyncio.create_task(gate(_scope("POST", f"/write/{n}"), _nothing, _drop))
            for n in range(4)
        ]
        await settled()
        assert len(app.inside) == 3
        app.release.set()
        await asyncio.wait_for(asyncio.gather(*calls), 5)
        assert app.peak_writers == 3

    asyncio.run(scenario())
