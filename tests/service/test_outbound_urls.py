"""`url` contents cannot reach the server's own network: refused at once when the URL names
a non-public address, failed with a reason (and refunded) when a name resolves to one.
A recorder on loopback proves no request was ever made."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from fastapi.testclient import TestClient

from autoclip.service.app import create_app
from autoclip.service.runtime import build_runtime
from hostile import fake_dns, loopback_spellings
from localserver import serve
from service.conftest import sign_up
from service.test_jobs_support import API, run_of, wait_finished

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


class Recorder(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        Recorder.hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"internal secret " * 40)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def internal_port() -> Iterator[int]:
    Recorder.hits = 0
    with serve(Recorder) as base:
        yield int(base.rsplit(":", 1)[1])


def test_address_literals_are_refused_at_once(client: TestClient, internal_port: int) -> None:
    auth = sign_up(client)
    for url in loopback_spellings(internal_port):
        made = client.post(
            f"{API}/contents", json={"generation_type": "url", "url": url}, headers=auth
        )
        assert made.status_code == 422, (url, made.text)
        problem = made.json()
        assert problem["errors"][0]["field"] == "url", problem
        assert "private, local or reserved" in problem["detail"]
        assert str(internal_port) not in problem["detail"]
    assert Recorder.hits == 0
    balance = client.get(f"{API}/analytics/credits", headers=auth).json()["balance"]
    assert balance == 3  # nothing charged for a refused request


@SQLITE_ONLY
def test_a_name_resolving_inward_fails_the_content_without_a_fetch(
    make_settings: Any, internal_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, "intranet.example", iter([["127.0.0.1"]] * 5))
    runtime = build_runtime(make_settings(rate_limits=False))
    try:
        with TestClient(create_app(runtime, run_worker=True)) as client:
            auth = sign_up(client)
            url = f"http://intranet.example:{internal_port}/"
            made = client.post(
                f"{API}/contents", json={"generation_type": "url", "url": url}, headers=auth
            )
            assert made.status_code == 202, made.text
            content = wait_finished(runtime, made.json()["id"], timeout=60)
            assert content.status.value == "failed"
            assert content.error is not None
            assert "private, local or reserved" in content.error
            assert run_of(runtime, str(content.id)).attempts == 1  # permanent: not retried
            shown = client.get(f"{API}/contents/{content.id}", headers=auth).json()
            assert "secret" not in str(shown)
            assert client.get(f"{API}/analytics/credits", headers=auth).json()["balance"] == 3
    finally:
        runtime.close()
    assert Recorder.hits == 0


@SQLITE_ONLY
def test_an_operator_can_allow_an_internal_host(make_settings: Any, internal_port: int) -> None:
    runtime = build_runtime(make_settings(rate_limits=False, outbound_allow="127.0.0.1"))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            auth = sign_up(client)
            made = client.post(
                f"{API}/contents",
                json={"generation_type": "url", "url": f"http://127.0.0.1:{internal_port}/"},
                headers=auth,
            )
            assert made.status_code == 202, made.text
    finally:
        runtime.close()


def test_bad_allow_list_names_the_setting() -> None:
    from autoclip.settings import BadSetting, Settings

    with pytest.raises(BadSetting, match="AUTOCLIP_OUTBOUND_ALLOW"):
        Settings(outbound_allow="10.0.0.0/8, http://wiki")
