"""The server-sent event stream of one content's progress.

It polls the content row (the truth, whichever worker is writing it) twice a second and
sends an event when something changed, so it works the same embedded and distributed.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from autoclip.service.contents.repository import ContentRepository
from autoclip.service.models import ContentStatus
from autoclip.service.runtime import Runtime

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
MAX_STREAM_SECONDS = 3600.0
ACTIVE = (ContentStatus.QUEUED, ContentStatus.PROCESSING)


def _snapshot(runtime: Runtime, content_id: uuid.UUID) -> dict[str, Any] | None:
    with runtime.db.session(write=False) as session:
        row = ContentRepository(session).progress(content_id)
    if row is None:
        return None
    return {
        "id": str(content_id),
        "status": row.status.value,
        "stage": row.stage,
        "progress": row.progress,
        "error": row.error,
    }


def _event(name: str, number: int, data: dict[str, Any]) -> str:
    return f"id: {number}\nevent: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def content_events(
    runtime: Runtime, request: Request, content_id: uuid.UUID
) -> AsyncIterator[str]:
    began = last_sent = time.monotonic()
    previous: dict[str, Any] | None = None
    number = 0
    yield "retry: 2000\n\n"
    while time.monotonic() - began < MAX_STREAM_SECONDS:
        if await request.is_disconnected():
            return
        snapshot = await run_in_threadpool(_snapshot, runtime, content_id)
        if snapshot is None:
            number += 1
            yield _event("deleted", number, {"id": str(content_id)})
            return
        if snapshot != previous:
            number += 1
            yield _event("progress", number, snapshot)
            previous, last_sent = snapshot, time.monotonic()
        if ContentStatus(snapshot["status"]) not in ACTIVE:
            number += 1
            yield _event("done", number, snapshot)
            return
        if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)
