"""The shared HTTP kit against a local server: retries, waits, classification, breaker."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Mapping

import httpx
import pytest

from autoclip.providers.cloud.breaker import BreakerState, CircuitBreaker
from autoclip.providers.cloud.errors import (
    PermanentProviderError,
    ProviderUnavailable,
    RetriableProviderError,
)
from autoclip.providers.cloud.http import ProviderHttp, RetryPolicy
from providers.fakes import (
    GEMINI_INTERNAL,
    GEMINI_OVERLOADED,
    FakeClock,
    FakeProvider,
    ListMeter,
    Reply,
    Sleeps,
    gemini_error,
    gemini_rate_limited,
    http_date,
    state,
)

KEY = "AIzaSy-test-secret-key-0123456789"
OK = Reply(200, {"ok": True})


def kit(
    server: FakeProvider,
    sleeps: Sleeps,
    *,
    attempts: int = 3,
    timeout_s: float = 2.0,
    deadline_s: float = 30.0,
    breaker: CircuitBreaker | None = None,
    clock: FakeClock | None = None,
    usage: list[tuple[str, dict[str, float]]] | None = None,
) -> ProviderHttp:
    return ProviderHttp(
        "gemini",
        server.base_url,
        auth_headers={"x-goog-api-key": KEY},
        timeout_s=timeout_s,
        retry=RetryPolicy(max_attempts=attempts, deadline_s=deadline_s, max_retry_after_s=10),
        breaker=breaker or CircuitBreaker(),
        meter=ListMeter(usage),
        sleep=sleeps,
        clock=clock or time.monotonic,
        jitter=lambda: 1.0,  # the top of each backoff range, so waits are predictable
    )


def test_success_returns_the_json_and_sends_the_key_in_a_header(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(OK)
    with kit(server, sleeps) as http:
        assert http.post_json("/v1beta/models/m:generateContent", {"a": 1}) == {"ok": True}
    (request,) = server.requests
    assert request.path == "/v1beta/models/m:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert request.query == {}
    assert request.json() == {"a": 1}
    assert sleeps.waits == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After": http_date(-60)}, 0.0),  # a date already past: no wait
    ],
)
def test_429_waits_as_long_as_the_provider_asks(
    server: FakeProvider, sleeps: Sleeps, headers: dict[str, str], expected: float
) -> None:
    server.queue(Reply(429, gemini_error(429, "RESOURCE_EXHAUSTED", "slow down"), headers), OK)
    with kit(server, sleeps) as http:
        assert http.post_json("/x", {}) == {"ok": True}
    assert sleeps.waits == [pytest.approx(expected)]
    assert len(server.requests) == 2


def test_retry_after_as_a_future_http_date(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(429, {}, {"Retry-After": http_date(5)}), OK)
    with kit(server, sleeps) as http:
        http.post_json("/x", {})
    (wait,) = sleeps.waits
    assert 3.0 <= wait <= 5.0  # the header has whole seconds


def test_google_retry_info_is_honoured_without_a_header(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(gemini_rate_limited(retry_delay="7s"), OK)
    with kit(server, sleeps) as http:
        http.post_json("/x", {})
    assert sleeps.waits == [7.0]


def test_a_wait_longer_than_allowed_is_not_waited_for(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(gemini_rate_limited(retry_after="3600"), OK)
    with kit(server, sleeps) as http, pytest.raises(RetriableProviderError) as caught:
        http.post_json("/x", {})
    assert caught.value.retry_after == 3600
    assert caught.value.status == 429
    assert "RESOURCE_EXHAUSTED" in str(caught.value)
    assert sleeps.waits == []
    assert len(server.requests) == 1


def test_a_wait_past_the_deadline_gives_up_at_once(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(gemini_rate_limited(retry_after="8"), OK)
    with kit(server, sleeps, deadline_s=5) as http, pytest.raises(RetriableProviderError):
        http.post_json("/x", {})
    assert sleeps.waits == []


def test_server_errors_are_retried_with_exponential_backoff(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(GEMINI_INTERNAL, GEMINI_OVERLOADED, OK)
    with kit(server, sleeps) as http:
        assert http.post_json("/x", {}) == {"ok": True}
    assert sleeps.waits == [1.0, 2.0]


def test_full_jitter_draws_below_the_backoff_ceiling(server: FakeProvider) -> None:
    server.queue(GEMINI_OVERLOADED, GEMINI_OVERLOADED, OK)
    sleeps = Sleeps()
    http = ProviderHttp("gemini", server.base_url, sleep=sleeps, jitter=lambda: 0.25)
    with http:
        http.post_json("/x", {})
    assert sleeps.waits == [0.25, 0.5]


def test_exhausted_retries_raise_a_retriable_error(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(GEMINI_OVERLOADED, GEMINI_OVERLOADED, GEMINI_OVERLOADED)
    with kit(server, sleeps) as http, pytest.raises(RetriableProviderError) as caught:
        http.post_json("/x", {})
    error = caught.value
    assert not isinstance(error, ProviderUnavailable)
    assert error.status == 503
    assert "gave up after 3 attempts" in str(error)
    assert "The model is overloaded" in str(error)
    assert len(server.requests) == 3
    assert len(sleeps.waits) == 2


def test_a_slow_answer_times_out_and_is_retried(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(200, {"late": True}, delay_s=1.0), OK)
    with kit(server, sleeps, timeout_s=0.3) as http:
        assert http.post_json("/x", {}) == {"ok": True}
    assert len(server.requests) == 2
    assert len(sleeps.waits) == 1


def test_timeouts_until_the_end_raise_a_retriable_error(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(Reply(200, {}, delay_s=0.8), Reply(200, {}, delay_s=0.8))
    http = kit(server, sleeps, attempts=2, timeout_s=0.2)
    with http, pytest.raises(RetriableProviderError, match=r"no complete answer within 0\.2 s"):
        http.post_json("/x", {})


def test_a_body_cut_short_is_retried(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(200, {"candidates": ["x" * 200]}, truncate=True), OK)
    with kit(server, sleeps) as http:
        assert http.post_json("/x", {}) == {"ok": True}
    assert len(server.requests) == 2


def test_malformed_json_is_retried(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(200, '{"candidates": [{"content": '), OK)
    with kit(server, sleeps) as http:
        assert http.post_json("/x", {}) == {"ok": True}


def test_an_html_page_is_a_permanent_error(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(200, "<html>login</html>", content_type="text/html"))
    with kit(server, sleeps) as http, pytest.raises(PermanentProviderError, match="base URL"):
        http.post_json("/x", {})
    assert len(server.requests) == 1


def test_a_refused_connection_is_retriable(sleeps: Sleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens
    http = ProviderHttp(
        "gemini", f"http://127.0.0.1:{port}", sleep=sleeps, retry=RetryPolicy(max_attempts=2)
    )
    with http, pytest.raises(RetriableProviderError, match="connection failed"):
        http.post_json("/x", {})
    assert len(sleeps.waits) == 1


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
        (401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
        (403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."),
        (404, "NOT_FOUND", "models/gemini-9 is not found for API version v1beta."),
        (422, "INVALID_ARGUMENT", "Unprocessable."),
    ],
)
def test_client_errors_are_permanent_with_the_provider_message(
    server: FakeProvider, sleeps: Sleeps, status: int, kind: str, message: str
) -> None:
    server.queue(Reply(status, gemini_error(status, kind, message)), OK)
    with kit(server, sleeps) as http, pytest.raises(PermanentProviderError) as caught:
        http.post_json("/x", {})
    assert caught.value.status == status
    assert caught.value.detail == f"{kind}: {message}"
    assert message in str(caught.value)
    assert len(server.requests) == 1
    assert sleeps.waits == []


def test_secrets_stay_out_of_errors_logs_and_repr(
    server: FakeProvider, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    echoed = f"API key {KEY} is not valid"  # a provider echoing the key back
    server.queue(
        Reply(503, gemini_error(503, "UNAVAILABLE", echoed)),
        Reply(401, gemini_error(401, "UNAUTHENTICATED", echoed)),
    )
    caplog.set_level(logging.DEBUG)
    http = kit(server, sleeps)
    with http, pytest.raises(PermanentProviderError) as caught:
        http.post_json("/x", {})
    error = caught.value
    assert "***" in str(error)
    for text in (str(error), repr(error), error.detail, repr(http), caplog.text):
        assert KEY not in text
    assert "attempt 1 of 3 failed" in caplog.text
    assert error.__cause__ is None  # no httpx exception (holding the request) chained


def test_bearer_tokens_are_redacted_as_well() -> None:
    http = ProviderHttp(
        "openai", "http://127.0.0.1:9", auth_headers={"Authorization": "Bearer sk-123456"}
    )
    assert http.redact("bad key sk-123456") == "bad key ***"


def test_breaker_fails_fast_then_recovers_after_the_cooldown(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=4, cooldown_s=60, clock=clock)
    server.queue(*[GEMINI_OVERLOADED] * 4)
    with kit(server, sleeps, attempts=2, breaker=breaker, clock=clock) as http:
        for _ in range(2):
            with pytest.raises(RetriableProviderError):
                http.post_json("/x", {})
        assert state(breaker) is BreakerState.OPEN
        assert len(server.requests) == 4
        with pytest.raises(ProviderUnavailable) as caught:
            http.post_json("/x", {})
        assert len(server.requests) == 4  # nothing was sent
        assert caught.value.retry_after == pytest.approx(60)
        clock.advance(60)
        server.queue(OK)
        assert http.post_json("/x", {}) == {"ok": True}
        assert state(breaker) is BreakerState.CLOSED


def test_the_breaker_opening_mid_call_stops_the_retries(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=60)
    server.queue(GEMINI_OVERLOADED, GEMINI_OVERLOADED, OK)
    with (
        kit(server, sleeps, attempts=3, breaker=breaker) as http,
        pytest.raises(ProviderUnavailable),
    ):
        http.post_json("/x", {})
    assert len(server.requests) == 2


def test_permanent_errors_do_not_open_the_breaker(server: FakeProvider, sleeps: Sleeps) -> None:
    breaker = CircuitBreaker(failure_threshold=1)
    server.queue(Reply(401, gemini_error(401, "UNAUTHENTICATED", "no")))
    with kit(server, sleeps, breaker=breaker) as http, pytest.raises(PermanentProviderError):
        http.post_json("/x", {})
    assert state(breaker) is BreakerState.CLOSED


def test_usage_meter_gets_the_units_and_its_failures_are_contained(
    server: FakeProvider, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[str, dict[str, float]]] = []
    with kit(server, sleeps, usage=seen) as http:
        http.report_usage({"input_tokens": 3, "output_tokens": 4})
    assert seen == [("gemini", {"input_tokens": 3.0, "output_tokens": 4.0})]

    class Broken(ListMeter):
        def record(self, service: str, units: Mapping[str, float]) -> None:
            raise RuntimeError("meter down")

    ProviderHttp("gemini", server.base_url, meter=Broken()).report_usage({"requests": 1})
    assert "usage meter failed" in caplog.text


def test_an_injected_client_is_used_and_left_open(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(OK)
    with httpx.Client() as client:
        with ProviderHttp("gemini", server.base_url, client=client, sleep=sleeps) as http:
            http.post_json("/x", {})
        assert not client.is_closed
