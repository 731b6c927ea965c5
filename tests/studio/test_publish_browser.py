"""Publishing from the studio in a real Chromium: a channel connected through the real
redirect to the local Google stand-in's consent page and back, a webhook endpoint added
(its secret shown once), a ready video published and seen published with its link, the
webhook's delivery in its log. The video is written ready (as tests/service's publishing
tests do; a render is the other browser tests' part), with a real thumbnail and captions
for the page's player."""

from __future__ import annotations

import io
import os
import re
import uuid

import pytest
from PIL import Image
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from autoclip.service.contents.records import Outputs, StoredOptions
from autoclip.service.models import Content, ContentStatus, GenerationType, Project, User
from studio.conftest import Studio, open_context, screenshot, sign_up_and_in
from webhook_receiver import webhook_receiver
from youtube_server import CHANNEL_TITLE, Google

pytestmark = pytest.mark.e2e

SRT = "1\n00:00:00,000 --> 00:00:02,000\n잠은 중요합니다.\n"


def ready_content(studio: Studio, email: str, title: str) -> str:
    runtime = studio.runtime
    content_id = uuid.uuid4()
    folder = f"videos/{content_id}"
    thumbnail = io.BytesIO()
    Image.new("RGB", (216, 384), (30, 90, 160)).save(thumbnail, "JPEG")
    runtime.storage.put_bytes(f"{folder}/original.mp4", os.urandom(200_000), "video/mp4")
    runtime.storage.put_bytes(f"{folder}/thumbnail.jpg", thumbnail.getvalue(), "image/jpeg")
    runtime.storage.put_bytes(f"{folder}/captions.srt", SRT.encode(), "application/x-subrip")
    with runtime.db.session() as session:
        user_id = session.scalars(select(User.id).where(User.email == email)).one()
        project = session.scalars(
            select(Project).where(Project.user_id == user_id, Project.is_default)
        ).one()
        session.add(
            Content(
                id=content_id, user_id=user_id, project_id=project.id,
                generation_type=GenerationType.TEXT, source="잠은 중요합니다.", language="ko",
                options=StoredOptions(vertical=project.vertical), status=ContentStatus.READY,
                title=title, duration_s=2.0,
                script={"title": title, "description": "수면의 신호.", "hashtags": ["#수면"],
                        "hook": {"narration": "잠", "on_screen_text": "잠"}, "scenes": [],
                        "cta": {"narration": "구독", "on_screen_text": "구독"}},
                outputs=Outputs(
                    video=f"{folder}/original.mp4", thumbnail=f"{folder}/thumbnail.jpg",
                    audio=f"{folder}/audio.mp3", captions_srt=f"{folder}/captions.srt",
                    captions_ass=f"{folder}/captions.ass", script=f"{folder}/script.json",
                    images=[],
                ),
            )
        )  # fmt: skip
    return str(content_id)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_connect_a_channel_add_a_webhook_and_publish(
    studio: Studio, browser: Browser, google: Google, language: str
) -> None:
    ko = language == "ko"
    zone = "Asia/Seoul" if ko else "America/New_York"
    context = open_context(browser, language, timezone=zone)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    email = f"pub-{language}-{uuid.uuid4().hex[:6]}@example.com"
    sign_up_and_in(studio, page, email, "박서준" if ko else "Sam")

    # Channels: connect through Google's consent page and back to the studio.
    page.get_by_role("link", name="게시" if ko else "Publishing", exact=True).click()
    screenshot(page, f"{language}-channels-empty")
    page.locator("[data-connect]").click()
    page.wait_for_url(re.compile(re.escape(google.base) + "/o/oauth2/v2/auth"))
    page.locator("#allow").click()
    page.wait_for_url(re.compile(r"/channels\?notice=channels.done_connected$"))
    expect(page.get_by_role("status")).to_have_text(
        "채널을 연결했습니다." if ko else "The channel is connected."
    )
    expect(page.get_by_role("heading", name=CHANNEL_TITLE)).to_be_visible()
    expect(page.get_by_text("연결됨" if ko else "Connected", exact=True)).to_be_visible()
    screenshot(page, f"{language}-channels")

    with webhook_receiver() as receiver:
        # Webhooks: add one for "published"; its secret is shown once.
        page.get_by_role("link", name="웹훅" if ko else "Webhooks", exact=True).click()
        page.get_by_label("주소 (URL)" if ko else "Address (URL)").fill(receiver.url + "/hook")
        page.get_by_label("영상 게시됨" if ko else "A video is published").check()
        page.get_by_role("button", name="엔드포인트 추가" if ko else "Add endpoint").click()
        secret = page.locator("#new-secret").inner_text()
        assert secret.startswith("whsec_")
        receiver.secrets = [secret]
        screenshot(page, f"{language}-webhook-created")
        page.goto(f"{studio.base}/webhooks")  # the list again: the secret is not in it
        expect(page.locator("#new-secret")).to_have_count(0)
        expect(page.get_by_text("whsec_")).to_have_count(0)

        # Publish a ready video; the page follows the upload until it is published.
        title = "잠이 부족하면 생기는 일" if ko else "What too little sleep does"
        content = ready_content(studio, email, title)
        page.goto(f"{studio.base}/contents/{content}")
        # The browser's own zone, said by its script (the server's default is Seoul's or UTC).
        expect(page.get_by_label("시간대" if ko else "Time zone")).to_have_value(zone)
        page.get_by_label("공개" if ko else "Public", exact=True).check()
        screenshot(page, f"{language}-publish-form")
        # A time in the past: the service's rule, on the field, the choices kept.
        page.get_by_label(re.compile("^(예약 게시 시각|Publish later)")).fill("2020-01-01T09:00")
        page.get_by_role("button", name="게시하기" if ko else "Publish").click()
        expect(page.locator("#f-publish_at-error")).to_have_text(
            "미래 시각이어야 합니다." if ko else "The time must be in the future."
        )
        expect(page.get_by_label("공개" if ko else "Public", exact=True)).to_be_checked()
        screenshot(page, f"{language}-publish-refused")
        page.get_by_label(re.compile("^(예약 게시 시각|Publish later)")).fill("")
        page.get_by_role("button", name="게시하기" if ko else "Publish").click()
        link = page.get_by_role("link", name="YouTube에서 보기" if ko else "Watch on YouTube")
        expect(link).to_be_visible(timeout=60_000)
        assert re.fullmatch(
            r"https://www\.youtube\.com/watch\?v=[\w-]+", link.get_attribute("href") or ""
        )
        expect(page.locator("h1 .badge")).to_have_text("게시됨" if ko else "Published")
        screenshot(page, f"{language}-published")

        # The webhook heard of it, signed with the secret shown, and its log says so.
        page.get_by_role("link", name="게시" if ko else "Publishing", exact=True).click()
        page.get_by_role("link", name="웹훅" if ko else "Webhooks", exact=True).click()
        page.get_by_role(
            "link", name="설정과 전송 기록" if ko else "Settings and deliveries"
        ).click()
        row = page.locator("table.deliveries tbody tr").first
        for _ in range(30):
            if ("전달됨" if ko else "Delivered") in row.inner_text():
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(row).to_contain_text("전달됨" if ko else "Delivered")
        expect(row).to_contain_text("200")
        assert receiver.events("/hook") == ["content.published"]
        assert receiver.got[-1].verified_with == [0]
        screenshot(page, f"{language}-webhook-log")
    assert errors == []
    context.close()
