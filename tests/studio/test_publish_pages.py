"""The studio's publishing pages over HTTP, without a browser, on SQLite and on
PostgreSQL + Redis: channels connected through the real OAuth redirect of the local Google
stand-in, a ready video published (the publish job run here, as a worker runs it), the
webhook endpoints and their delivery log; who may see what; hostile text shown as text."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select

from autoclip.service.app import create_app
from autoclip.service.contents.records import Outputs, StoredOptions
from autoclip.service.db import Database, utcnow
from autoclip.service.migrate import upgrade
from autoclip.service.models import (
    Content,
    ContentStatus,
    GenerationType,
    Project,
    Publication,
    User,
    WebhookDelivery,
)
from autoclip.service.publishing.repository import QuotaRepository, quota_day
from autoclip.service.publishing.service import PublicationJob
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.service.webhooks.service import deliver
from autoclip.settings import AuthSettings, Settings, WebhookSettings
from service.conftest import empty_postgres
from studio.test_studio_pages import EN, KO, form_token, migrated_postgres, sign_up
from webhook_receiver import Receiver, webhook_receiver
from youtube_server import CHANNEL_ID, CHANNEL_TITLE, Google, google_standin, youtube_settings

__all__ = ["migrated_postgres"]  # a fixture, by name

HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
SCRIPT = {"title": "잠이 부족하면 생기는 일", "description": "수면 부족의 신호.",
          "hashtags": ["#수면", "#shorts"], "hook": {"narration": "잠", "on_screen_text": ""},
          "scenes": [], "cta": {"narration": "구독", "on_screen_text": ""}}  # fmt: skip


@pytest.fixture
def google() -> Iterator[Google]:
    with google_standin() as state:
        yield state


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as found:
        yield found


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path, google: Google) -> Iterator[Runtime]:
    fields: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "secret_key": "publish-pages-" + uuid.uuid4().hex,
        "auth": AuthSettings(min_password_score=3),
        "public_url": "http://testserver",
        "webhooks": WebhookSettings(retry_schedule=[0.2], timeout_s=5),
        **youtube_settings(google.base),
        "youtube_redirect_uri": "",  # the studio's: beside the API's under PUBLIC_URL
    }
    fields["data_dir"].mkdir()
    if request.param == "postgresql":
        url = request.getfixturevalue("migrated_postgres")
        empty_postgres(url)
        redis_url = request.getfixturevalue("redis_server_url")
        Redis.from_url(redis_url).flushdb()
        fields |= {"database_url": url, "redis_url": redis_url}
    settings = Settings(**fields)
    if request.param == "sqlite":
        database = Database(settings.effective_database_url())
        upgrade(database)
        database.dispose()
    built = build_runtime(settings)
    yield built
    built.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, run_worker=False), follow_redirects=False) as browser:
        yield browser


def other_browser(client: TestClient, runtime: Runtime, email: str) -> TestClient:
    other = TestClient(client.app, follow_redirects=False)
    sign_up(other, runtime, email, KO)
    other.headers.update(KO)
    return other


def ready_content(runtime: Runtime, email: str) -> str:
    """A content as a finished generation leaves it: ready, its video stored (bytes the
    stand-in takes as a video; no render here: tests/studio/test_publish_browser.py and
    tests/service/test_publish_flow.py render)."""
    content_id = uuid.uuid4()
    key = f"videos/{content_id}/original.mp4"
    runtime.storage.put_bytes(key, os.urandom(300_000), "video/mp4")
    with runtime.db.session() as session:
        user_id = session.scalars(select(User.id).where(User.email == email)).one()
        project = session.scalars(
            select(Project).where(Project.user_id == user_id, Project.is_default)
        ).one()
        session.add(
            Content(
                id=content_id, user_id=user_id, project_id=project.id,
                generation_type=GenerationType.TEXT, source="수면은 중요하다.", language="ko",
                options=StoredOptions(vertical=project.vertical), status=ContentStatus.READY,
                title=SCRIPT["title"], script=SCRIPT,
                outputs=Outputs(
                    video=key, thumbnail=f"videos/{content_id}/thumbnail.jpg",
                    audio=f"videos/{content_id}/audio.mp3",
                    captions_srt=f"videos/{content_id}/captions.srt",
                    captions_ass=f"videos/{content_id}/captions.ass",
                    script=f"videos/{content_id}/script.json", images=[],
                ),
            )
        )  # fmt: skip
    return str(content_id)


def connect(client: TestClient, google: Google) -> str:
    """The studio's connect link, Google's consent, and the studio's callback: the
    channel's id in the list."""
    started = client.get("/channels/youtube/connect")
    assert started.status_code == 303, started.text
    assert started.headers["location"].startswith(f"{google.base}/o/oauth2/v2/auth?")
    landed = urlsplit(google.consent(started.headers["location"]))
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == (
        "http://testserver/channels/youtube/callback"
    )
    back = client.get(f"{landed.path}?{landed.query}")
    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/channels?notice=channels.done_connected"
    page = client.get(back.headers["location"])
    found = re.search(r'action="/channels/([0-9a-f-]{36})/disconnect"', page.text)
    assert found, page.text
    return found.group(1)


