"""The runbooks' commands: queue stats, retry-failed (CLI and admin API), scratch cleanup,
signing-key rotation without logging anyone out."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from autoclip.cli import app as cli_app
from autoclip.errors import InputError
from autoclip.service.app import create_app
from autoclip.service.auth.callers import CallerCache
from autoclip.service.jobs.runner import fail_content
from autoclip.service.models import ContentStatus
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings
from service.conftest import sign_up
from service.test_jobs_support import TEXTS, create, ledger, row


def _env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the `autoclip` command at the same database, queue and secret as the test."""
    monkeypatch.setenv("AUTOCLIP_DATA_DIR", str(settings.data_dir))
    for name in ("database_url", "redis_url"):
        value = getattr(settings, name)
        if value:
            monkeypatch.setenv(f"AUTOCLIP_{name.upper()}", value)
    if settings.secret_key is not None:
        monkeypatch.setenv("AUTOCLIP_SECRET_KEY", settings.secret_key.get_secret_value())


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_retry_failed_from_the_cli_and_the_admin_api(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(rate_limits=False)
    _env(settings, monkeypatch)
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            auth = sign_up(client, email="ops@example.com")
            first, second = create(client, auth, TEXTS[0]), create(client, auth, TEXTS[1])
            for content_id in (first, second):
                assert fail_content(runtime, uuid.UUID(content_id), "storage down", owner=None)
            balance, _ = ledger(client, auth)
            assert balance == 3  # both refunded

            stats = json.loads(_run("queue", "stats"))
            assert stats["contents"] == {"failed": 2}
            assert stats["failed_last_24h"] == 2

            dry = _run("queue", "retry-failed", "--since", "1h", "--dry-run")
            assert "2 failed since 1h; 0 queued again" in dry
            assert row(runtime, first).status is ContentStatus.FAILED

            # The admin API is for operators only. The grant (another process) reaches the
            # API once its view of the caller is older than the cache keeps it.
            now = [0.0]
            runtime.callers = CallerCache(5.0, clock=lambda: now[0])
            admin = "/api/v1/admin/queue/retry-failed"
            assert client.post(admin, json={}, headers=auth).status_code == 403
            assert "operator" in _run("admin", "grant", "ops@example.com")
            assert client.post(admin, json={}, headers=auth).status_code == 403
            now[0] = 5.1
            retried = client.post(admin, json={"since_hours": 1}, headers=auth)
            assert retried.status_code == 200, retried.text
            assert {r["content_id"] for r in retried.json()} == {first, second}
            assert {r["outcome"] for r in retried.json()} == {"queued"}
            for content_id in (first, second):
                content = row(runtime, content_id)
                assert content.status is ContentStatus.QUEUED
                assert content.error is None
            balance, _ = ledger(client, auth)
            assert balance == 1  # each retry takes its credit again
            stats = client.get("/api/v1/admin/queue/stats", headers=auth).json()
            assert stats["contents"] == {"queued": 2}
            # The first two messages and the two retries wait in the broker.
            assert stats["waiting"]["content-generation"] == 4

            nothing = _run("queue", "retry-failed", "--since", "1h")
            assert "0 failed since 1h" in nothing
    finally:
        runtime.close()


def _aged(path: Path, hours: float) -> Path:
    path.mkdir(parents=True)
    (path / "data.bin").write_bytes(b"x" * 1000)
    old = time.time() - hours * 3600
    os.utime(path, (old, old))
    return path


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_cleanup_temp_removes_only_old_scratch(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings()
    _env(settings, monkeypatch)
    work = settings.work_dir
    old_job = _aged(work / "jobs" / "a", 30)
    new_job = _aged(work / "jobs" / "b", 1)
    old_entry = _aged(work / "stages" / "narration" / "ab" / ("ab" + "0" * 62), 48)
    new_entry = _aged(work / "stages" / "render" / "cd" / ("cd" + "1" * 62), 2)

    output = _run("storage", "cleanup-temp", "--older-than", "24h")
    assert "removed 2 scratch entries" in output
    assert not old_job.exists()
    assert not old_entry.exists()
    assert not old_entry.parent.exists(), "emptied fan-out folders go too"
    assert new_job.exists()
    assert new_entry.exists()

    # (`autoclip` turns this into one `error: older-than: ...` line and exit status 2.)
    bad = CliRunner().invoke(cli_app, ["storage", "cleanup-temp", "--older-than", "soon"])
    assert isinstance(bad.exception, InputError)
    assert bad.exception.field == "older-than"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_key_rotation_logs_nobody_out(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(secret_key=None, rate_limits=False)
    _env(settings, monkeypatch)

    def serve() -> tuple[Runtime, TestClient]:
        runtime = build_runtime(settings)
        return runtime, TestClient(create_app(runtime, run_worker=False))

    before, client = serve()
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[0])
    link_key = f"videos/{content_id}/thumbnail.jpg"
    before.storage.put_bytes(link_key, b"jpeg")
    expires, signature = before.signer.sign_download(link_key, 3600)
    old_link = f"/api/v1/files/{link_key}?expires={expires}&signature={signature}"
    client.close()
    before.close()

    assert "rotated the key" in _run("keys", "rotate")
    after, client = serve()
    try:
        # The access token and the download link signed with the old key still work...
        assert client.get("/api/v1/users/me", headers=auth).status_code == 200
        assert client.get(old_link).content == b"jpeg"
        # ...while everything new is signed with the new key.
        new_token = after.signer.access_token(uuid.uuid4(), datetime.now(UTC))
        assert not before.signer.read_access_token(new_token)
        assert after.signer.read_access_token(new_token)
    finally:
        client.close()
        after.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_key_rotation_with_an_environment_key_explains_what_to_set(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings()
    _env(settings, monkeypatch)
    output = _run("keys", "rotate")
    assert "AUTOCLIP_SECRET_KEY=" in output
    assert "AUTOCLIP_PREVIOUS_SECRET_KEYS" in output
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() not in output  # never echo the live key
    assert not (settings.data_dir / "secret.key").exists()
