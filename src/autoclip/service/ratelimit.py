"""Requests per minute per client, in a fixed one-minute window.

Embedded mode counts in process; distributed mode counts in Redis (INCR + EXPIRE in one
round trip), so every API replica shares one budget per client.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from redis import Redis

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_in: int  # seconds until the window resets

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_in),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_in)
        return headers


class RateLimiter(Protocol):
    def hit(self, client: str, limit: int) -> RateDecision: ...


def _decide(count: int, limit: int, now: float) -> RateDecision:
    reset_in = WINDOW_SECONDS - int(now) % WINDOW_SECONDS
    return RateDecision(count <= limit, limit, max(limit - count, 0), reset_in)


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, client: str, limit: int) -> RateDecision:
        now = time.time()
        window = int(now) // WINDOW_SECONDS
        with self._lock:
            if window != self._window:  # a new minute: forget the last one
                self._window, self._counts = window, {}
            count = self._counts.get(client, 0) + 1
            self._counts[client] = count
        return _decide(count, limit, now)


class RedisRateLimiter:
    def __init__(self, client: Redis) -> None:
        self._redis = client

    def hit(self, client: str, limit: int) -> RateDecision:
        now = time.time()
        key = f"ratelimit:{client}:{int(now) // WINDOW_SECONDS}"
        pipe = self._redis.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS + 5)
        count, _ = pipe.execute()
        return _decide(int(count), limit, now)
