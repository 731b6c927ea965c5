"""A circuit breaker: stop calling a service that keeps failing, try again after a pause.

closed ──(N consecutive failures)──▶ open ──(cool-down elapsed)──▶ half-open
half-open ──(the one trial call succeeds)──▶ closed
half-open ──(the trial call fails)──▶ open again, for a new cool-down

While open, `acquire()` answers False at once, so callers fail fast instead of waiting on
timeouts. In half-open exactly one caller at a time is let through as the trial. The clock
is injectable so tests can step over the cool-down without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum

# Ten in a row: a provider failing 30% of calls at random (overloaded, not down) has ten
# consecutive failures once in about 170,000 calls (0.3**10), so the breaker stays closed
# and retries carry the work; a provider that is down fails ten calls in a row at once.
# (Five in a row happen once in about 400 such calls: in the fault test that opened the
# breaker mid-batch, and 6 of 20 contents failed.)
DEFAULT_FAILURE_THRESHOLD = 10
# While the trial call of a half-open breaker runs, others are told to come back in this
# long: about what one provider call takes, so they neither spin nor wait a cool-down.
TRIAL_WAIT_S = 5.0


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if cooldown_s < 0:
            raise ValueError("cooldown_s must not be negative")
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    def __repr__(self) -> str:
        return (
            f"CircuitBreaker(state={self.state.value}, failures={self._failures}, "
            f"threshold={self.failure_threshold}, cooldown_s={self.cooldown_s})"
        )

    @property
    def state(self) -> BreakerState:
        with self._lock:
            self._advance()
            return self._state

    def acquire(self) -> bool:
        """May a call go out now? In half-open, True for the single trial caller only.

        Every True must be followed by `record_success()`, `record_failure()` or `release()`.
        """
        with self._lock:
            self._advance()
            if self._state is BreakerState.CLOSED:
                return True
            if self._state is BreakerState.HALF_OPEN and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def retry_after(self) -> float:
        """Seconds until a call may go out (0 when it could now)."""
        with self._lock:
            self._advance()
            if self._state is BreakerState.HALF_OPEN and self._trial_running:
                return min(self.cooldown_s, TRIAL_WAIT_S)
            if self._state is not BreakerState.OPEN:
                return 0.0
            return max(0.0, self._opened_at + self.cooldown_s - self._clock())

    def record_success(self) -> None:
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._trial_running = False

    def release(self) -> None:
        """End a call whose outcome says nothing about the service (it was interrupted)."""
        with self._lock:
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._advance()
            self._failures += 1
            trial_failed = self._state is BreakerState.HALF_OPEN
            if trial_failed or self._failures >= self.failure_threshold:
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()
            self._trial_running = False

    def _advance(self) -> None:
        """Move open → half-open once the cool-down has passed (caller holds the lock)."""
        if self._state is BreakerState.OPEN and self._clock() >= self._opened_at + self.cooldown_s:
            self._state = BreakerState.HALF_OPEN
            self._trial_running = False


_SHARED: dict[str, CircuitBreaker] = {}
_SHARED_LOCK = threading.Lock()


def shared_breaker(key: str) -> CircuitBreaker:
    """The process-wide breaker for `key` (a service and its base URL), made on first use.

    Writers are built per job, so a breaker per writer would never see enough failures to
    open; this one is shared by every caller of the same endpoint in the process.
    """
    with _SHARED_LOCK:
        breaker = _SHARED.get(key)
        if breaker is None:
            breaker = _SHARED[key] = CircuitBreaker()
        return breaker


def shared_breakers() -> dict[str, CircuitBreaker]:
    """Every shared breaker made so far, by key (for metrics)."""
    with _SHARED_LOCK:
        return dict(_SHARED)
