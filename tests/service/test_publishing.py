"""Channels, publishing and webhooks through the API, on SQLite and on PostgreSQL + Redis,
against the local Google stand-in and a local webhook receiver. The content is made
ready here (its video: bytes in storage), so these tests are about the moves, the wire
and the records; tests/service/test_publish_flow.py renders and publishes for real."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from autoclip.service.contents.records import Outputs, StoredOptions
from autoclip.service.db import utcnow
from autoclip.service.models import (
    Content,
    ContentStatus,
    GenerationType,
    Project,
    Publication,
    QuotaUse,
    WebhookDelivery,
    YouTubeChannel,
)
from autoclip.service.publishing.repository import next_quota_day
from autoclip.service.runtime import Runtime
from autoclip.settings import WebhookSettings
from service.conftest import sign_up
from service.test_jobs_support import (
    API,
    Start,
    create,
    private_redis,
    private_redis_session,
    start,
    wait_for,
)
from webhook_receiver import webhook_receiver
from youtube_server import CHANNEL_ID, Google, google_standin, youtube_settings

__all__ = ["Start", "private_redis", "private_redis_session", "start"]  # fixtures, by name

SCRIPT = {
    "title": "잠이 부족하면 생기는 일",
    "description": "수면 부족의 신호 세 가지.\n\n이 영상은 의료 조언이 아닙니다.",
    "hashtags": ["#수면", "#건강", "#shorts"],
}


@pytest.fixture
def google() -> Iterator[Google]:
    with google_standin() as state:
        yield state


def fast_webhooks(**changes: Any) -> WebhookSettings:
    return WebhookSettings(retry_schedule=[0.2, 0.2, 0.2], timeout_s=5, **changes)


def ready_content(runtime: Runtime, client: TestClient, auth: dict[str, str], size: int) -> str:
    """A content as a finished generation leaves it: ready, its video stored. (Written
    here, not generated: the worker would take a content made through the API.)"""
    me = client.get(f"{API}/users/me", headers=auth).json()
    content_id = str(uuid.uuid4())
    key = f"videos/{content_id}/original.mp4"
    runtime.storage.put_bytes(key, os.urandom(size), "video/mp4")
    with runtime.db.session() as session:
        project = session.scalars(
            select(Project).where(Project.user_id == uuid.UUID(me["id"]), Project.is_default)
        ).one()
        session.add(
            Content(
                id=uuid.UUID(content_id),
                user_id=project.user_id,
                project_id=project.id,
                generation_type=GenerationType.TEXT,
                source="수면은 중요하다.",
                language="ko",
                options=StoredOptions(vertical=project.vertical),
                status=ContentStatus.READY,
                title=SCRIPT["title"],
                script=SCRIPT,
                outputs=Outputs(
                    **{
                        "video": key,
                        "thumbnail": f"videos/{content_id}/thumbnail.jpg",
                        "audio": f"videos/{content_id}/audio.mp3",
                        "captions_srt": f"videos/{content_id}/captions.srt",
                        "captions_ass": f"videos/{content_id}/captions.ass",
                        "script": f"videos/{content_id}/script.json",
                        "images": [],
                    }
                ),
            )
        )
    return content_id


def connect_channel(client: TestClient, auth: dict[str, str], google: Google) -> dict[str, Any]:
    started = client.post(f"{API}/channels/youtube/connect", headers=auth)
    assert started.status_code == 200, started.text
    landed = google.consent(started.json()["authorization_url"])
    finished = client.post(f"{API}/channels/youtube/finish", json={"redirect_url": landed},
                           headers=auth)  # fmt: skip
    assert finished.status_code == 200, finished.text
    channel: dict[str, Any] = finished.json()
    return channel


def publication(runtime: Runtime, content_id: str) -> Publication:
    with runtime.db.session(write=False) as session:
        found = session.scalars(
            select(Publication).where(Publication.content_id == uuid.UUID(content_id))
        ).first()
        assert found is not None
        session.expunge(found)
        return found


def status(runtime: Runtime, content_id: str) -> ContentStatus:
    with runtime.db.session(write=False) as session:
        content = session.get(Content, uuid.UUID(content_id))
        assert content is not None
        return content.status


def settled(runtime: Runtime, content_id: str) -> Callable[[], Publication | None]:
    def check() -> Publication | None:
        found = publication(runtime, content_id)
        return found if found.status.value != "publishing" else None

    return check


def test_connect_publish_and_hear_of_it(start: Start, google: Google, backend: str) -> None:
    with webhook_receiver() as receiver:
        runtime, client = start(**youtube_settings(google.base), webhooks=fast_webhooks())
        auth = sign_up(client)
        channel = connect_channel(client, auth, google)
        assert channel["channel_id"] == CHANNEL_ID
        assert channel["status"] == "connected"
        # the tokens are sealed at rest: the database never holds them in the clear
        with runtime.db.session(write=False) as session:
            row = session.get(YouTubeChannel, uuid.UUID(channel["id"]))
            assert row is not None
            stored = (row.access_token, row.refresh_token)
        assert not any(t in v for t in google.access for v in stored)
        assert not any(t in v for t in google.refresh for v in stored)

        made = client.post(
            f"{API}/webhooks/endpoints",
            json={"url": f"{receiver.url}/hooks", "events": ["content.published",
                                                             "content.failed"]},
            headers=auth,
        )  # fmt: skip
        assert made.status_code == 201, made.text
        receiver.secrets.append(made.json()["secret"])
        assert made.json()["secret"].startswith("whsec_")
        receiver.answers = [500, 503]  # the receiver fails twice first

        size = 3 * 256 * 1024 + 1000
        content_id = ready_content(runtime, client, auth, size)
        google.plan = {2: "cut", 3: "expire"}
        publish_at = (utcnow() + timedelta(days=2)).replace(microsecond=0)
        asked = client.post(
            f"{API}/contents/{content_id}/publish",
            json={"privacy": "public", "publish_at": publish_at.isoformat(),
                  "made_for_kids": False},
            headers=auth,
        )  # fmt: skip
        assert asked.status_code == 202, asked.text
        assert asked.json()["status"] == "publishing"
        again = client.post(f"{API}/contents/{content_id}/publish", headers=auth)
        assert again.status_code == 409  # one publish at a time

        done = wait_for(settled(runtime, content_id), 60, "the publish to end")
        assert done.status.value == "published", done.error
        assert done.attempts == 1, google.log
        assert status(runtime, content_id) is ContentStatus.PUBLISHED
        video = google.videos[done.video_id or ""]
        assert bytes(video.data) == runtime.storage.get_bytes(f"videos/{content_id}/original.mp4")
        assert done.url == f"https://www.youtube.com/watch?v={done.video_id}"
        snippet, state = video.resource["snippet"], video.resource["status"]
        assert snippet["title"] == SCRIPT["title"]
        assert "의료 조언이 아닙니다" in snippet["description"]  # the disclaimer goes along
        assert snippet["tags"] == ["수면", "건강", "shorts"]
        assert snippet["defaultLanguage"] == "ko"
        assert snippet["categoryId"] == "28"  # the default project's vertical, tech
        assert state["containsSyntheticMedia"] is True
        assert state["selfDeclaredMadeForKids"] is False
        assert state["privacyStatus"] == "private"  # until publishAt makes it public
        assert state["publishAt"] == publish_at.isoformat().replace("+00:00", "Z")
        assert [line for line in google.log if line.startswith("POST /token")] == [
            "POST /token authorization_code 200",
            "POST /token refresh_token 200",  # the expired token, refreshed once
        ]
        shown = client.get(f"{API}/contents/{content_id}/publications", headers=auth).json()
        assert [(p["status"], p["video_id"]) for p in shown] == [("published", done.video_id)]
        assert client.get(f"{API}/contents/{content_id}", headers=auth).json()["video_url"]
        # Published is made: it can be exported, and edited or made again, as a ready one.
        export = client.post(f"{API}/exports", json={"content_ids": [content_id]}, headers=auth)
        assert export.status_code == 202, export.text
        assert export.json()["content_ids"] == [content_id]
        with runtime.db.session(write=False) as session:
            quota = session.scalars(select(QuotaUse).order_by(QuotaUse.bucket)).all()
        # channels.list (1 unit) and one upload (1 upload, 1600 units)
        assert [(q.bucket, q.used) for q in quota] == [("units", 1601), ("uploads", 1)]
        scraped = client.get("/metrics").text
        assert 'autoclip_youtube_quota_used{bucket="uploads"} 1.0' in scraped
        assert 'autoclip_youtube_quota_used{bucket="units"} 1601.0' in scraped
        assert 'autoclip_publishes_total{outcome="published"} 1.0' in scraped

        # the webhook: refused twice, then delivered; signed, verified, logged
        wait_for(lambda: receiver.events("/hooks") or None, 30, "the published event")
        assert [r.status for r in receiver.got] == [500, 503, 200]
        assert len({r.headers["webhook-id"] for r in receiver.got}) == 1  # one message
        event = receiver.got[-1].event
        assert event["type"] == "content.published"
        assert event["data"]["id"] == content_id
        assert event["data"]["video_id"] == done.video_id
        assert event["data"]["status"] == "published"

        def logged() -> list[dict[str, Any]] | None:  # the receiver answers before the log
            items = client.get(f"{API}/webhooks/deliveries", headers=auth).json()["items"]
            return items if all(d["status"] == "delivered" for d in items) else None

        log = wait_for(logged, 30, "the delivery's log")
        assert [(d["event"], d["status"], d["attempts"]) for d in log] == [
            ("content.published", "delivered", 3)
        ]
        detail = client.get(f"{API}/webhooks/deliveries/{log[0]['id']}", headers=auth).json()
        assert [a["status_code"] for a in detail["log"]] == [500, 503, 200]
        assert (
            'autoclip_webhook_deliveries_total{outcome="retried"} 2.0'
            in client.get("/metrics").text
        )

        # another user sees none of it
        other = sign_up(client)
        assert client.get(f"{API}/channels/{channel['id']}", headers=other).status_code == 404
        assert client.get(f"{API}/webhooks/deliveries/{log[0]['id']}", headers=other
                          ).status_code == 404  # fmt: skip
        assert client.get(f"{API}/webhooks/endpoints", headers=other).json() == []
        assert client.post(f"{API}/contents/{content_id}/publish", headers=other
                           ).status_code == 404  # fmt: skip

        # removing the channel revokes the grant at Google
        removed = client.delete(f"{API}/channels/{channel['id']}", headers=auth)
        assert removed.json() == {"revoked": True}
        assert google.refresh <= google.revoked


def test_a_revoked_grant_fails_the_publish_once_and_says_so(start: Start, google: Google) -> None:
    with webhook_receiver() as receiver:
        runtime, client = start(**youtube_settings(google.base), webhooks=fast_webhooks())
        auth = sign_up(client)
        connect_channel(client, auth, google)
        secret = client.get(f"{API}/webhooks/callback-secret", headers=auth).json()["secret"]
        receiver.secrets.append(secret)
        content_id = ready_content(runtime, client, auth, 256 * 1024)
        with runtime.db.session() as session:  # as if made with a callback_url
            session.execute(
                update(Content)
                .where(Content.id == uuid.UUID(content_id))
                .values(callback_url=f"{receiver.url}/wait/1")
            )
        google.revoke_all()  # the owner removed AutoClip's access in their Google account

        asked = client.post(f"{API}/contents/{content_id}/publish", headers=auth)
        assert asked.status_code == 202, asked.text
        done = wait_for(settled(runtime, content_id), 60, "the publish to end")
        assert done.status.value == "failed"
        assert done.attempts == 1  # not retried: nothing would change
        assert "connect the channel again" in (done.error or "")
        content = client.get(f"{API}/contents/{content_id}", headers=auth).json()
        assert content["status"] == "failed"
        assert content["error"]["stage"] == "publish"
        assert content["video_url"]  # the video is still there, publishable again
        channels = client.get(f"{API}/channels", headers=auth).json()
        assert [c["status"] for c in channels] == ["disconnected"]
        again = client.post(f"{API}/contents/{content_id}/publish", headers=auth)
        assert again.status_code == 409
        assert "disconnected" in again.json()["detail"]
        # the callback URL heard of it, signed with the user's callback secret
        wait_for(lambda: receiver.events("/wait/1") or None, 30, "the failed event")
        assert receiver.events("/wait/1") == ["content.failed"]
        assert receiver.got[-1].event["data"]["error_stage"] == "publish"


def test_a_used_up_quota_waits_for_the_next_google_day(start: Start, google: Google) -> None:
    runtime, client = start(**youtube_settings(google.base))
    auth = sign_up(client)
    connect_channel(client, auth, google)
    content_id = ready_content(runtime, client, auth, 256 * 1024)
    google.plan = {1: "quota"}  # YouTube says so (another app on the same project)
    asked = client.post(f"{API}/contents/{content_id}/publish", headers=auth)
    assert asked.status_code == 202

    def waiting() -> Publication | None:
        found = publication(runtime, content_id)
        return found if found.not_before is not None else None

    held = wait_for(waiting, 30, "the publish to wait")
    assert held.status.value == "publishing"
    assert held.not_before == next_quota_day()
    assert "quotaExceeded" in (held.error or "")
    assert status(runtime, content_id) is ContentStatus.PUBLISHING
    with runtime.db.session(write=False) as session:
        used = session.scalars(select(QuotaUse.used).where(QuotaUse.bucket == "units")).one()
    # quotaExceeded is the units' limit: the day's units count as spent now
    assert used == runtime.settings.youtube_daily_units

    # and a publish asked for today does not even try
    second = ready_content(runtime, client, auth, 256 * 1024)
    uploads = [line for line in google.log if line.startswith("POST /upload")]
    assert client.post(f"{API}/contents/{second}/publish", headers=auth).status_code == 202
    wait_for(lambda: publication(runtime, second).not_before, 30, "the second to wait")
    assert [line for line in google.log if line.startswith("POST /upload")] == uploads


@pytest.mark.parametrize("backend", ["sqlite"])
def test_secret_rotation_overlap_disabling_and_redelivery(start: Start) -> None:
    with webhook_receiver() as receiver:
        runtime, client = start(webhooks=fast_webhooks(disable_after_failures=3),
                                outbound_allow="127.0.0.1")  # fmt: skip
        auth = sign_up(client)
        made = client.post(
            f"{API}/webhooks/endpoints",
            json={"url": receiver.url, "events": ["content.queued"]},
            headers=auth,
        ).json()
        old = made["secret"]
        rotated = client.post(
            f"{API}/webhooks/endpoints/{made['id']}/rotate-secret", headers=auth
        ).json()
        new = rotated["secret"]
        assert new != old
        assert rotated["previous_secret_until"] is not None
        receiver.secrets += [old, new]
        create(client, auth)  # content.queued
        wait_for(lambda: receiver.got or None, 30, "a delivery")
        first = receiver.got[0]
        assert len(first.headers["webhook-signature"].split(" ")) == 2
        assert first.verified_with == [0, 1]  # either secret verifies during the overlap

        # a receiver that keeps failing: disabled after three failed attempts in a row
        receiver.answers = [500] * 10
        create(client, auth)

        def disabled() -> dict[str, Any] | None:
            found = client.get(f"{API}/webhooks/endpoints/{made['id']}", headers=auth).json()
            return found if not found["enabled"] else None

        endpoint = wait_for(disabled, 30, "the endpoint to be disabled")
        assert "3 failed attempts" in endpoint["disabled_reason"]
        failed = client.get(f"{API}/webhooks/deliveries?status=failed", headers=auth).json()
        assert len(failed["items"]) == 1
        delivery_id = failed["items"][0]["id"]
        refused = client.post(f"{API}/webhooks/deliveries/{delivery_id}/redeliver", headers=auth)
        assert refused.status_code == 409

        # enabled again by its owner, the failed delivery is sent again by hand
        receiver.answers = []
        enabled = client.patch(
            f"{API}/webhooks/endpoints/{made['id']}", json={"enabled": True}, headers=auth
        )
        assert enabled.json()["failures_in_row"] == 0
        again = client.post(f"{API}/webhooks/deliveries/{delivery_id}/redeliver", headers=auth)
        assert again.status_code == 202

        def delivered() -> dict[str, Any] | None:
            found = client.get(f"{API}/webhooks/deliveries/{delivery_id}", headers=auth).json()
            return found if found["status"] == "delivered" else None

        shown = wait_for(delivered, 30, "the redelivery")
        assert [a["status_code"] for a in shown["log"]] == [500, 500, 500, 200]
        with runtime.db.session(write=False) as session:
            row = session.get(WebhookDelivery, uuid.UUID(delivery_id))
            assert row is not None
            assert row.message_id == shown["message_id"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_bad_receivers_and_channels_are_refused_naming_the_field(client: TestClient) -> None:
    auth = sign_up(client)
    private = client.post(
        f"{API}/webhooks/endpoints",
        json={"url": "http://10.0.0.5/hook", "events": ["content.ready"]},
        headers=auth,
    )
    assert private.status_code == 422
    assert private.json()["errors"][0]["field"] == "url"
    unknown = client.post(
        f"{API}/webhooks/endpoints",
        json={"url": "https://hooks.example.com/x", "events": ["content.exploded"]},
        headers=auth,
    )
    assert unknown.status_code == 422
    made = client.post(
        f"{API}/contents",
        json={"generation_type": "text", "text": "수면은 중요하다. " * 20,
              "callback_url": "http://169.254.169.254/latest"},
        headers=auth,
    )  # fmt: skip
    assert made.status_code == 422
    assert made.json()["errors"][0]["field"] == "callback_url"
    # no YouTube client configured here
    assert client.post(f"{API}/channels/youtube/connect", headers=auth).status_code == 409
    types = client.get(f"{API}/webhooks/event-types", headers=auth).json()
    assert "schedule.run" in types


def test_the_days_api_units_are_enforced_like_the_uploads(start: Start, google: Google) -> None:
    """Two uploads of 1600 units fit in 3201 (the channel's connection took 1); the third
    waits for the next Google day without calling YouTube, and counts nothing."""
    runtime, client = start(**youtube_settings(google.base), youtube_daily_units=3201)
    auth = sign_up(client)
    connect_channel(client, auth, google)
    first, second, third = (ready_content(runtime, client, auth, 256 * 1024) for _ in range(3))
    for content_id in (first, second):
        assert client.post(f"{API}/contents/{content_id}/publish", headers=auth).status_code == 202
        done = wait_for(settled(runtime, content_id), 60, "the publish to end")
        assert done.status.value == "published", done.error
    uploads = [line for line in google.log if line.startswith("POST /upload")]
    assert len(uploads) == 2
    assert client.post(f"{API}/contents/{third}/publish", headers=auth).status_code == 202

    def waiting() -> Publication | None:
        found = publication(runtime, third)
        return found if found.not_before is not None else None

    held = wait_for(waiting, 30, "the third to wait")
    assert held.status.value == "publishing"
    assert held.not_before == next_quota_day()
    assert held.error is not None
    assert "API units are used up (an upload costs 1600 of the 3201 a day)" in held.error
    assert [line for line in google.log if line.startswith("POST /upload")] == uploads
    with runtime.db.session(write=False) as session:
        quota = session.scalars(select(QuotaUse).order_by(QuotaUse.bucket)).all()
    assert [(q.bucket, q.used) for q in quota] == [("units", 3201), ("uploads", 2)]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_callbacks_keep_verifying_across_a_key_rotation(start: Start) -> None:
    """The callback secret is derived from the server's key. After `autoclip keys rotate`
    (the new key first, the old one still accepted) a callback is signed with both
    secrets, so a receiver holding the old one still verifies; once the operator drops
    the old key, only the new secret does."""
    from autoclip.service.webhooks.events import EventType
    from autoclip.service.webhooks.service import emit_content_by_id

    old_key, new_key = "old-key-" + uuid.uuid4().hex, "new-key-" + uuid.uuid4().hex
    common = {"webhooks": fast_webhooks(), "outbound_allow": "127.0.0.1"}
    with webhook_receiver() as receiver:
        runtime, client = start(secret_key=old_key, **common)
        auth = sign_up(client)
        old_secret = client.get(f"{API}/webhooks/callback-secret", headers=auth).json()["secret"]
        content_id = ready_content(runtime, client, auth, 1000)
        with runtime.db.session() as session:
            session.execute(
                update(Content)
                .where(Content.id == uuid.UUID(content_id))
                .values(callback_url=f"{receiver.url}/wait")
            )

        def hear(keys: dict[str, Any], count: int) -> list[int]:
            runtime, _ = start(**keys, **common)
            with runtime.db.session() as session:
                emit_content_by_id(session, runtime.jobs, uuid.UUID(content_id),
                                   EventType.CONTENT_READY)  # fmt: skip
            wait_for(lambda: len(receiver.got) == count or None, 30, "the callback")
            return receiver.got[-1].verified_with

        rotated = {"secret_key": new_key, "previous_secret_keys": [old_key]}
        runtime, client = start(**rotated, **common)
        new_secret = client.get(f"{API}/webhooks/callback-secret", headers=auth).json()["secret"]
        assert new_secret != old_secret  # what the endpoint shows follows the new key
        receiver.secrets = [old_secret, new_secret]
        assert hear(rotated, 1) == [0, 1]  # both verify during the overlap
        assert hear({"secret_key": new_key}, 2) == [1]  # the old key dropped: the new only
