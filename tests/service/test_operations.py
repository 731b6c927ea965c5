"""What the operations manual assumes of the software: maintenance mode, a request id that
follows the work into the worker's log lines, and the generation metrics."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from autoclip.service.app import create_app
from autoclip.service.logs import JsonFormatter, RequestIdFilter
from autoclip.service.models import ContentStatus
from autoclip.service.runtime import build_runtime
from autoclip.settings import Settings
from service.conftest import sign_up
from service.test_jobs_support import TEXTS, create, row, run_of, wait_finished


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged while the test runs, as the JSON lines `serve` and `worker` write."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield sink
    root.removeHandler(handler)
    root.setLevel(before)


def _lines(sink: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in sink.getvalue().splitlines() if line.startswith("{")]


def test_maintenance_mode_is_read_only(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(rate_limits=False)
    normal = build_runtime(settings)
    with TestClient(create_app(normal, run_worker=False)) as client:
        auth = sign_up(client)
        content_id = create(client, auth, TEXTS[0])
    normal.close()

    quiet = build_runtime(settings.model_copy(update={"maintenance_mode": True}))
    try:
        # The in-process worker is not started: queued work waits for the end of maintenance.
        with TestClient(create_app(quiet)) as client:
            for method, path, body in (
                ("POST", "/api/v1/contents", {"generation_type": "text", "text": TEXTS[1]}),
                ("POST", f"/api/v1/contents/{content_id}/cancel", None),
                ("DELETE", f"/api/v1/contents/{content_id}", None),
                ("POST", "/api/v1/auth/login", {"email": "a@example.com", "password": "x"}),
            ):
                refused = client.request(method, path, json=body, headers=auth)
                assert refused.status_code == 503, (method, path, refused.text)
                assert refused.headers["Retry-After"] == "300"
                assert refused.headers["content-type"] == "application/problem+json"
                assert refused.json()["type"].endswith("/maintenance")
                assert refused.headers["X-Request-ID"]
            assert client.get(f"/api/v1/contents/{content_id}", headers=auth).status_code == 200
            assert client.get("/api/v1/contents", headers=auth).json()["total"] == 1
            assert client.get("/health").status_code == 200
            assert client.get("/ready").status_code == 200
            # Refusals are counted apart, so the error-rate alert does not page for them.
            refusals = [
                sample.value
                for family in text_string_to_metric_families(client.get("/metrics").text)
                for sample in family.samples
                if sample.name == "http_requests_total"
                and sample.labels["route"] == "maintenance"
                and sample.labels["status"] == "503"
            ]
            assert sum(refusals) == 4.0
            assert row(quiet, content_id).status is ContentStatus.QUEUED
            assert run_of(quiet, content_id).lease_owner is None
    finally:
        quiet.close()


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_request_id_follows_the_content_into_its_jobs(
    make_settings: Callable[..., Settings], json_log: io.StringIO
) -> None:
    runtime = build_runtime(make_settings(rate_limits=False))
    try:
        with TestClient(create_app(runtime)) as client:
            auth = sign_up(client)
            made = client.post(
                "/api/v1/contents",
                json={"generation_type": "text", "text": TEXTS[2], "options": {"draft": True}},
                headers={**auth, "X-Request-ID": "trace-4f2a"},
            )
            assert made.status_code == 202, made.text
            content_id = made.json()["id"]
            assert wait_finished(runtime, content_id).status is ContentStatus.READY
            metrics = client.get("/metrics").text
    finally:
        runtime.close()

    lines = _lines(json_log)
    access = [line for line in lines if line["logger"] == "autoclip.api.access"]
    posted = [
        line for line in access if line["method"] == "POST" and line["route"] == "/api/v1/contents"
    ]
    assert posted, access
    assert posted[0]["requestId"] == "trace-4f2a"
    assert posted[0]["route"] == "/api/v1/contents"
    assert posted[0]["duration_ms"] > 0
    job_lines = [line for line in lines if line.get("contentId") == content_id]
    phases = {line.get("phase") for line in job_lines}
    assert {"prepare", "render"} <= phases, job_lines
    assert {line["requestId"] for line in job_lines} == {"trace-4f2a"}
    # Lines of other requests carry their own ids, not this one.
    others = [line for line in access if line["method"] == "GET"]
    assert others
    assert all(line["requestId"] != "trace-4f2a" for line in others)

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
    }
    assert samples[("content_generation_total", (("status", "ready"),))] == 1.0
    assert samples[("content_generation_duration_seconds_count", ())] == 1.0
    for stage in ("script", "narration", "visuals", "captions", "render", "thumbnail"):
        assert samples[("autoclip_stage_duration_seconds_count", (("stage", stage),))] >= 1.0
    assert ("autoclip_db_pool_size", ()) in samples
