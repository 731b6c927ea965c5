from __future__ import annotations

import threading

import pytest

from autoclip.providers.cloud.breaker import BreakerState, CircuitBreaker, shared_breaker
from providers.fakes import FakeClock, state


def test_opens_after_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=10, clock=FakeClock())
    for _ in range(2):
        assert breaker.acquire()
        breaker.record_failure()
    assert breaker.acquire()
    breaker.record_success()  # a success in between resets the count
    for _ in range(2):
        assert breaker.acquire()
        breaker.record_failure()
    assert state(breaker) is BreakerState.CLOSED
    assert breaker.acquire()
    breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN
    assert not breaker.acquire()


def test_half_open_after_cooldown_lets_one_trial_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=30, clock=clock)
    breaker.record_failure()
    clock.advance(29)
    assert not breaker.acquire()
    assert breaker.retry_after() == pytest.approx(1)
    clock.advance(1)
    assert state(breaker) is BreakerState.HALF_OPEN
    assert breaker.acquire()  # the trial
    assert not breaker.acquire()  # everyone else waits for its outcome
    assert breaker.retry_after() == pytest.approx(5)  # about one call, not a cool-down
    breaker.record_success()
    assert state(breaker) is BreakerState.CLOSED
    assert breaker.acquire()


def test_failed_trial_reopens_for_a_new_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=5, cooldown_s=10, clock=clock)
    for _ in range(5):
        breaker.record_failure()
    clock.advance(10)
    assert breaker.acquire()
    breaker.record_failure()  # one failure is enough in half-open
    assert state(breaker) is BreakerState.OPEN
    assert breaker.retry_after() == pytest.approx(10)
    clock.advance(10)
    assert breaker.acquire()


def test_released_trial_lets_the_next_caller_try() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=1, clock=clock)
    breaker.record_failure()
    clock.advance(1)
    assert breaker.acquire()
    breaker.release()
    assert state(breaker) is BreakerState.HALF_OPEN
    assert breaker.acquire()


def test_only_one_thread_wins_the_half_open_trial() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=1, clock=clock)
    breaker.record_failure()
    clock.advance(1)
    start = threading.Barrier(16)
    results: list[bool] = []
    lock = threading.Lock()

    def contend() -> None:
        start.wait()
        allowed = breaker.acquire()
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=contend) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


def test_shared_breaker_is_one_per_key() -> None:
    assert shared_breaker("test a") is shared_breaker("test a")
    assert shared_breaker("test a") is not shared_breaker("test b")


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=0)
