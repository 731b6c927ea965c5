"""A topic becomes a video once a script-writing model is configured (here a local server
that answers as Gemini's generateContent does). The same model reviews the script, and
both paid calls are accounted to the content."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from autoclip.providers.cloud.usage import PRICES
from autoclip.service.app import create_app
from autoclip.service.models import ContentStatus
from autoclip.service.runtime import build_runtime
from autoclip.settings import Settings
from providers.fakes import Reply, fake_provider, gemini_answer, gemini_script
from service.conftest import sign_up
from service.test_jobs_support import wait_finished


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_topic_content_is_written_by_the_model_and_rendered(
    make_settings: Callable[..., Settings],
) -> None:
    with fake_provider() as gemini:
        gemini.queue(gemini_script("ko"), Reply(200, gemini_answer('{"flags": []}')))
        settings = make_settings(
            rate_limits=False,
            script_writer="gemini",
            gemini_api_key=SecretStr("test-key"),
            gemini_base_url=gemini.base_url,
        )
        runtime = build_runtime(settings)
        try:
            with TestClient(create_app(runtime)) as client:
                auth = sign_up(client)
                made = client.post(
                    "/api/v1/contents",
                    json={
                        "generation_type": "topic",
                        "topic": "노년의 숙면 습관",
                        "language": "ko",
                        "options": {"draft": True},
                    },
                    headers=auth,
                )
                assert made.status_code == 202, made.text
                content = wait_finished(runtime, made.json()["id"])
                assert content.status is ContentStatus.READY, content.error
                body = client.get(f"/api/v1/contents/{content.id}", headers=auth).json()
                usage = client.get(f"/api/v1/contents/{content.id}/usage", headers=auth).json()
                daily = client.get("/api/v1/analytics/usage", headers=auth).json()
        finally:
            runtime.close()

    assert body["title"] == "잠을 잘 자는 법"
    assert len(body["script"]["scenes"]) == 6
    request, review = gemini.requests
    assert review.path == request.path
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.headers["x-goog-api-key"] == "test-key"
    assert "노년의 숙면 습관" in json.dumps(request.json(), ensure_ascii=False)
    assert body["served"]["script"] == "gemini"
    assert body["served"]["safety"] == "rules+gemini"
    assert body["safety"]["verdict"] == "ok"
    # gemini_answer reports 812 prompt and 431 output tokens for each call
    price = PRICES["gemini"]
    one_call = 812 * price["input_tokens"] + 431 * price["output_tokens"]
    assert [(u["service"], u["stage"]) for u in usage] == [
        ("gemini", "script"),
        ("gemini", "safety"),
    ]
    assert usage[0]["units"] == {"requests": 1, "input_tokens": 812, "output_tokens": 431}
    assert body["cost_usd"] == pytest.approx(2 * one_call)
    [today] = daily["days"]
    assert today["service"] == "gemini"
    assert today["calls"] == 2
    assert today["units"] == {"requests": 2, "input_tokens": 1624, "output_tokens": 862}
    assert daily["total_usd"] == pytest.approx(2 * one_call, abs=1e-6)  # rounded


def test_without_a_model_a_topic_is_refused_naming_the_setting(
    client: TestClient,
) -> None:
    refused = client.post(
        "/api/v1/contents",
        json={"generation_type": "topic", "topic": "노년의 숙면 습관"},
        headers=sign_up(client),
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "generation_type"
    assert "AUTOCLIP_SCRIPT_WRITER" in refused.json()["errors"][0]["message"]
