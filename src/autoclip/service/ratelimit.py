"""Counting per key in fixed windows: requests per minute, failed sign-ins per quarter hour.

Embedded mode counts in process; distributed mode counts in Redis (INCR + EXPIRE in one
round trip), so every API replica shares one budget per key. Both take a clock, so tests
move time instead of waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis import Redis

WINDOW_SECONDS = 60
Clock = Callable[[], float]


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
    # Whether the counts live in this process (no I/O: a request may be counted on the
    # event loop) or on a server (Redis: counted from a worker thread).
    local: bool

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> RateDecision:
        """Count one more for `key` in the current window and decide."""
        ...

    def peek(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> RateDecision:
        """Decide on `key` as it stands, counting nothing (allowed while below `limit`)."""
        ...

    def forget(self, key: str, window: int = WINDOW_SECONDS) -> None:
        """Drop `key`'s count in the current window."""
        ...

    def with_clock(self, clock: Clock) -> RateLimiter:
        """A limiter of the same kind, on the same store, that reads `clock`."""
        ...


def _decide(count: int, limit: int, now: float, window: int, counted: bool) -> RateDecision:
    reset_in = window - int(now) % window
    allowed = count <= limit if counted else count < limit
    return RateDecision(allowed, limit, max(limit - count, 0), reset_in)


class MemoryRateLimiter:
    local = True

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int, int], int] = {}  # (key, window, index) -> count

    def _slot(self, key: str, window: int, now: float) -> tuple[str, int, int]:
        index = int(now) // window
        if len(self._counts) > 10_000:  # forget windows that have passed
            self._counts = {s: c for s, c in self._counts.items() if s[2] >= int(now) // s[1]}
        return (key, window, index)

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> RateDecision:
        now = self._clock()
        with self._lock:
            slot = self._slot(key, window, now)
            count = self._counts.get(slot, 0) + 1
            self._counts[slot] = count
        return _decide(count, limit, now, window, counted=True)

    def peek(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> RateDecision:
        now = self._clock()
        with self._lock:
            count = self._counts.get(self._slot(key, window, now), 0)
        return _decide(count, limit, now, window, counted=False)

    def forget(self, key: str, window: int = WINDOW_SECONDS) -> None:
        now = self._clock()
        with self._lock:
            self._counts.pop(self._slot(key, window, now), None)

    def with_clock(self, clock: Clock) -> MemoryRateLimiter:
        return MemoryRateLimiter(clock)


class RedisRateLimiter:
    local = False

    def __init__(self, client: Redis, clock: Clock = time.time) -> None:
        self._redis = client
        self._clock = clock

    @staticmethod
    def _key(key: str, window: int, now: float) -> str:
        return f"ratelimit:{key}:{window}:{int(now) // window}"

    def hit(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> RateDecision:
        now = self._clock()
        name = self._key(key, window, now)
        pipe = self._redis.pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, window + 5)
        count, _ = pipe.execute()
        return _decide(int(count), limit, now, window, counted=True)

    def peek(self, key: str, limit: int, window: int = WINDOW_SECONDS) -> RateDecision:
        now = self._clock()
        count = self._redis.get(self._key(key, window, now))
        return _decide(int(count or 0), limit, now, window, counted=False)

    def forget(self, key: str, window: int = WINDOW_SECONDS) -> None:
        self._redis.delete(self._key(key, window, self._clock()))

    def with_clock(self, clock: Clock) -> RedisRateLimiter:
        return RedisRateLimiter(self._redis, clock)
