"""A schedule's `auto_publish`: what it makes is published to the local YouTube stand-in
once it is ready, exactly once however many processes look, or fails its publish with the
reason on the content and on the run. On SQLite and on PostgreSQL + Redis.

The end-to-end test makes the content for real (a feed's article, a schedule's tick on a
file clock, a draft render by the in-process worker) and finds it on YouTube; the others
write a ready content (as test_publishing.py does) and drive the move that a finished
generation makes, from many threads at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from autoclip.kit.clock import FileClock
from autoclip.service.models import (
    Content,
    ContentStatus,
    Publication,
    PublicationStatus,
    Schedule,
    ScheduleOutcome,
    ScheduleRun,
)
from autoclip.service.runtime import Runtime
from autoclip.service.schedules.autopublish import publish_when_ready
from autoclip.service.schedules.repository import AUTO_PENDING
from autoclip.settings import FactorySettings
from localserver import serve
from service.conftest import sign_up
from service.factory_support import ARTICLES, Site, site_handler
from service.test_factory_day import give_credits, seoul
from service.test_jobs_support import (
    API,
    Start,
    private_redis,
    private_redis_session,
    start,
    wait_for,
)
from service.test_publishing import connect_channel, publication, ready_content, settled
from youtube_server import Google, google_standin, youtube_settings

__all__ = ["Start", "private_redis", "private_redis_session", "start"]  # fixtures, by name


@pytest.fixture
def google() -> Iterator[Google]:
    with google_standin() as state:
        yield state


def project_id(client: TestClient, auth: dict[str, str]) -> str:
    made = client.post(f"{API}/projects", json={"name": "Shorts", "language": "en"}, headers=auth)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def schedule(
    client: TestClient, auth: dict[str, str], project: str, **fields: Any
) -> dict[str, Any]:
    body = {"name": "Mornings", "kind": "times", "times": ["09:00"], **fields}
    made = client.post(f"{API}/projects/{project}/schedules", json=body, headers=auth)
    assert made.status_code == 201, made.text
    return dict(made.json())


def made_by_run(runtime: Runtime, content_id: str, schedule_id: str) -> uuid.UUID:
    """Mark a ready content as a run of the schedule made it (what run_tick writes)."""
    run_id = uuid.uuid4()
    with runtime.db.session() as session:
        owner = session.get(Schedule, uuid.UUID(schedule_id))
        assert owner is not None
        now = datetime.now().astimezone()
        session.add(
            ScheduleRun(
                id=run_id, schedule_id=owner.id, user_id=owner.user_id, due_at=now, ran_at=now,
                outcome=ScheduleOutcome.MADE, made=[content_id], failed=[],
            )
        )  # fmt: skip
        session.flush()
        session.execute(
            update(Content)
            .where(Content.id == uuid.UUID(content_id))
            .values(schedule_run_id=run_id, auto_publish=AUTO_PENDING)
        )
    return run_id


def finish_from_threads(runtime: Runtime, content_id: str, threads: int) -> list[str | None]:
    """What the finishing transaction does, from `threads` transactions at once."""
    outcomes: list[str | None] = []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        with runtime.db.session() as session:
            outcome = publish_when_ready(session, runtime, uuid.UUID(content_id))
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def publications(runtime: Runtime, content_id: str) -> int:
    with runtime.db.session(write=False) as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Publication)
                .where(Publication.content_id == uuid.UUID(content_id))
            ).scalar_one()
        )


def test_a_schedule_that_publishes_needs_a_channel_and_names_it(
    start: Start, google: Google
) -> None:
    _, client = start(**youtube_settings(google.base))
    auth = sign_up(client)
    project = project_id(client, auth)
    body = {"name": "Mornings", "kind": "times", "times": ["09:00"], "auto_publish": True}
    none = client.post(f"{API}/projects/{project}/schedules", json=body, headers=auth)
    assert none.status_code == 409, none.text
    assert "connect a YouTube channel first" in none.json()["detail"]
    plain = schedule(client, auth, project)  # one that does not publish needs none
    turned_on = client.patch(f"{API}/schedules/{plain['id']}", json={"auto_publish": True},
                             headers=auth)  # fmt: skip
    assert turned_on.status_code == 409, turned_on.text

    channel = connect_channel(client, auth, google)
    made = schedule(client, auth, project, auto_publish=True, privacy="unlisted")
    assert (made["auto_publish"], made["channel_id"], made["privacy"]) == (True, None, "unlisted")
    named = schedule(client, auth, project, auto_publish=True, channel_id=channel["id"])
    assert named["channel_id"] == channel["id"]

    # Someone else's channel is no channel of yours; nor is an unknown one.
    other = sign_up(client)
    theirs = client.post(
        f"{API}/projects/{project_id(client, other)}/schedules",
        json={**body, "channel_id": channel["id"]},
        headers=other,
    )
    assert theirs.status_code == 404, theirs.text
    assert theirs.json()["errors"][0]["field"] == "channel_id"
    unknown = client.patch(f"{API}/schedules/{named['id']}",
                           json={"channel_id": str(uuid.uuid4())}, headers=auth)  # fmt: skip
    assert unknown.status_code == 404, unknown.text
    assert client.get(f"{API}/schedules/{named['id']}", headers=other).status_code == 404


def test_a_ready_content_of_a_schedule_is_published_once(
    start: Start, google: Google, backend: str
) -> None:
    runtime, client = start(**youtube_settings(google.base))
    auth = sign_up(client)
    channel = connect_channel(client, auth, google)
    made = schedule(client, auth, project_id(client, auth), auto_publish=True,
                    channel_id=channel["id"], privacy="public")  # fmt: skip
    content_id = ready_content(runtime, client, auth, 256 * 1024 + 10)
    made_by_run(runtime, content_id, made["id"])

    # Many transactions find it ready at once (workers, a retried finish): one publishes.
    outcomes = finish_from_threads(runtime, content_id, 8)
    assert sorted(outcomes, key=str) == [None] * 7 + ["started"], outcomes
    done = wait_for(settled(runtime, content_id), 60, "the publish to end")
    assert done.status is PublicationStatus.PUBLISHED, done.error
    assert list(google.videos) == [done.video_id]
    video = google.videos[done.video_id or ""]
    assert bytes(video.data) == runtime.storage.get_bytes(f"videos/{content_id}/original.mp4")
    assert video.resource["status"]["privacyStatus"] == "public"  # the schedule's privacy

    # Ready again later (a regenerate): it was published; it is not published again.
    with runtime.db.session() as session:
        session.execute(
            update(Content)
            .where(Content.id == uuid.UUID(content_id))
            .values(status=ContentStatus.READY)
        )
    assert finish_from_threads(runtime, content_id, 2) == [None, None]
    assert publications(runtime, content_id) == 1
    assert len(google.videos) == 1


def test_what_cannot_be_published_says_why_on_the_content_and_the_run(
    start: Start, google: Google, backend: str
) -> None:
    runtime, client = start(**youtube_settings(google.base))
    auth = sign_up(client)
    channel = connect_channel(client, auth, google)
    made = schedule(client, auth, project_id(client, auth), auto_publish=True)

    # YouTube refuses: the grant was revoked. The job fails it; the run says so.
    refused = ready_content(runtime, client, auth, 256 * 1024)
    made_by_run(runtime, refused, made["id"])
    google.revoke_all()
    assert finish_from_threads(runtime, refused, 1) == ["started"]
    done = wait_for(settled(runtime, refused), 60, "the publish to end")
    assert done.status is PublicationStatus.FAILED

    # The channel is removed: nothing to publish to. It fails at once, in words.
    assert client.delete(f"{API}/channels/{channel['id']}", headers=auth).status_code == 200
    orphan = ready_content(runtime, client, auth, 256 * 1024)
    made_by_run(runtime, orphan, made["id"])
    assert finish_from_threads(runtime, orphan, 3).count("failed") == 1
    shown = client.get(f"{API}/contents/{orphan}", headers=auth).json()
    assert shown["status"] == "failed"
    assert shown["error"]["stage"] == "publish"
    assert "connect a YouTube channel first" in shown["error"]["message"]
    assert shown["video_url"]  # the video is kept: publishable by hand later
    assert publications(runtime, orphan) == 0

    runs = client.get(f"{API}/schedules/{made['id']}/runs", headers=auth).json()["items"]
    reasons = sorted(f["reason"] for r in runs for f in r["failed"])
    assert len(reasons) == 2, runs
    assert "connect a YouTube channel first" in reasons[0]
    assert reasons[1].startswith("publishing failed:")
    assert "connect the channel again" in reasons[1]
    assert google.videos == {}


def test_a_schedule_turned_off_leaves_its_content_waiting(start: Start, google: Google) -> None:
    runtime, client = start(**youtube_settings(google.base))
    auth = sign_up(client)
    connect_channel(client, auth, google)
    made = schedule(client, auth, project_id(client, auth), auto_publish=True)
    content_id = ready_content(runtime, client, auth, 256 * 1024)
    made_by_run(runtime, content_id, made["id"])
    off = client.patch(f"{API}/schedules/{made['id']}", json={"auto_publish": False},
                       headers=auth)  # fmt: skip
    assert off.status_code == 200, off.text
    assert finish_from_threads(runtime, content_id, 1) == ["skipped"]
    assert client.get(f"{API}/contents/{content_id}", headers=auth).json()["status"] == "ready"
    assert publications(runtime, content_id) == 0


@pytest.mark.e2e
def test_a_scheduled_article_is_made_and_published(
    start: Start, google: Google, tmp_path: Path, backend: str
) -> None:
    """The whole way: a feed's article, the 09:00 tick, a real draft render by the worker,
    the upload."""
    site = Site()
    site.offer("water")
    clock = FileClock(tmp_path / "clock.txt")
    clock.set(seoul(2, 8, 0))
    factory = FactorySettings(clock_file=clock.path, poll_seconds=0.3)
    with serve(site_handler(site)) as base:
        settings = {**youtube_settings(google.base), "factory": factory}
        runtime, client = start(**settings)
        auth = sign_up(client)
        give_credits(runtime, 5)
        connect_channel(client, auth, google)
        project = project_id(client, auth)
        feed = client.post(
            f"{API}/projects/{project}/sources",
            json={
                "kind": "feed",
                "name": "Notes",
                "url": f"{base}/feed.xml",
                "options": {"draft": True},
            },
            headers=auth,
        )
        assert feed.status_code == 201, feed.text
        made = schedule(client, auth, project, auto_publish=True, timezone="Asia/Seoul")

        def drafted() -> bool:
            shown = client.get(f"{API}/sources/{feed.json()['id']}", headers=auth).json()
            return bool(shown["items_seen"] == 1)

        wait_for(drafted, 60, "the feed's article")
        clock.set(seoul(2, 9, 0, 5))

        def ran() -> list[dict[str, Any]] | None:
            items = client.get(f"{API}/schedules/{made['id']}/runs", headers=auth).json()
            return items["items"] or None

        content_id = wait_for(ran, 60, "the 09:00 run")[0]["made"][0]

        def published() -> Publication | None:
            shown = client.get(f"{API}/contents/{content_id}", headers=auth).json()
            assert shown["status"] not in ("failed", "cancelled"), shown
            return publication(runtime, content_id) if shown["status"] == "published" else None

        done = wait_for(published, 300, "the content to be made and published", every=0.5)
        stored = runtime.storage.get_bytes(f"videos/{content_id}/original.mp4")
        with runtime.db.session(write=False) as session:
            row = session.get(Content, uuid.UUID(content_id))
            assert row is not None
            mark = row.auto_publish
    assert done.status is PublicationStatus.PUBLISHED
    assert list(google.videos) == [done.video_id]
    video = google.videos[done.video_id or ""]
    assert bytes(video.data) == stored
    assert video.resource["snippet"]["title"] == ARTICLES["water"][0]
    assert mark == "started"  # moved once; a later finish finds it so (test above)
    assert publications(runtime, content_id) == 1