def publication(runtime: Runtime, content_id: str) -> Publication:
    with runtime.db.session(write=False) as session:
        found = session.scalars(
            select(Publication)
            .where(Publication.content_id == uuid.UUID(content_id))
            .order_by(Publication.created_at.desc())
        ).first()
        assert found is not None
        session.expunge(found)
        return found


def test_not_configured_says_so_instead_of_a_button(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, secret_key="x" * 40, auth=AuthSettings(min_password_score=3)
    )
    database = Database(settings.effective_database_url())
    upgrade(database)
    database.dispose()
    built = build_runtime(settings)
    try:
        with TestClient(create_app(built, run_worker=False), follow_redirects=False) as client:
            sign_up(client, built, "none@example.com", KO)
            page = client.get("/channels", headers=KO)
            assert "YouTube 게시가 설정되어 있지 않습니다" in page.text
            assert "data-connect" not in page.text
            assert client.get("/channels/youtube/connect").headers["location"] == "/channels"
            content = ready_content(built, "none@example.com")
            shown = client.get(f"/contents/{content}", headers=KO).text
            assert "YouTube 게시가 설정되어 있지 않습니다" in shown
            assert 'action="/contents/' + content + '/publish#publish-h"' not in shown
    finally:
        built.close()


def test_connect_publish_and_see_it_published(
    client: TestClient, runtime: Runtime, google: Google
) -> None:
    sign_up(client, runtime, "pub@example.com", KO)
    client.headers.update(KO)
    assert "아직 연결된 채널이 없습니다" in client.get("/channels").text
    channel = connect(client, google)
    listed = client.get("/channels?notice=channels.done_connected").text
    assert "채널을 연결했습니다." in listed
    assert CHANNEL_TITLE in listed
    assert CHANNEL_ID in listed
    assert "연결됨" in listed

    content = ready_content(runtime, "pub@example.com")
    shown = client.get(f"/contents/{content}")
    assert f'action="/contents/{content}/publish#publish-h"' in shown.text
    assert 'value="Asia/Seoul"' in shown.text  # the Korean page's zone until the script's
    token = form_token(shown)
    # Refusals on their fields, in the page's language, nothing started.
    past = client.post(f"/contents/{content}/publish", data={
        "csrf": token, "channel_id": channel, "privacy": "public",
        "publish_at": "2020-01-01T09:00", "timezone": "Asia/Seoul"})  # fmt: skip
    assert past.status_code == 422
    assert re.search(r'id="f-publish_at-error">미래 시각이어야 합니다', past.text)
    zone = client.post(f"/contents/{content}/publish", data={
        "csrf": token, "channel_id": channel, "privacy": "public",
        "publish_at": "2030-01-01T09:00", "timezone": "Mars/Olympus"})  # fmt: skip
    assert re.search(r'id="f-timezone-error">알 수 없는 시간대', zone.text)
    assert 'value="Mars/Olympus"' in zone.text  # what was typed stays
    privacy = client.post(f"/contents/{content}/publish", data={
        "csrf": token, "channel_id": channel, "privacy": "everyone"})  # fmt: skip
    assert re.search(r'id="f-privacy-error">보기 중에서 골라 주세요', privacy.text)
    with runtime.db.session(write=False) as session:
        assert session.scalars(select(Publication)).first() is None

    # Scheduled at 09:00 in Seoul: 00:00 UTC, what the video resource carries.
    scheduled = {"csrf": token, "channel_id": channel, "privacy": "public",
                 "publish_at": "2030-01-01T09:00", "timezone": "Asia/Seoul",
                 "made_for_kids": "1"}  # fmt: skip
    started = client.post(f"/contents/{content}/publish", data=scheduled)
    assert started.status_code == 303, started.text
    assert started.headers["location"] == f"/contents/{content}?notice=publish.started"
    publishing = client.get(started.headers["location"]).text
    assert "게시를 시작했습니다" in publishing
    assert "data-publications" in publishing
    assert "올리는 중" in publishing
    assert f'action="/contents/{content}/publish#publish-h"' not in publishing  # one at a time
    state = client.get(f"/contents/{content}/publications").json()["state"]

    pid = publication(runtime, content).id
    assert PublicationJob(runtime, "test")(str(pid)) == "published"
    assert client.get(f"/contents/{content}/publications").json()["state"] != state
    published = client.get(f"/contents/{content}").text
    video = google.videos[next(iter(google.videos))]
    assert video.resource["status"]["publishAt"] == "2030-01-01T00:00:00Z"
    assert video.resource["status"]["selfDeclaredMadeForKids"] is True
    link = re.search(r'<a href="(https://www\.youtube\.com/watch\?v=[^"]+)"[^>]*data-video-link>'
                     r"YouTube에서 보기</a>", published)  # fmt: skip
    assert link, published
    assert "2030-01-01 00:00 UTC에 공개" in published
    assert "data-publications" not in published  # nothing left to follow


