"""The manual's success-rate SLA under provider faults, through the whole service: with 30%
of provider calls failing (429 with Retry-After, 500, 503, bodies cut short), at least 95%
of a batch of contents still ends ready — the HTTP kit retries each call, the job system
retries each stage, and the stage cache keeps what already succeeded. With a provider
fully down, the fallback chains make the video and the content says who served what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from autoclip.service.models import ContentStatus, User
from autoclip.service.runtime import Runtime
from autoclip.settings import WorkerSettings
from fake_cloud import FakeCloud, fake_cloud
from service.conftest import forget_callers, sign_up
from service.test_jobs_embedded import Start, start
from service.test_jobs_support import API, check_draft_video, wait_finished

__all__ = ["start"]  # a fixture, used by name

BATCH = 20
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def cloud_overrides(cloud: FakeCloud, **chains: Any) -> dict[str, Any]:
    return {
        "gemini_api_key": "gemini-test-key",
        "gemini_base_url": cloud.base_url,
        "elevenlabs_api_key": "eleven-test-key",
        "elevenlabs_base_url": cloud.base_url,
        # Faults are retried within a second or two; job retries come quickly after.
        "worker": WorkerSettings(
            threads=2, lease_seconds=10, reconcile_seconds=1, retry_base_seconds=1
        ),
        **chains,
    }


def unlimited(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        session.execute(update(User).values(plan_id="enterprise"))
    forget_callers(runtime)


def create_topic(client: TestClient, auth: dict[str, str], topic: str) -> str:
    made = client.post(
        f"{API}/contents",
        json={
            "generation_type": "topic",
            "topic": topic,
            "language": "en",
            "options": {"draft": True},
        },
        headers=auth,
    )
    assert made.status_code == 202, made.text
    content_id = made.json()["id"]
    assert isinstance(content_id, str)
    return content_id


def test_with_30_percent_of_calls_failing_95_percent_of_contents_end_ready(
    start: Start, ffprobe: Path
) -> None:
    with fake_cloud(failure_rate=0.3, seed=2026) as cloud:
        runtime, client = start(
            **cloud_overrides(
                cloud, script_writer="gemini", narrator="elevenlabs", visuals="gemini"
            )
        )
        auth = sign_up(client)
        unlimited(runtime)
        ids = [create_topic(client, auth, f"sleep tip number {n}") for n in range(BATCH)]
        finished = [wait_finished(runtime, content_id, timeout=900) for content_id in ids]

    ready = [content for content in finished if content.status is ContentStatus.READY]
    failures = {str(c.id): c.error for c in finished if c.status is not ContentStatus.READY}
    assert len(ready) >= 0.95 * BATCH, failures
    # The faults really happened, at about the rate asked for.
    assert 0.2 <= cloud.failures.total() / cloud.calls.total() <= 0.4
    for content in ready:
        served = content.served
        assert served is not None
        assert served.script == "gemini"
        assert served.narration == "elevenlabs"
        assert set(served.visuals or []) == {"gemini"}
        assert content.cost_usd > 0
    sample = ready[0]
    assert sample.outputs is not None
    assert sample.duration_s is not None
    video = runtime.settings.data_dir / sample.outputs.video
    check_draft_video(ffprobe, video, sample.duration_s)


def test_with_the_providers_down_the_fallbacks_serve_and_say_so(start: Start) -> None:
    with fake_cloud(down=frozenset({"gemini", "elevenlabs"})) as cloud:
        runtime, client = start(
            **cloud_overrides(
                cloud,
                script_writer="gemini,offline",
                narrator="elevenlabs,piper,espeak",
                visuals="gemini,cards",
            )
        )
        auth = sign_up(client)
        made = client.post(
            f"{API}/contents",
            json={
                "generation_type": "text",
                "text": "Sleep well by keeping a regular bedtime. Dim the lights an hour "
                "before bed. Keep your phone out of the bedroom. Skip coffee after noon.",
                "language": "en",
                "options": {"draft": True},
            },
            headers=auth,
        )
        assert made.status_code == 202, made.text
        content = wait_finished(runtime, made.json()["id"], timeout=300)
    assert content.status is ContentStatus.READY, content.error
    shown = client.get(f"{API}/contents/{content.id}", headers=auth).json()
    assert shown["served"]["script"] == "offline"
    assert shown["served"]["narration"] == "piper"
    assert set(shown["served"]["visuals"]) == {"cards"}
    assert shown["cost_usd"] == 0
