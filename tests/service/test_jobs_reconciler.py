"""The reconciler on its own: a content whose worker vanished (lease expired) is re-sent
once however many reconcilers race for it, and fails (refunded, once) after its last
attempt. No worker runs: sends are recorded, leases are expired by hand."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from autoclip.pipeline.progress import Stage
from autoclip.service.db import utcnow
from autoclip.service.jobs import reconciler
from autoclip.service.jobs.lease import claim
from autoclip.service.jobs.reconciler import reconcile
from autoclip.service.models import (
    Content,
    ContentStatus,
    GenerationRun,
    JobPhase,
    StageRun,
    StageRunStatus,
)
from autoclip.service.runtime import Runtime
from service.conftest import sign_up
from service.test_jobs_support import TEXTS, create, entries, ledger, row, run_of, stage_runs

STALE = timedelta(minutes=10)
Sent = list[tuple[str, JobPhase]]


@pytest.fixture
def sent(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Sent:
    """What the reconciler hands to the queue (nothing is really sent)."""
    recorded: Sent = []
    lock = threading.Lock()

    def send(content_id: str, phase: JobPhase, delay_seconds: float = 0) -> None:
        with lock:
            recorded.append((content_id, phase))

    monkeypatch.setattr(runtime.jobs, "send", send)
    return recorded


def lose_worker(runtime: Runtime, content_id: str, attempts: int, phase: JobPhase) -> None:
    """The content as a worker killed mid-stage leaves it: processing, its lease run out,
    its stage run still `running`."""
    cid = uuid.UUID(content_id)
    with runtime.db.session() as session:
        session.execute(
            update(Content)
            .where(Content.id == cid)
            .values(status=ContentStatus.PROCESSING, stage=Stage.RENDER.value)
        )
        session.execute(
            update(GenerationRun)
            .where(GenerationRun.content_id == cid)
            .values(
                phase=phase,
                lease_owner="lost-host:1",
                lease_expires_at=utcnow() - timedelta(seconds=1),
                attempts=attempts,
            )
        )
        session.add(
            StageRun(
                content_id=cid,
                stage=Stage.RENDER.value,
                status=StageRunStatus.RUNNING,
                attempt=attempts,
                worker="lost-host:1",
            )
        )


def in_step(
    monkeypatch: pytest.MonkeyPatch, name: str, before: Callable[[], None] | None = None
) -> None:
    """Make two reconcile passes reach the reconciler's `name` step together (both have read
    the row, neither has written), optionally running `before` first."""
    original: Callable[..., Any] = getattr(reconciler, name)
    barrier = threading.Barrier(2, timeout=10)

    def step(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        if before is not None:
            before()
        return original(*args, **kwargs)

    monkeypatch.setattr(reconciler, name, step)


def race(runtime: Runtime) -> list[int]:
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(reconcile(runtime, STALE))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_expired_lease_is_resent_once_when_two_reconcilers_race(
    runtime: Runtime, client: TestClient, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[0])
    lose_worker(runtime, content_id, attempts=1, phase=JobPhase.RENDER)
    sent.clear()  # the API's own send
    in_step(monkeypatch, "_resend")

    assert sorted(race(runtime)) == [0, 1]
    assert sent == [(content_id, JobPhase.RENDER)]
    content = row(runtime, content_id)
    assert content.status is ContentStatus.PROCESSING
    run = run_of(runtime, content_id)
    assert run.lease_owner is None
    assert run.lease_expires_at is None
    runs = stage_runs(runtime, content_id)
    assert [(r.status, r.error) for r in runs] == [(StageRunStatus.ABANDONED, "worker lost")]
    # the next pass finds nothing to do: the message is on its way
    assert reconcile(runtime, STALE) == 0
    assert len(sent) == 1
    # a worker takes it up again, as attempt 2
    assert claim(runtime.db, uuid.UUID(content_id), JobPhase.RENDER, "next-host:2", 3)
    assert run_of(runtime, content_id).attempts == 2


def test_lost_worker_after_the_last_attempt_fails_and_refunds_once(
    runtime: Runtime, client: TestClient, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[0])
    attempts = runtime.settings.worker.max_attempts
    lose_worker(runtime, content_id, attempts=attempts, phase=JobPhase.RENDER)
    sent.clear()
    in_step(monkeypatch, "fail_content")

    assert sorted(race(runtime)) == [0, 1]
    assert sent == []
    content = row(runtime, content_id)
    assert content.status is ContentStatus.FAILED
    assert content.error == f"its worker was lost {attempts} times"
    assert content.error_stage == "render"
    assert run_of(runtime, content_id).lease_owner is None
    assert content.finished_at is not None
    assert [r.status for r in stage_runs(runtime, content_id)] == [StageRunStatus.ABANDONED]
    balance, book = ledger(client, auth)
    assert balance == 3
    assert len(entries(book, content_id, "refund")) == 1
    assert reconcile(runtime, STALE) == 0


def test_every_attempt_lost_ends_in_failure(
    runtime: Runtime, client: TestClient, sent: Sent
) -> None:
    """claim → worker dies → reconcile, until the attempts run out."""
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[0])
    cid = uuid.UUID(content_id)
    sent.clear()
    max_attempts = runtime.settings.worker.max_attempts
    for attempt in range(1, max_attempts + 1):
        assert claim(runtime.db, cid, JobPhase.PREPARE, f"host:{attempt}", 3)
        assert run_of(runtime, content_id).attempts == attempt
        with runtime.db.session() as session:
            session.execute(
                update(GenerationRun)
                .where(GenerationRun.content_id == cid)
                .values(lease_expires_at=utcnow() - timedelta(seconds=1))
            )
        assert reconcile(runtime, STALE) == 1
        expected = ContentStatus.PROCESSING if attempt < max_attempts else ContentStatus.FAILED
        assert row(runtime, content_id).status is expected
    assert sent == [(content_id, JobPhase.PREPARE)] * (max_attempts - 1)
    balance, book = ledger(client, auth)
    assert balance == 3
    assert len(entries(book, content_id, "refund")) == 1


def test_a_worker_that_retakes_the_lease_first_keeps_it(
    runtime: Runtime, client: TestClient, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the reconciler's read and its write a worker claims the expired lease (a
    redelivered message): the reconciler must leave the content to that worker, whether it
    meant to re-send it or to fail it."""
    auth = sign_up(client)
    first = create(client, auth, TEXTS[0])
    last = create(client, auth, TEXTS[1])
    max_attempts = runtime.settings.worker.max_attempts
    lose_worker(runtime, first, attempts=1, phase=JobPhase.RENDER)
    lose_worker(runtime, last, attempts=max_attempts, phase=JobPhase.RENDER)
    sent.clear()

    def worker_claims_first(name: str, content_id: str, owner: str) -> None:
        original: Callable[..., Any] = getattr(reconciler, name)

        def step(*args: Any, **kwargs: Any) -> Any:
            assert claim(runtime.db, uuid.UUID(content_id), JobPhase.RENDER, owner, 3)
            return original(*args, **kwargs)

        monkeypatch.setattr(reconciler, name, step)

    worker_claims_first("_resend", first, "live:7")
    worker_claims_first("fail_content", last, "live:8")
    assert reconcile(runtime, STALE) == 0

    assert sent == []
    for content_id, owner in ((first, "live:7"), (last, "live:8")):
        content = row(runtime, content_id)
        assert content.status is ContentStatus.PROCESSING, (content.status, content.error)
        assert run_of(runtime, content_id).lease_owner == owner
        runs = stage_runs(runtime, content_id)
        assert [r.status for r in runs] == [StageRunStatus.RUNNING]
    balance, book = ledger(client, auth)
    assert balance == 1
    assert entries(book, last, "refund") == []