def test_failing_and_waiting_for_quota_said_in_words(
    client: TestClient, runtime: Runtime, google: Google
) -> None:
    sign_up(client, runtime, "quota@example.com", EN)
    client.headers.update(EN)
    channel = connect(client, google)
    first = ready_content(runtime, "quota@example.com")
    token = form_token(client.get(f"/contents/{first}"))
    data = {"csrf": token, "channel_id": channel, "privacy": "unlisted"}
    assert client.post(f"/contents/{first}/publish", data=data).status_code == 303
    # Google forgets the grant: the upload fails, said in words, the video can be
    # published again, and the channel needs connecting again.
    google.revoke_all()
    assert PublicationJob(runtime, "test")(str(publication(runtime, first).id)) == "failed"
    failed = client.get(f"/contents/{first}").text
    assert "The channel needs connecting again: Google no longer accepts" in failed
    # No connected channel left: no form, a word on what to do.
    assert f'action="/contents/{first}/publish#publish-h"' not in failed
    assert "This channel needs connecting again before publishing to it." in failed
    channels = client.get("/channels").text
    assert "Needs connecting again" in channels
    assert "Connect again" in channels
    # Publishing to it now is refused by the service's rule, said on the form.
    refused = client.post(f"/contents/{first}/publish", data=data)
    assert refused.status_code == 422
    assert "This channel needs connecting again before publishing to it." in refused.text

    assert connect(client, google) == channel  # connecting again clears it
    assert "Needs connecting again" not in client.get("/channels").text
    second = ready_content(runtime, "quota@example.com")
    assert client.post(f"/contents/{second}/publish", data=data).status_code == 303
    with runtime.db.session() as session:
        QuotaRepository(session).exhaust(
            quota_day(), "uploads", runtime.settings.youtube_daily_uploads
        )
    assert PublicationJob(runtime, "test")(str(publication(runtime, second).id)) == "waiting"
    waiting = client.get(f"/contents/{second}").text
    assert re.search(
        r"today&#39;s YouTube upload quota is used up\. It is uploaded when the quota "
        r"renews, at \d{4}-\d\d-\d\d \d\d:\d\d UTC",
        waiting,
    ), waiting
    assert "data-publications" in waiting  # followed while it waits
    assert '<span class="badge s-publishing">Waiting</span>' in waiting


