"""The kit reads the provider's own message from FastAPI-style `{"detail": ...}` error bodies
(ElevenLabs) as well as from `{"error": ...}` ones."""

from __future__ import annotations

import time
from typing import Any

import pytest

from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import PermanentProviderError, RetriableProviderError
from autoclip.providers.cloud.http import ProviderHttp, RetryPolicy
from providers.fakes import FakeProvider, Reply, Sleeps

KEY = "sk_detail-test-secret-0123456789"


def kit(server: FakeProvider, sleeps: Sleeps) -> ProviderHttp:
    return ProviderHttp(
        "elevenlabs",
        server.base_url,
        auth_headers={"xi-api-key": KEY},
        timeout_s=2.0,
        retry=RetryPolicy(max_attempts=1, deadline_s=30),
        breaker=CircuitBreaker(),
        sleep=sleeps,
        clock=time.monotonic,
        jitter=lambda: 1.0,
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}},
            "invalid_api_key: Invalid API key",
        ),
        ({"detail": {"message": "Voice not found"}}, "Voice not found"),
        ({"detail": {"status": "quota_exceeded"}}, "quota_exceeded"),
        ({"detail": "Not Found"}, "Not Found"),
        (
            {
                "detail": [
                    {"loc": ["body", "text"], "msg": "field required", "type": "missing"},
                    {"loc": ["query", "output_format"], "msg": "bad format", "type": "enum"},
                ]
            },
            "body.text: field required; query.output_format: bad format",
        ),
        ({"detail": [{"msg": "no location"}, "odd entry"]}, 'no location; "odd entry"'),
        # An `error` key wins over a `detail` next to it, as before.
        (
            {"error": {"message": "from error", "type": "invalid"}, "detail": "from detail"},
            "invalid: from error",
        ),
    ],
    ids=["status-message", "message", "status", "string", "validation", "odd-list", "error"],
)
def test_detail_bodies_give_the_providers_message(
    server: FakeProvider, sleeps: Sleeps, body: dict[str, Any], detail: str
) -> None:
    server.queue(Reply(422, body))
    with pytest.raises(PermanentProviderError) as caught:
        kit(server, sleeps).post_json("/v1/anything", {})
    assert caught.value.detail == detail


def test_a_retriable_detail_body_keeps_its_message_and_hides_the_key(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    server.queue(
        Reply(
            429,
            {"detail": {"status": "system_busy", "message": f"busy; your key {KEY} is fine"}},
            headers={"Retry-After": "1"},
        )
    )
    with pytest.raises(RetriableProviderError) as caught:
        kit(server, sleeps).post_json("/v1/anything", {})
    assert caught.value.detail == "system_busy: busy; your key *** is fine"
    assert caught.value.retry_after == 1.0
    assert KEY not in str(caught.value)