def test_after_a_broker_loss_every_waiting_content_is_sent_again_once(
    runtime: Runtime, client: TestClient, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message lost with the broker's data waits for no floor once the loss is known:
    `forget_sends` marks it unsent, and of two racing reconcilers one re-sends it."""
    auth = sign_up(client)
    content_id = create(client, auth, TEXTS[0])
    sent.clear()  # the API's own send, gone with the broker
    assert reconcile(runtime, STALE) == 0  # just sent: not lost as far as anyone knows

    assert reconciler.forget_sends(runtime) == 1
    assert run_of(runtime, content_id).enqueued_at is None
    in_step(monkeypatch, "_resend")
    assert sorted(race(runtime)) == [0, 1]
    assert sent == [(content_id, JobPhase.PREPARE)]
    assert run_of(runtime, content_id).enqueued_at is not None
    assert reconcile(runtime, STALE) == 0
    assert len(sent) == 1


def test_a_content_whose_send_fails_is_accepted_and_charged_once(
    runtime: Runtime, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broker down when a content is created: the row and the charge are committed, so
    the answer is the 202 of a queued content (a 500 would invite a second, charged try);
    the reconciler sends it when the broker is back."""
    auth = sign_up(client)
    start, _ = ledger(client, auth)

    def broker_down(content_id: str, phase: JobPhase, delay_seconds: float = 0) -> None:
        raise ConnectionError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(runtime.jobs, "send", broker_down)
    content_id = create(client, auth, TEXTS[1])
    assert row(runtime, content_id).status is ContentStatus.QUEUED
    balance, book = ledger(client, auth)
    assert balance == start - 1
    assert len(entries(book, content_id, "generation")) == 1