def test_webhook_endpoints_secret_once_events_log_and_redeliver(
    client: TestClient, runtime: Runtime, receiver: Receiver
) -> None:
    sign_up(client, runtime, "hooks@example.com", KO)
    client.headers.update(KO)
    page = client.get("/webhooks")
    token = form_token(page)
    assert "영상 완성" in page.text
    assert "content.ready" in page.text
    # The API's rules, on their fields: no events, a URL AutoClip does not call.
    none = client.post("/webhooks", data={"csrf": token, "url": receiver.url})
    assert none.status_code == 422
    assert "이벤트를 하나 이상 골라 주세요." in none.text
    local = client.post("/webhooks", data={"csrf": token, "url": "http://10.1.2.3/hook",
                                           "events": ["content.ready"]})  # fmt: skip
    assert re.search(r'id="f-url-error">AutoClip은 이 주소를 호출하지 않습니다', local.text)
    made = client.post("/webhooks", data={
        "csrf": token, "url": receiver.url, "description": HOSTILE,
        "events": ["content.ready", "content.published"]})  # fmt: skip
    assert made.status_code == 201, made.text
    secret = re.search(r'<code id="new-secret">(whsec_[A-Za-z0-9+/=]+)</code>', made.text)
    assert secret, made.text
    assert HOSTILE not in made.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in made.text
    endpoint = re.search(r'href="/webhooks/([0-9a-f-]{36})"', made.text)
    assert endpoint
    where = f"/webhooks/{endpoint.group(1)}"
    shown = client.get(where).text
    assert "whsec_" not in shown
    assert "whsec_" not in client.get("/webhooks").text  # once
    assert "아직 보낸 것이 없습니다." in shown

    # Events changed; the service's rule that one is needed, said on the field.
    empty = client.post(where, data={"csrf": token, "url": receiver.url, "description": ""})
    assert empty.status_code == 422
    assert "이벤트를 하나 이상" in empty.text
    saved = client.post(where, data={"csrf": token, "url": receiver.url, "description": "n8n",
                                     "events": ["content.published"]})  # fmt: skip
    assert saved.headers["location"] == f"{where}?notice=webhooks.saved"
    after = client.get(saved.headers["location"]).text
    assert "엔드포인트를 저장했습니다." in after
    assert re.search(r'value="content.published" checked', after)
    assert not re.search(r'value="content.ready" checked', after)

    # A new secret, shown once; the receiver checks a delivery signed with it.
    rotated = client.post(f"{where}/rotate", data={"csrf": token})
    new_secret = re.search(r'<code id="new-secret">(whsec_[^<]+)</code>', rotated.text)
    assert new_secret
    assert new_secret.group(1) != secret.group(1)
    assert "이전 비밀 키로도 서명합니다" in rotated.text
    receiver.secrets = [new_secret.group(1)]
    receiver.answers = [500]
    from autoclip.service.webhooks.events import EventType
    from autoclip.service.webhooks.service import emit

    with runtime.db.session() as session:
        user_id = session.scalars(select(User.id).where(User.email == "hooks@example.com")).one()
        (delivery_id,) = emit(session, runtime.jobs, user_id, EventType.CONTENT_PUBLISHED,
                              {"id": "x", "video_url": "https://example.com/v"})  # fmt: skip
    assert deliver(runtime.db.session, runtime.jobs, runtime.settings, runtime.sealer,
                   delivery_id) == "retried"  # fmt: skip
    log = client.get(where).text
    assert "영상 게시됨" in log
    assert "보낼 예정" in log
    assert ">500<" in log
    # Turned off, a delivery is not sent again; turned on, it is.
    assert client.post(f"{where}/disable", data={"csrf": token}).status_code == 303
    assert "꺼짐 (직접 끔)" in client.get("/webhooks").text
    again = f"{where}/deliveries/{delivery_id}/redeliver"
    refused = client.post(again, data={"csrf": token})
    assert refused.headers["location"] == f"{where}?problem=disabled"
    assert "먼저 켜 주세요" in client.get(refused.headers["location"]).text
    assert client.post(f"{where}/enable", data={"csrf": token}).status_code == 303
    sent = client.post(again, data={"csrf": token})
    assert sent.headers["location"] == f"{where}?notice=webhooks.redelivered"
    with runtime.db.session() as session:
        session.get(WebhookDelivery, delivery_id).next_attempt_at = utcnow()  # type: ignore[union-attr]
    assert deliver(runtime.db.session, runtime.jobs, runtime.settings, runtime.sealer,
                   delivery_id) == "delivered"  # fmt: skip
    delivered = client.get(where).text
    assert "전달됨" in delivered
    assert ">200<" in delivered
    assert receiver.got[-1].status == 200
    assert receiver.got[-1].verified_with == [0]

    deleted = client.post(f"{where}/delete", data={"csrf": token})
    assert deleted.headers["location"] == "/webhooks?notice=webhooks.deleted"
    assert client.get(where).status_code == 404


