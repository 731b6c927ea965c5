"""The studio used as a person would, in a real Chromium against a real server: signing up
in Korean, making a short from a pasted text with review on, approving it, downloading the
video (probed with ffprobe); a failing web page said in words; the wizard by keyboard
alone on a phone-sized screen; hostile text shown as text; another user's video not found.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from autoclip.providers.cloud.usage import UsageRecord
from autoclip.service.billing.usage import usage_sink
from autoclip.service.models import User
from localserver import serve
from studio.conftest import Studio, open_context, screenshot, sign_up_and_in

pytestmark = pytest.mark.e2e

# Short, so that the offline writer keeps every sentence, the health claim among them.
KOREAN_TEXT = (
    "잠은 몸을 고치고 다음 날을 준비하는 시간입니다. "
    "깊은 잠을 자는 동안 뇌는 낮에 쌓인 노폐물을 씻어 냅니다. "
    "이 차를 마시면 당뇨가 100% 완치됩니다. "
    "잠들기 한 시간 전에는 휴대전화를 멀리 두는 것이 좋습니다. "
    "매일 같은 시간에 일어나면 몸의 시계가 바로잡힙니다."
)
CLAIM = "이 차를 마시면 당뇨가 100% 완치됩니다."
EDITED = "잠은 우리 몸을 쉬게 하는 소중한 시간입니다."
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _probe(ffprobe: Path, video: Path) -> dict[str, Any]:
    found = subprocess.run(
        [str(ffprobe), "-v", "error", "-show_streams", "-show_format", "-of", "json", str(video)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    info: dict[str, Any] = json.loads(found.stdout)
    return info


def _wait_for_heading(page: Page, text: str, timeout: float = 180_000) -> None:
    expect(page.get_by_role("heading", name=text)).to_be_visible(timeout=timeout)


def test_korean_creator_makes_reviews_and_downloads_a_short(
    studio: Studio, browser: Browser, ffprobe: Path, tmp_path: Path
) -> None:
    context = open_context(browser, "ko")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    email = f"minji-{uuid.uuid4().hex[:6]}@example.com"
    sign_up_and_in(studio, page, email, "김민지")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", name="김민지님, 안녕하세요")).to_be_visible()
    expect(page.get_by_text("남은 크레딧")).to_be_visible()
    screenshot(page, "ko-dashboard-empty")

    # A project that holds flagged scripts for review.
    page.get_by_role("link", name="프로젝트").click()
    new_project = page.locator("form", has=page.get_by_role("button", name="프로젝트 만들기"))
    new_project.get_by_label("이름").fill("건강 채널")
    new_project.get_by_label("분야").select_option("senior_health")
    new_project.get_by_label("표시된 대본은 만들기 전에 내 검토를 기다리기").check()
    new_project.get_by_role("button", name="프로젝트 만들기").click()
    expect(page.get_by_role("status")).to_have_text("저장했습니다.")

    # The wizard, step by step.
    page.get_by_role("link", name="새 영상").click()
    expect(page.get_by_text("4단계 중 1단계")).to_be_visible()
    page.get_by_label("글", exact=True).fill(KOREAN_TEXT)
    page.get_by_role("button", name="다음").first.click()
    expect(page.get_by_text("4단계 중 2단계")).to_be_visible()
    page.locator("fieldset.current").get_by_role("button", name="다음").click()
    page.get_by_label("프로젝트").select_option(label="건강 채널")
    page.get_by_label("빠른 미리보기 (작은 크기, 빠른 제작)").check()
    # Each offline voice can be heard: a few seconds of MP3, made by the voice itself.
    page.get_by_text("목소리 들어 보기").click()
    sample = page.locator("details.samples audio").first
    expect(sample).to_be_visible()
    heard = page.request.get(studio.base + (sample.get_attribute("src") or ""))
    assert heard.ok
    assert heard.headers["content-type"] == "audio/mpeg"
    assert len(heard.body()) > 2000
    page.locator("fieldset.current").get_by_role("button", name="다음").click()
    expect(page.locator("#estimate")).to_have_text(
        "이 영상은 크레딧 3개 중 1개를 사용합니다. "
        "무료(오프라인) 제공자만 써서 비용이 들지 않습니다."
    )
    page.get_by_role("button", name="영상 만들기").click()

    # Live progress, until the script waits for review.
    page.wait_for_url(re.compile(r"/contents/[0-9a-f-]{36}$"))
    content_url = page.url
    _wait_for_heading(page, "대본 검토")
    expect(page.locator("mark", has_text=CLAIM).first).to_be_visible()
    expect(page.get_by_text("표시됨: 건강 효능 주장").first).to_be_visible()
    screenshot(page, "ko-review")
    page.get_by_role("button", name="승인하고 만들기").click()

    # Approved: made to the end, the page follows it.
    expect(page.get_by_role("heading", name="진행 상황")).to_be_visible()
    expect(page.locator("[data-elapsed]")).not_to_have_text("—")
    screenshot(page, "ko-progress")
    _wait_for_heading(page, "완성된 영상")
    assert page.url == content_url
    video = page.locator("video")
    expect(video).to_be_visible()
    track = page.locator("video track")
    captions = page.request.get(studio.base + (track.get_attribute("src") or ""))
    assert captions.ok
    assert captions.text().startswith("WEBVTT")
    assert "-->" in captions.text()
    expect(page.get_by_role("button", name="복사").first).to_be_visible()
    screenshot(page, "ko-result")

    # The storyboard: one scene's words edited, the last body scene moved to the top (in
    # the page, by its button), saved: made again, the claim still there, so back to review.
    page.get_by_role("link", name="스토리보드 편집").click()
    expect(page.get_by_role("heading", name="스토리보드")).to_be_visible()
    page.get_by_label("내레이션").nth(1).fill(EDITED)
    cards = page.locator("li.movable")
    last_id = cards.last.locator("textarea").get_attribute("id")
    last = page.locator(f"li.movable:has(#{last_id})")  # the same card wherever it goes
    moved_words = last.get_by_label("내레이션").input_value()
    for _place in range(cards.count() - 1):
        last.get_by_role("button", name="위로").click()
    expect(cards.first.get_by_label("내레이션")).to_have_value(moved_words)
    expect(cards.first.get_by_role("heading")).to_have_text("장면 1")
    expect(page.locator("[data-announce]")).to_have_text("장면을 1번째로 옮겼습니다.")
    screenshot(page, "ko-storyboard")
    page.get_by_role("button", name="저장하고 다시 만들기").click()
    page.wait_for_url(content_url)
    _wait_for_heading(page, "대본 검토")
    page.get_by_role("button", name="승인하고 만들기").click()
    _wait_for_heading(page, "완성된 영상")
    narrations = page.locator("ol.scenes li").all_inner_texts()
    assert moved_words in narrations[1], narrations  # the first body scene, after the hook
    assert any(EDITED in card for card in narrations), narrations
    captions = page.request.get(studio.base + (track.get_attribute("src") or ""))
    assert "우리 몸을 쉬게" in captions.text()

    with page.expect_download() as waiting:
        page.get_by_role("link", name="영상 (MP4)").click()
    target = tmp_path / "video.mp4"
    waiting.value.save_as(target)
    info = _probe(ffprobe, target)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert (streams["video"]["width"], streams["video"]["height"]) == (720, 1280)  # draft
    assert streams["audio"]["codec_name"] == "aac"
    assert float(info["format"]["duration"]) > 5

    # Two days of a paid narrator's use, recorded as a worker records it: the usage chart.
    record = usage_sink(studio.runtime.db, user_id(studio, email), uuid.UUID(content_url[-36:]))
    now = datetime.now(UTC)
    record(UsageRecord("elevenlabs", "narration", {"characters": 900}, 0.27, now))
    record(UsageRecord("gemini", "script", {"tokens": 3000}, 0.05, now - timedelta(days=2)))
    page.goto(f"{studio.base}/usage")
    expect(page.locator("figure.chart svg rect")).to_have_count(2 + 2)  # bars and legend
    expect(page.get_by_text("합계: $0.3200")).to_be_visible()

    tour(studio, page, content_url)
    assert errors == [], errors
    context.close()


def user_id(studio: Studio, email: str) -> uuid.UUID:
    with studio.runtime.db.session(write=False) as session:
        found = session.execute(select(User.id).where(User.email == email)).scalar_one()
        assert isinstance(found, uuid.UUID)
        return found


def tour(studio: Studio, page: Page, content_url: str) -> None:
    """Every page of a signed-in user in Korean, then in English (switched with the
    header's form): each page says its language, and the English ones carry no Hangul
    beyond the user's own words."""
    pages = ["/", "/contents", "/new", "/projects", "/keys", "/usage", "/account", content_url]
    user_text = ("김민지", "건강 채널")
    for language in ("ko", "en"):
        if language == "en":
            page.get_by_label("표시 언어").select_option("en")
            page.get_by_role("button", name="변경").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        for path in pages:
            page.goto(path if path.startswith("http") else studio.base + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            name = "content" if path == content_url else (path.strip("/") or "dashboard")
            screenshot(page, f"{language}-{name}")
            if language == "en" and path != content_url and path not in ("/", "/contents"):
                shown = page.locator("main").inner_text()
                for words in user_text:
                    shown = shown.replace(words, "")
                assert not HANGUL.search(shown), (path, shown)


def tab_to(page: Page, target: Locator, most: int = 40) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would."""
    for _press in range(most):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


class NotFoundPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>gone</body></html>")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_keyboard_only_wizard_on_a_phone_and_a_failing_page_said_in_words(
    studio: Studio, browser: Browser
) -> None:
    context = open_context(browser, "en", width=390, height=844)
    page = context.new_page()
    sign_up_and_in(studio, page, f"phone-{uuid.uuid4().hex[:6]}@example.com", "Alex")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{studio.base}/new")
    # No horizontal scrolling at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with serve(NotFoundPage) as base:
        # Keyboard only, from the top of the page: Tab to the source choice, an arrow key
        # to "A web page".
        tab_to(page, page.get_by_label("A text I paste"))
        page.keyboard.press("ArrowDown")
        expect(page.get_by_label("A web page")).to_be_checked()
        page.keyboard.press("Tab")
        expect(page.get_by_label("Web address")).to_be_focused()
        page.keyboard.type(f"{base}/article")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # Next
        expect(page.get_by_text("Step 2 of 4")).to_be_visible()
        expect(page.locator("fieldset.current legend")).to_be_focused()
        for _step in range(2):
            tab_to(page, page.locator("fieldset.current [data-next]"))
            page.keyboard.press("Enter")
        expect(page.get_by_text("Step 4 of 4")).to_be_visible()
        screenshot(page, "en-phone-wizard")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Make the video")).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/contents/[0-9a-f-]{36}$"))
        _wait_for_heading(page, "This video could not be made.", timeout=90_000)
    expect(page.get_by_text("It stopped while: Writing the script.")).to_be_visible()
    expect(page.get_by_text("The web page is not there (it answered 404).")).to_be_visible()
    expect(page.locator("[data-error]")).to_contain_text("404")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "en-phone-failed")
    # The other pages fit a phone too: nothing wider than the screen.
    for path in ("/", "/projects", "/media", "/keys", "/usage", "/account"):
        page.goto(studio.base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(page, f"en-phone-{path.strip('/') or 'dashboard'}")
    context.close()


HOSTILE = (
    '<script>window.pwned=1</script> "><img src=x onerror="window.pwned=2"> {\\b1\\c&H0000FF&}'
)


def test_hostile_text_is_shown_as_text_and_another_users_video_is_not_found(
    studio: Studio, browser: Browser
) -> None:
    owner = open_context(browser, "en")
    page = owner.new_page()
    sign_up_and_in(studio, page, f"owner-{uuid.uuid4().hex[:6]}@example.com", HOSTILE)
    page.goto(f"{studio.base}/projects")
    form = page.locator("form", has=page.get_by_role("button", name="Create project"))
    form.get_by_label("Name").fill(HOSTILE)
    form.get_by_label("Hold flagged scripts for my review before anything is made").check()
    form.get_by_role("button", name="Create project").click()
    page.goto(f"{studio.base}/new")
    page.get_by_label("Text", exact=True).fill(
        f"Walking every day keeps the heart strong. {HOSTILE} This miracle pill cures "
        "diabetes in a week, guaranteed. Start with a short walk today."
    )
    next_step = page.locator("fieldset.current").get_by_role("button", name="Next")
    next_step.click()
    page.get_by_label("Language", exact=True).select_option("en")
    next_step.click()
    page.get_by_label("Project").select_option(label=HOSTILE)
    next_step.click()
    page.get_by_role("button", name="Make the video").click()
    page.wait_for_url(re.compile(r"/contents/[0-9a-f-]{36}$"))
    answer = page.request.get(page.url)  # the page as the browser gets it (its cookies)
    assert answer.ok
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    _wait_for_heading(page, "Review the script", timeout=90_000)
    content_url = page.url
    for path in ("/", "/projects", "/new", content_url.removeprefix(studio.base)):
        page.goto(studio.base + path)
        assert page.evaluate("window.pwned") is None
        assert page.locator("main img[src=x]").count() == 0
        assert page.locator("main script").count() == 0
    page.goto(studio.base + "/")
    expect(page.get_by_role("heading", name=f"Hello, {HOSTILE}")).to_be_visible()
    page.goto(content_url)
    expect(
        page.locator("main").get_by_text("<script>window.pwned=1</script>").first
    ).to_be_visible()
    screenshot(page, "en-hostile-review")

    other = open_context(browser, "ko")
    stranger = other.new_page()
    sign_up_and_in(studio, stranger, f"other-{uuid.uuid4().hex[:6]}@example.com", "이서준")
    opened = stranger.goto(content_url)
    assert opened is not None
    assert opened.status == 404
    expect(stranger.get_by_role("heading", name="찾을 수 없습니다")).to_be_visible()
    assert stranger.locator("main").inner_text().count("pwned") == 0
    # Nor can its actions be used on it.
    stranger.goto(studio.base + "/")
    token = stranger.locator("input[name=csrf]").first.input_value()
    refused = stranger.request.post(f"{content_url}/approve", form={"csrf": token})
    assert refused.status == 404
    owner.close()
    other.close()
