"""A topic becomes a video once a script-writing model is configured (here a local server
that answers as Gemini's generateContent does)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from autoclip.service.app import create_app
from autoclip.service.models import ContentStatus
from autoclip.service.runtime import build_runtime
from autoclip.settings import Settings
from providers.fakes import fake_provider, gemini_script
from service.conftest import sign_up
from service.test_jobs_support import wait_finished


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_topic_content_is_written_by_the_model_and_rendered(
    make_settings: Callable[..., Settings],
) -> None:
    with fake_provider() as gemini:
        gemini.queue(gemini_script("ko"))
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
        finally:
            runtime.close()

    assert body["title"] == "잠을 잘 자는 법"
    assert len(body["script"]["scenes"]) == 6
    (request,) = gemini.requests
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.headers["x-goog-api-key"] == "test-key"
    assert "노년의 숙면 습관" in json.dumps(request.json(), ensure_ascii=False)


def test_without_a_model_a_topic_is_refused_naming_the_setting(
    client: TestClient,
) -> None:
    refused = client.post(
        "/api/v1/contents",
        json={"generation_type": "topic", "topic": "노년의 숙면 습관"},
        headers=sign_up(client),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "generation_type"
    assert "AUTOCLIP_SCRIPT_WRITER" in refused.json()["errors"][0]["message"]