def test_another_users_channels_webhooks_and_videos_are_not_found(
    client: TestClient, runtime: Runtime, google: Google
) -> None:
    sign_up(client, runtime, "owner@example.com", EN)
    channel = connect(client, google)
    token = form_token(client.get("/webhooks"))
    made = client.post("/webhooks", data={"csrf": token, "url": "http://127.0.0.1:9/h",
                                          "events": ["content.ready"]})  # fmt: skip
    endpoint = re.search(r'href="/webhooks/([0-9a-f-]{36})"', made.text)
    assert endpoint
    content = ready_content(runtime, "owner@example.com")
    with runtime.db.session() as session:
        user_id = session.scalars(select(User.id).where(User.email == "owner@example.com")).one()
        from autoclip.service.webhooks.events import EventType
        from autoclip.service.webhooks.service import emit

        (delivery_id,) = emit(session, runtime.jobs, user_id, EventType.CONTENT_READY, {})
    # The consent Google gave the owner, brought to another account's browser.
    started = client.get("/channels/youtube/connect").headers["location"]
    landed = urlsplit(google.consent(started))

    other = other_browser(client, runtime, "intruder@example.com")
    other_token = form_token(other.get("/webhooks"))
    mine = f"/webhooks/{endpoint.group(1)}"
    for path in (mine, f"/contents/{content}", f"/contents/{content}/publications",
                 f"{mine}?page=2"):  # fmt: skip
        assert other.get(path).status_code == 404, path
    for path, data in (
        (f"/channels/{channel}/disconnect", {}),
        (mine, {"url": "http://127.0.0.1:9/x", "events": ["content.ready"]}),
        (f"{mine}/enable", {}), (f"{mine}/disable", {}), (f"{mine}/rotate", {}),
        (f"{mine}/delete", {}), (f"{mine}/deliveries/{delivery_id}/redeliver", {}),
        (f"/contents/{content}/publish", {"channel_id": channel}),
    ):  # fmt: skip
        answer = other.post(path, data={"csrf": other_token, **data})
        assert answer.status_code == 404, (path, answer.text[:300])
        assert "찾을 수 없습니다" in answer.text
    back = other.get(f"{landed.path}?{landed.query}")
    assert back.status_code == 403
    assert "이 계정이 시작한 연결이 아니거나" in back.text
    assert other.get("/channels").text.count("/disconnect") == 0
    # The intruder's own endpoint cannot send the owner's delivery again either.
    theirs = other.post("/webhooks", data={"csrf": other_token, "url": "http://127.0.0.1:9/i",
                                           "events": ["content.ready"]})  # fmt: skip
    their_id = re.search(r'href="/webhooks/([0-9a-f-]{36})"', theirs.text)
    assert their_id
    crossed = other.post(f"/webhooks/{their_id.group(1)}/deliveries/{delivery_id}/redeliver",
                         data={"csrf": other_token})  # fmt: skip
    assert crossed.status_code == 404
    # Everything still the owner's.
    assert CHANNEL_TITLE in client.get("/channels").text
    assert client.get(mine).status_code == 200
    # A form without the browser's token changes nothing.
    assert client.post(f"/channels/{channel}/disconnect", data={}).status_code == 403
    # Disconnecting: Google confirms the grant revoked.
    gone = client.post(f"/channels/{channel}/disconnect", data={"csrf": token})
    assert gone.headers["location"] == "/channels?notice=channels.done_removed"
    assert "Google confirmed the access is revoked" in client.get(gone.headers["location"]).text
    assert google.revoked


def test_a_refused_consent_is_said_in_words(
    client: TestClient, runtime: Runtime, google: Google
) -> None:
    sign_up(client, runtime, "deny@example.com", EN)
    denied = client.get("/channels/youtube/callback?error=access_denied&state=x")
    assert denied.status_code == 403
    assert "access was not allowed on Google&#39;s page" in denied.text
    forged = client.get("/channels/youtube/callback?code=4/abc&state=not-sealed")
    assert forged.status_code == 403
    assert "not for a connection started by this account" in forged.text
    # A code Google does not know (used once already, say).
    started = client.get("/channels/youtube/connect").headers["location"]
    landed = urlsplit(google.consent(started))
    assert client.get(f"{landed.path}?{landed.query}").status_code == 303
    replay = client.get(f"{landed.path}?{landed.query}")
    assert replay.status_code == 403
    assert "Google refused the sign-in" in replay.text
    # Signed out, the callback asks for a log-in first and comes back.
    fresh = TestClient(client.app, follow_redirects=False)
    assert (
        fresh.get(f"{landed.path}?{landed.query}")
        .headers["location"]
        .startswith("/login?next=/channels/youtube/callback")
    )
