"""Every outbound client of the service gives up on a server that never answers.

A black hole (tests/smtpserver.py) accepts the TCP connection and then says nothing: a
hung server, a half-dead load balancer, a firewall that swallows packets after the
handshake. Each client is built from settings exactly as the runtime builds it (S3
storage, the Redis rate limiter, the Dramatiq broker, the PostgreSQL engine, the mailer),
and each call must fail within the bound its settings promise, not hang.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from autoclip.kit.mail import MailError, new_message
from autoclip.kit.storage import StorageUnavailableError
from autoclip.service.connections import redis_deadline
from autoclip.service.db import Database
from autoclip.service.migrate import upgrade
from autoclip.service.models import JobPhase, Project, Source, SourceKind, User
from autoclip.service.runtime import Runtime, build_mailer, build_runtime
from autoclip.service.sources.fetching import fetch_source
from autoclip.settings import FactorySettings, Settings
from s3server import use_test_credentials
from smtpserver import black_hole, timed

SHORT = 0.5  # the timeouts under test: short, so the suite waits seconds, not minutes
SLACK = 1.5  # a busy 2-core machine's scheduling, on top of the promised bound


@pytest.fixture
def hole() -> Iterator[int]:
    with black_hole() as port:
        yield port


def runtime_with(tmp_path: Path, **values: Any) -> Runtime:
    return build_runtime(Settings(data_dir=tmp_path / "data", secret_key="k" * 40, **values))


def test_s3_storage(tmp_path: Path, hole: int, monkeypatch: pytest.MonkeyPatch) -> None:
    use_test_credentials(monkeypatch)
    runtime = runtime_with(
        tmp_path,
        storage_url="s3://autoclip-media/videos",
        s3_endpoint_url=f"http://127.0.0.1:{hole}",
        s3_connect_timeout_s=SHORT,
        s3_read_timeout_s=SHORT,
        s3_max_attempts=2,
    )
    try:
        bound = runtime.settings.s3_limits().deadline()  # 2 tries of 0.5 + 0.5 s, 1 s backoff
        for call in (runtime.storage.ping, lambda: runtime.storage.get_bytes("videos/a.mp4")):
            took, error = timed(call)
            assert error is not None, "a black hole answered"
            assert "timeout" in f"{type(error).__name__} {error}".lower(), error
            assert 2 * SHORT <= took < bound + SLACK, (took, bound)
        took, error = timed(runtime.storage.ping)
        assert isinstance(error, StorageUnavailableError)  # /ready says why, in time
    finally:
        runtime.close()


def test_redis_rate_limiter_and_broker(tmp_path: Path, hole: int) -> None:
    runtime = runtime_with(
        tmp_path, redis_url=f"redis://127.0.0.1:{hole}/0", redis_timeout_s=SHORT, redis_retries=1
    )
    try:
        bound = redis_deadline(runtime.settings)  # 6 s; each call takes 2 tries of 0.5 s here
        calls = {
            "rate limiter": lambda: runtime.limiter.hit("ip:203.0.113.9", 30),
            "broker ping": runtime.jobs.ping,
            "enqueue": lambda: runtime.jobs.send(
                "00000000-0000-0000-0000-000000000001", JobPhase.PREPARE
            ),
            "queue depth": lambda: runtime.jobs.waiting("render"),
        }
        for name, call in calls.items():
            took, error = timed(call)
            assert error is not None, f"{name}: a black hole answered"
            assert "timeout" in f"{type(error).__name__} {error}".lower(), (name, error)
            assert SHORT <= took < bound + SLACK, (name, took, bound)
    finally:
        runtime.close()


def test_postgresql_connect(tmp_path: Path, hole: int) -> None:
    runtime = runtime_with(
        tmp_path,
        database_url=f"postgresql+psycopg://autoclip@127.0.0.1:{hole}/autoclip",
        database_connect_timeout_s=2,  # libpq's least
    )
    try:
        took, error = timed(runtime.db.ping)
        assert isinstance(error, OperationalError), error
        assert "timeout" in str(error).lower(), error
        assert 2 <= took < 2 + SLACK, took
    finally:
        runtime.close()


def test_postgresql_statement_timeout(postgres_server_url: str) -> None:
    """A statement that runs away is cancelled by the server: the engine asks for it at
    connect time, and a statement_timeout already in the URL wins."""
    db = Database(postgres_server_url, statement_timeout_s=SHORT)
    try:
        with db.engine.connect() as connection:
            took, error = timed(lambda: connection.execute(text("SELECT pg_sleep(5)")))
        assert isinstance(error, OperationalError), error
        assert "statement timeout" in str(error), error
        assert SHORT <= took < SHORT + SLACK, took
    finally:
        db.dispose()
    default = Database(postgres_server_url)
    chosen = Database(f"{postgres_server_url}?options=-c%20statement_timeout%3D7s")
    try:
        for database, expected in ((default, "2min"), (chosen, "7s")):
            with database.engine.connect() as connection:
                shown = connection.execute(text("SHOW statement_timeout")).scalar()
            assert shown == expected
    finally:
        default.dispose()
        chosen.dispose()


def test_mail_server(tmp_path: Path, hole: int) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        smtp_url=f"smtp://127.0.0.1:{hole}",
        smtp_timeout_s=SHORT,
    )
    message = new_message(settings.mail_from, "kim@example.com", "hello", "hello")
    took, error = timed(lambda: build_mailer(settings).send(message))
    assert isinstance(error, MailError), error
    assert error.transient  # the queue tries again later, in the background
    assert SHORT <= took < 2 * SHORT + SLACK, took


def test_source_fetch(tmp_path: Path, hole: int) -> None:
    """A feed whose server never answers fails the fetch within its deadline, and the
    failure is counted on the source (tests/service/test_factory.py pauses one)."""
    runtime = runtime_with(
        tmp_path,
        outbound_allow="127.0.0.1",
        factory=FactorySettings(fetch_deadline_s=SHORT),
    )
    try:
        upgrade(runtime.db)
        with runtime.db.session() as session:
            user = User(email="a@example.com", name="A", password_hash="x", plan_id="free")
            session.add(user)
            session.flush()
            project = Project(user_id=user.id, name="P", vertical="tech", format="9:16",
                              tone="professional", language="en")  # fmt: skip
            session.add(project)
            session.flush()
            source = Source(user_id=user.id, project_id=project.id, kind=SourceKind.FEED,
                            name="hole", url=f"http://127.0.0.1:{hole}/feed.xml",
                            next_fetch_at=datetime.now(UTC), failures=0, items_seen=0)  # fmt: skip
            session.add(source)
            session.flush()
            source_id = str(source.id)
        took, outcome = timed(lambda: fetch_source(runtime, source_id))
        assert outcome is None  # no exception: the failure is the outcome
        assert took < SHORT + SLACK, took
        with runtime.db.session(write=False) as session:
            stored = session.get(Source, source.id)
            assert stored is not None
            assert stored.last_outcome == "failed"
            assert stored.last_error is not None
            assert "0.5 s" in stored.last_error, stored.last_error
            assert stored.failures == 1
    finally:
        runtime.close()


def test_google_and_youtube(tmp_path: Path, hole: int) -> None:
    """The token endpoint and an upload chunk: each call within YOUTUBE_TIMEOUT_S."""
    from autoclip.service.channels import google
    from autoclip.service.publishing.youtube import ResumableUpload, UploadInterrupted

    base = f"http://127.0.0.1:{hole}"
    settings = Settings(
        data_dir=tmp_path / "data",
        google_oauth_token_url=f"{base}/token",
        youtube_api_base_url=base,
        youtube_timeout_s=SHORT,
        youtube_max_attempts=1,
        outbound_allow="127.0.0.1",
    )
    took, error = timed(lambda: google.refresh(settings, "1//refresh"))
    assert isinstance(error, google.GoogleUnavailable), error
    assert SHORT <= took < SHORT + SLACK, took
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 1024)
    upload = ResumableUpload(settings, lambda force: "token", lambda *_: None)
    took, error = timed(lambda: upload.run(video, {"snippet": {"title": "t"}}))
    assert isinstance(error, UploadInterrupted), error
    assert SHORT <= took < SHORT + SLACK, took


def test_webhook_delivery(tmp_path: Path, hole: int) -> None:
    """A receiver that never answers costs one attempt of WEBHOOKS__TIMEOUT_S."""
    from autoclip.service.webhooks.service import _post

    settings = Settings(
        data_dir=tmp_path / "data",
        outbound_allow="127.0.0.1",
        webhooks={"timeout_s": SHORT},
    )
    answers: list[tuple[int | None, str | None, int]] = []
    url = f"http://127.0.0.1:{hole}/hook"
    took, error = timed(
        lambda: answers.append(_post(settings, url, ["whsec_" + "A" * 32], "msg_1", "{}"))
    )
    assert error is None, error
    status, reason, _ = answers[0]
    assert status is None, answers
    assert reason is not None
    assert "within" in reason, answers
    assert SHORT <= took < SHORT + SLACK, took
