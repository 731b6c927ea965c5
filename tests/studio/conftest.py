"""The studio in a real Chromium: one embedded server (SQLite, local folder, the worker
inside, offline providers) and one browser for the studio's tests; a fresh browser context
(cookies, language) per user. The server publishes to the local Google stand-in
(tests/youtube_server.py), consent page included.

Chromium is Debian's package (`scripts/ensure-tools.sh` installs it), driven by
Playwright's Python package with that executable: Playwright's own browser download is
never used. Screenshots go to `$AUTOCLIP_STUDIO_SCREENSHOTS` when it is set.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from autoclip.service.app import create_app
from autoclip.service.db import Database
from autoclip.service.migrate import upgrade
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings, WorkerSettings
from youtube_server import Google, google_standin, youtube_settings

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "푸른 바다 위의 고래 노래"
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


@dataclass
class Studio:
    base: str
    runtime: Runtime

    def mailed_token(self, email: str) -> str:
        """The newest verification token mailed to `email` (the outbox folder: no mail
        server is configured)."""
        self.runtime.mail.wait_idle(timeout=30)
        found: list[str] = []
        for path in sorted(self.runtime.settings.outbox_dir.glob("*.eml")):
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if message["To"] == email.lower():
                body = message.get_body()
                assert body is not None
                found += JWT.findall(body.get_content())
        assert found, f"no mail to {email}"
        return found[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="package")
def google() -> Iterator[Google]:
    """Google's consent page and the YouTube Data API, on loopback, for the studio's tests."""
    with google_standin() as state:
        yield state


@pytest.fixture(scope="package")
def studio(tmp_path_factory: pytest.TempPathFactory, google: Google) -> Iterator[Studio]:
    data = tmp_path_factory.mktemp("studio-data")
    port = _free_port()
    settings = Settings(
        data_dir=data,
        secret_key="studio-test-" + uuid.uuid4().hex,
        worker=WorkerSettings(lease_seconds=5, reconcile_seconds=0.5, retry_base_seconds=0),
        **youtube_settings(google.base)
        | {
            "outbound_allow": "127.0.0.1",  # a failing page, Google, webhooks: on loopback
            # No PUBLIC_URL: the studio's callback is this site as the browser sees it.
            "youtube_redirect_uri": "",
        },
    )
    database = Database(settings.effective_database_url())
    upgrade(database)
    database.dispose()
    runtime = build_runtime(settings)
    config = uvicorn.Config(
        create_app(runtime, run_worker=True), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped as it started"
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.05)
    try:
        yield Studio(f"http://127.0.0.1:{port}", runtime)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        runtime.close()


# Package scope: Playwright's sync API keeps an event loop running in this thread, so it
# must stop when the studio's tests are done; the tests after them on the same worker may
# call asyncio.run (tests/conftest.py runs this folder as one unit).
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("the studio tests need Chromium: apt-get install chromium (ensure-tools.sh)")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield launched
    launched.close()


def open_context(
    browser: Browser, language: str, width: int = 1280, height: int = 900,
    timezone: str | None = None,
) -> BrowserContext:  # fmt: skip
    """A new browser profile whose language is `language` (ko or en), in `timezone` (an
    IANA name; the machine's when None)."""
    header = "ko-KR,ko;q=0.9,en;q=0.5" if language == "ko" else "en-US,en;q=0.9"
    context = browser.new_context(
        locale="ko-KR" if language == "ko" else "en-US",
        extra_http_headers={"Accept-Language": header},
        viewport={"width": width, "height": height},
        accept_downloads=True,
        timezone_id=timezone,
    )
    context.set_default_timeout(20_000)
    return context


def screenshot(page: Page, name: str) -> bytes:
    """A full-page screenshot once the fonts have loaded; kept in
    $AUTOCLIP_STUDIO_SCREENSHOTS when it is set."""
    page.evaluate("document.fonts.ready.then(() => true)")
    image = page.screenshot(full_page=True)
    folder = os.environ.get("AUTOCLIP_STUDIO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.png").write_bytes(image)
    return image


def sign_up_and_in(studio: Studio, page: Page, email: str, name: str) -> None:
    """Sign up through the pages, open the mailed confirmation page, confirm, log in."""
    page.goto(f"{studio.base}/signup")
    page.get_by_label(re.compile("^(Name|이름)$")).fill(name)
    page.get_by_label(re.compile("^(Email|이메일)$")).fill(email)
    page.get_by_label(re.compile("^(Password|비밀번호)")).fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("h1")
    page.goto(f"{studio.base}/verify-email?token={studio.mailed_token(email)}")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label(re.compile("^(Email|이메일)$")).fill(email)
    page.get_by_label(re.compile("^(Password|비밀번호)$")).fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{studio.base}/")
