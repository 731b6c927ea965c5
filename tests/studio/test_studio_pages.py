"""The studio's pages over HTTP, without a browser: the language, the session cookie and
the form tokens, the API's sign-in rules said in words, who may see what, the headers,
and a catalog with every word in both languages."""

from __future__ import annotations

import html
import re
import string
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from redis import Redis

from autoclip.providers.config import GeminiConfig
from autoclip.service.app import create_app
from autoclip.service.billing.usage import DailyUsage, UsageReport
from autoclip.service.db import Database
from autoclip.service.deps import ANONYMOUS_PER_MINUTE
from autoclip.service.migrate import upgrade
from autoclip.service.models import Content
from autoclip.service.protection import STRICT_CSP
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.service.studio.catalog import MESSAGES
from autoclip.service.studio.chart import HEIGHT, LEFT, WIDTH, cost_chart
from autoclip.settings import AuthSettings, Settings
from ratelimits import frozen_rate_limits
from s3server import create_bucket, s3_endpoint, use_test_credentials
from service.conftest import empty_postgres

__all__ = ["s3_endpoint"]  # a fixture, used by name

TEMPLATES = Path(__file__).parents[2] / "src/autoclip/service/studio/templates"
PASSWORD = "푸른 바다 위의 고래 노래"
FORM_TOKEN = re.compile(r'name="csrf" value="([0-9a-f]+)"')
KO = {"Accept-Language": "ko-KR,ko;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture(scope="package")
def migrated_postgres(postgres_server_url: str) -> str:
    database = Database(postgres_server_url)
    upgrade(database)
    database.dispose()
    return postgres_server_url


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """The pages in both modes: embedded (SQLite, limits in the process) and distributed
    (PostgreSQL, limits and the job queue in Redis)."""
    fields: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "secret_key": "studio-pages-" + uuid.uuid4().hex,
        "auth": AuthSettings(failures_per_account=3, min_password_score=3),
    }
    fields["data_dir"].mkdir()
    # A test module may add settings of its own (the factory's pages fetch from loopback).
    fields |= getattr(request.module, "EXTRA_SETTINGS", {})
    if request.param == "postgresql":
        url = request.getfixturevalue("migrated_postgres")
        empty_postgres(url)
        redis_url = request.getfixturevalue("redis_server_url")
        Redis.from_url(redis_url).flushdb()
        fields |= {"database_url": url, "redis_url": redis_url}
    if "s3" in request.fixturenames:  # the files in a bucket of a local S3 server
        endpoint = request.getfixturevalue("s3")
        fields |= {"storage_url": f"s3://{create_bucket(endpoint)}/autoclip",
                   "s3_endpoint_url": endpoint}  # fmt: skip
    settings = Settings(**fields)
    if request.param == "sqlite":
        database = Database(settings.effective_database_url())
        upgrade(database)
        database.dispose()
    built = build_runtime(settings)
    yield built
    built.close()


@pytest.fixture
def s3(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A local S3 server's endpoint, with the test credentials set."""
    endpoint: str = request.getfixturevalue("s3_endpoint")
    use_test_credentials(monkeypatch)
    return endpoint


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, run_worker=False), follow_redirects=False) as browser:
        yield browser


def form_token(page: Response) -> str:
    found = FORM_TOKEN.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def sign_up(client: TestClient, runtime: Runtime, email: str, headers: dict[str, str]) -> None:
    """Through the pages: sign up, confirm with the mailed code, log in."""
    token = form_token(client.get("/signup", headers=headers))
    made = client.post(
        "/signup",
        data={"email": email, "name": "Kim", "password": PASSWORD, "csrf": token},
        headers=headers,
    )
    assert made.status_code == 202, made.text
    runtime.mail.wait_idle(timeout=30)
    mail = max(runtime.settings.outbox_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
    body = message.get_body()
    assert body is not None
    code = re.findall(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", body.get_content())[-1]
    confirmed = client.post("/verify-email", data={"token": code, "csrf": token})
    assert confirmed.status_code == 303, confirmed.text
    logged_in = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf": token, "next": "/new"}
    )
    assert logged_in.status_code == 303, logged_in.text
    assert logged_in.headers["location"] == "/new"


def test_language_follows_the_browser_and_the_switch(client: TestClient) -> None:
    assert '<html lang="ko">' in client.get("/login", headers=KO).text
    assert '<html lang="en">' in client.get("/login", headers=EN).text
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "fr"}).text
    korean = client.get("/login", headers=KO)
    assert "로그인" in korean.text
    assert "Log in" not in korean.text
    assert korean.headers["content-language"] == "ko"
    # The switch: a form post, remembered in a cookie, back to the page it came from.
    token = form_token(korean)
    switched = client.post("/language", data={"to": "en", "csrf": token, "next": "/signup"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/signup"
    assert '<html lang="en">' in client.get("/signup", headers=KO).text
    # Never on to another site.
    away = client.post("/language", data={"to": "ko", "csrf": token, "next": "//evil.example"})
    assert away.headers["location"] == "/"


def test_forms_need_the_browsers_own_token(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/login", headers=EN)
    form_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in form_cookie
    assert "SameSite=strict" in form_cookie
    for token in ("", "0" * 64):
        refused = client.post("/login", data={"email": "a@example.com", "password": "x",
                                              "csrf": token})  # fmt: skip
        assert refused.status_code == 403
        assert (
            "set-cookie" not in refused.headers
            or "autoclip_session" not in (refused.headers["set-cookie"])
        )
    # A token from another browser (another nonce) is refused too.
    other = TestClient(client.app, follow_redirects=False)
    stolen = form_token(other.get("/login"))
    assert client.post("/logout", data={"csrf": stolen}).status_code == 403


def test_session_cookie_and_log_out(client: TestClient, runtime: Runtime) -> None:
    sign_up(client, runtime, "kim@example.com", EN)
    session = client.cookies.get("autoclip_session")
    assert session
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Hello, Kim" in dashboard.text
    token = form_token(dashboard)
    out = client.post("/logout", data={"csrf": token})
    assert out.status_code == 303
    assert 'autoclip_session=""' in out.headers["set-cookie"]
    # The old cookie, replayed, no longer signs anyone in: the session ended on the server.
    client.cookies.set("autoclip_session", session)
    again = client.get("/")
    assert again.status_code == 303
    assert again.headers["location"] == "/login?next=/"


def test_studio_sessions_and_api_refresh_tokens_are_not_interchangeable(
    client: TestClient, runtime: Runtime
) -> None:
    sign_up(client, runtime, "kim@example.com", EN)
    cookie = client.cookies.get("autoclip_session")
    assert cookie
    # The browser's session is no API refresh token: refused, and the session lives on.
    traded = client.post("/api/v1/auth/refresh", json={"refresh_token": cookie})
    assert traded.status_code == 401, traded.text
    assert "studio session" in traded.json()["detail"]
    assert client.get("/").status_code == 200
    # An API client's refresh token is no studio session: as a cookie it signs nobody in.
    api = client.post("/api/v1/auth/login",
                      json={"email": "kim@example.com", "password": PASSWORD}).json()  # fmt: skip
    browser = TestClient(client.app, follow_redirects=False)
    browser.cookies.set("autoclip_session", api["refresh_token"])
    assert browser.get("/").headers["location"] == "/login?next=/"
    # ...and it still refreshes where it belongs.
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": api["refresh_token"]})
    assert rotated.status_code == 200, rotated.text


def test_sign_in_rules_said_in_words(client: TestClient, runtime: Runtime) -> None:
    token = form_token(client.get("/signup", headers=KO))
    weak = client.post(
        "/signup", data={"email": "lee@example.com", "name": "이", "password": "password1",
                         "csrf": token}, headers=KO,
    )  # fmt: skip
    assert weak.status_code == 422
    assert "추측하기 쉬운 비밀번호입니다" in weak.text
    assert 'aria-invalid="true"' in weak.text
    bad_email = client.post(
        "/signup", data={"email": "not-an-email", "name": "이", "password": PASSWORD,
                         "csrf": token}, headers=KO,
    )  # fmt: skip
    assert "올바른 이메일 주소가 아닙니다." in bad_email.text

    # Signed up, not confirmed: told so, with a way to get a new link.
    made = client.post(
        "/signup",
        data={"email": "lee@example.com", "name": "이", "password": PASSWORD, "csrf": token},
        headers=KO,
    )
    assert made.status_code == 202
    waiting = client.post(
        "/login", data={"email": "lee@example.com", "password": PASSWORD, "csrf": token},
        headers=KO,
    )  # fmt: skip
    assert "먼저 이메일을 인증해 주세요" in waiting.text
    assert "새 링크 받기" in waiting.text

    wrong = client.post(
        "/login", data={"email": "lee@example.com", "password": "wrong", "csrf": token},
        headers=EN,
    )  # fmt: skip
    assert wrong.status_code == 400
    assert "Wrong email or password." in wrong.text
    for _attempt in range(3):
        last = client.post(
            "/login", data={"email": "lee@example.com", "password": "wrong", "csrf": token},
            headers=KO,
        )  # fmt: skip
    assert last.status_code == 429
    assert re.search(r"로그인 실패가 너무 많습니다. \d+초 후에", last.text), last.text


def test_pages_are_for_their_owner(client: TestClient, runtime: Runtime) -> None:
    assert client.get("/new").headers["location"] == "/login?next=/new"
    assert client.get(f"/contents/{uuid.uuid4()}").status_code == 303
    sign_up(client, runtime, "park@example.com", EN)
    missing = client.get(f"/contents/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert "Not found" in missing.text
    assert client.get("/contents/not-an-id").status_code == 404
    ticket = client.get(f"/contents/{uuid.uuid4()}/ticket")
    assert ticket.status_code == 404
    # A video made through the wizard's form is the owner's, and queued.
    page = client.get("/new")
    made = client.post(
        "/new",
        data={"kind": "text", "text": "짧은 글입니다. " * 5, "language": "ko",
              "csrf": form_token(page), "idempotency": uuid.uuid4().hex},
    )  # fmt: skip
    assert made.status_code == 303, made.text
    shown = client.get(made.headers["location"])
    assert shown.status_code == 200
    assert "Queued" in shown.text
    # Another browser, another user: not found, as the API says for another's content.
    other = TestClient(client.app, follow_redirects=False)
    sign_up(other, runtime, "choi@example.com", KO)
    assert other.get(made.headers["location"]).status_code == 404


def test_wizard_shows_the_apis_refusals_on_their_fields(
    client: TestClient, runtime: Runtime
) -> None:
    client.headers.update(KO)
    sign_up(client, runtime, "jung@example.com", KO)
    token = form_token(client.get("/new"))
    short = client.post("/new", data={"kind": "text", "text": "짧음", "csrf": token})
    assert short.status_code == 422
    assert re.search(r'<p class="error" id="f-text-error">너무 짧습니다. 최소 20자', short.text)
    url = client.post("/new", data={"kind": "url", "url": "ftp://x", "csrf": token})
    assert 'id="f-url-error"' in url.text
    topic = client.post("/new", data={"kind": "topic", "topic": "수면 건강", "csrf": token})
    assert "언어 모델" in topic.text
    assert 'id="f-topic-error"' in topic.text


def test_headers_by_what_is_served(client: TestClient) -> None:
    page = client.get("/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    script = re.search(r'src="(/static/studio\.js\?v=[0-9a-f]+)"', page.text)
    assert script
    served = client.get(script.group(1))
    assert served.status_code == 200
    assert "immutable" in served.headers["cache-control"]
    # A module imported by name alone is checked each time: an upgrade is never hidden.
    assert client.get("/static/progress.js").headers["cache-control"] == "no-cache"
    assert client.get("/health").headers["content-security-policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )
    assert client.get("/api/v1/users/me").headers["cache-control"] == "no-store"
    # An address that is nowhere: a page in the browser's language; the API's stays JSON.
    nowhere = client.get("/no/such/page", headers=KO)
    assert nowhere.status_code == 404
    assert "찾을 수 없습니다" in nowhere.text
    assert "script-src 'self'" in nowhere.headers["content-security-policy"]
    api = client.get("/api/v1/no/such/route")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_every_word_in_both_languages() -> None:
    fields = string.Formatter()
    for key, (english, korean) in MESSAGES.items():
        assert english.strip(), key
        assert korean.strip(), key
        named = {name for _, name, _, _ in fields.parse(english) if name}
        assert named == {name for _, name, _, _ in fields.parse(korean) if name}, key
    # Every key a template names exists.
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.0-9:]+)["']\s*[,)]""", template.read_text()))
    assert len(used) > 100
    assert used <= set(MESSAGES), sorted(used - set(MESSAGES))


def test_cost_chart_stacks_each_days_services() -> None:
    import datetime as dt

    start = dt.date(2026, 11, 1)
    report = UsageReport(
        start=start,
        end=start + dt.timedelta(days=29),
        total_usd=0.4,
        days=[
            DailyUsage(date=start, service="elevenlabs", calls=1, cost_usd=0.3, units={}),
            DailyUsage(date=start, service="gemini", calls=1, cost_usd=0.1, units={}),
            DailyUsage(
                date=start + dt.timedelta(days=29),
                service="gemini",
                calls=1,
                cost_usd=0.2,
                units={},
            ),
        ],
    )
    chart = cost_chart(report, start, 30)
    first, second, last = chart.bars
    plot = HEIGHT - chart.bottom
    assert first.x == second.x
    assert first.x >= LEFT
    assert first.y + first.height == pytest.approx(plot)  # on the axis
    assert second.y + second.height == pytest.approx(first.y)  # stacked on the first
    assert second.y == pytest.approx(0)  # the tallest day reaches the top
    assert last.x + last.width <= WIDTH
    assert [name for name, _ in chart.legend] == ["elevenlabs", "gemini"]


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_colours_meet_wcag_aa() -> None:
    """Text at 4.5:1 on what it is set on, the focus ring at 3:1 (WCAG 1.4.3, 1.4.11), as
    the stylesheet declares them."""
    css = (TEMPLATES.parent / "static/studio.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", css))
    text_pairs = [
        ("ink", "paper"), ("ink", "wash"), ("muted", "paper"), ("muted", "wash"),
        ("accent", "paper"), ("accent", "wash"), ("accent-ink", "accent"),
        ("danger", "paper"), ("warn", "paper"),
    ]  # fmt: skip
    for fore, back in text_pairs:
        assert contrast(colours[fore], colours[back]) >= 4.5, (fore, back)
    for back in ("paper", "wash"):
        assert contrast(colours["focus"], colours[back]) >= 3, back
    # The status badges and notices: their text on their own background.
    for fore, back in re.findall(
        r"background: (#[0-9a-f]{6}); border[^;]*; color: (#[0-9a-f]{6})", css
    ):
        assert contrast(fore, back) >= 4.5, (fore, back)
    assert len(re.findall(r"background: #[0-9a-f]{6}; border", css)) >= 5


def test_wizard_offers_the_providers_the_operator_configured(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        secret_key="studio-providers-" + uuid.uuid4().hex,
        gemini=GeminiConfig(api_key="test-key"),
    )
    settings.data_dir.mkdir()
    database = Database(settings.effective_database_url())
    upgrade(database)
    database.dispose()
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(runtime, run_worker=False), follow_redirects=False) as client:
            sign_up(client, runtime, "yoon@example.com", EN)
            wizard = client.get("/new").text
    finally:
        runtime.close()
    # Topics are possible with a language model; its chains are offered, not the others'.
    assert re.search(r'value="topic" data-kind\s*>', wizard)
    writers = re.search(r'<select id="f-writer".*?</select>', wizard, re.S)
    assert writers is not None
    assert '"gemini"' in writers.group(0)
    assert '"gemini,offline"' in writers.group(0)
    assert "openai" not in writers.group(0)
    # The Gemini key serves its speech too: its voice is offered beside the offline ones,
    # and no narrator whose key is missing.
    narrators = re.search(r'<select id="f-narrator".*?</select>', wizard, re.S)
    assert narrators is not None
    assert '"gemini"' in narrators.group(0)
    assert '"piper,espeak"' in narrators.group(0)
    for missing in ("openai", "elevenlabs", "google", "clova"):
        assert missing not in narrators.group(0)


def _png(width: int = 64, height: int = 48) -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (width, height), (30, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_media_library_uploads_lists_and_deletes_its_owners_files(
    client: TestClient, runtime: Runtime
) -> None:
    client.headers.update(KO)
    sign_up(client, runtime, "media@example.com", KO)
    token = form_token(client.get("/media"))
    added = client.post(
        "/media", data={"csrf": token}, files={"file": ("바다.png", _png(), "image/png")}
    )
    assert added.status_code == 303, added.text
    library = client.get("/media")
    assert "바다.png" in library.text
    assert "64×48" in library.text
    item = re.search(r'action="/media/([0-9a-f-]{36})/delete"', library.text)
    assert item is not None
    # The name says PNG; the bytes are text: refused, said in Korean, nothing kept.
    fake = client.post(
        "/media", data={"csrf": token}, files={"file": ("가짜.png", b"not an image", "image/png")}
    )
    assert fake.status_code == 422
    assert "이 파일은 올릴 수 없습니다." in fake.text
    assert "가짜.png" not in client.get("/media").text
    # Not without the form's token; not another user's.
    assert client.post(f"/media/{item.group(1)}/delete", data={"csrf": ""}).status_code == 403
    other = TestClient(client.app, follow_redirects=False)
    sign_up(other, runtime, "other-media@example.com", EN)
    other_token = form_token(other.get("/media"))
    refused = other.post(f"/media/{item.group(1)}/delete", data={"csrf": other_token})
    assert refused.status_code == 404
    assert "바다.png" not in other.get("/media").text
    deleted = client.post(f"/media/{item.group(1)}/delete", data={"csrf": token})
    assert deleted.status_code == 303
    assert "바다.png" not in client.get("/media").text


def test_with_s3_storage_the_pages_show_the_buckets_links(
    client: TestClient, runtime: Runtime, s3: str
) -> None:
    client.headers.update(EN)
    sign_up(client, runtime, "bucket@example.com", EN)
    token = form_token(client.get("/media"))
    picture = _png()
    added = client.post("/media", data={"csrf": token},
                        files={"file": ("sea.png", picture, "image/png")})  # fmt: skip
    assert added.status_code == 303, added.text
    library = client.get("/media")
    shown = re.search(r'<img src="([^"]+)"', library.text)
    assert shown is not None
    link = html.unescape(shown.group(1))
    where = urlsplit(link)
    origin = f"{where.scheme}://{where.netloc}"
    assert origin == s3.rstrip("/")  # a presigned link to the bucket, not this API
    directives = dict(
        part.strip().split(" ", 1) for part in library.headers["Content-Security-Policy"].split(";")
    )
    # The bucket's origin may be shown as a picture or a video; nothing else changes.
    assert directives["img-src"].split() == ["'self'", "data:", origin]
    assert directives["media-src"].split() == ["'self'", origin]
    for name in ("default-src", "script-src", "connect-src", "style-src", "font-src"):
        assert origin not in directives[name]
    assert httpx.get(link).content == picture  # and the link serves the file
    # The API's own answers keep their strict policy.
    assert client.get("/api/v1/media").headers["Content-Security-Policy"] == STRICT_CSP


def test_password_change_keeps_this_browser_and_ends_the_others(
    client: TestClient, runtime: Runtime
) -> None:
    client.headers.update(KO)
    sign_up(client, runtime, "pw@example.com", KO)
    elsewhere = TestClient(client.app, follow_redirects=False)
    token = form_token(elsewhere.get("/login"))
    elsewhere.post("/login", data={"email": "pw@example.com", "password": PASSWORD, "csrf": token})
    assert elsewhere.get("/").status_code == 200
    mine = form_token(client.get("/account"))
    wrong = client.post("/account/password", data={"current_password": "nope",
                        "new_password": "new sea whale song 9", "csrf": mine})  # fmt: skip
    assert wrong.status_code == 403
    assert "현재 비밀번호가 아닙니다." in wrong.text
    weak = client.post("/account/password", data={"current_password": PASSWORD,
                       "new_password": "password123", "csrf": mine})  # fmt: skip
    assert weak.status_code == 422
    assert "추측하기 쉬운 비밀번호입니다" in weak.text
    changed = client.post("/account/password", data={"current_password": PASSWORD,
                          "new_password": "새 바다 고래 노래 아홉", "csrf": mine})  # fmt: skip
    assert changed.status_code == 303
    assert "비밀번호를 바꿨습니다." in client.get(changed.headers["location"]).text  # still in
    assert elsewhere.get("/").status_code == 303  # the other: logged out


def test_api_key_is_shown_once_works_and_is_revoked(client: TestClient, runtime: Runtime) -> None:
    sign_up(client, runtime, "keys@example.com", EN)
    token = form_token(client.get("/keys"))
    made = client.post("/keys", data={"name": "uploader", "expires_in_days": "30", "csrf": token})
    assert made.status_code == 201
    secret = re.search(r'<code id="new-key">(ak_[\w-]+)</code>', made.text)
    assert secret is not None
    # The key is the API's: it reads the account's videos.
    api = client.get("/api/v1/contents", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.status_code == 200
    listed = client.get("/keys").text
    assert "uploader" in listed
    assert secret.group(1) not in listed  # shown once
    key_id = re.search(r'action="/keys/([0-9a-f-]{36})/revoke"', listed)
    assert key_id is not None
    revoked = client.post(f"/keys/{key_id.group(1)}/revoke", data={"csrf": token})
    assert revoked.status_code == 303
    assert "Revoked" in client.get("/keys").text
    gone = client.get("/api/v1/contents", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert gone.status_code == 401


def test_anonymous_forms_count_in_the_apis_limit(client: TestClient, runtime: Runtime) -> None:
    """Sign-up, log-in and confirmation count per address as the API's routes do."""
    token = form_token(client.get("/verify-email", headers=EN))
    with frozen_rate_limits(runtime):
        answers = [
            client.post("/verify-email", data={"token": "x" * 40, "csrf": token}, headers=EN)
            for _attempt in range(ANONYMOUS_PER_MINUTE + 1)
        ]
        # The API's own route, from the same address, is over the same limit.
        login = {"email": "a@b.co", "password": "x"}
        assert client.post("/api/v1/auth/login", json=login).status_code == 429
    assert answers[0].status_code == 400
    assert "This link has expired" in answers[0].text
    assert answers[-1].status_code == 429
    assert re.search(r"Too many attempts. Try again in \d+ seconds.", answers[-1].text)


def test_cancel_and_delete_from_a_videos_page(client: TestClient, runtime: Runtime) -> None:
    """No worker runs here: the video stays queued, so it can be cancelled (its credit
    given back, said on the page), then deleted."""
    sign_up(client, runtime, "cancel@example.com", EN)
    token = form_token(client.get("/new"))
    made = client.post(
        "/new",
        data={"kind": "text", "text": "A text long enough to make a video from. " * 2,
              "csrf": token, "idempotency": uuid.uuid4().hex},
    )  # fmt: skip
    where = made.headers["location"]
    queued = client.get(where).text
    assert "Cancel this video" in queued
    assert "data-progress" in queued
    assert client.post(f"{where}/cancel", data={"csrf": token}).status_code == 303
    cancelled = client.get(where).text
    assert "This video was cancelled; its credit was given back." in cancelled
    assert "data-progress" not in cancelled
    # Cancelling again is refused by the API's rule, said on the page.
    again = client.post(f"{where}/cancel", data={"csrf": token})
    assert again.headers["location"].endswith("?problem=conflict")
    assert "This video changed meanwhile" in client.get(again.headers["location"]).text
    assert "Welcome credits" in client.get("/usage").text
    assert "Given back" in client.get("/usage").text
    deleted = client.post(f"{where}/delete", data={"csrf": token})
    assert deleted.headers["location"] == "/?notice=content.deleted"
    assert "The video was deleted." in client.get(deleted.headers["location"]).text
    assert client.get(where).status_code == 404


def _wav(seconds: float = 2.0) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(range(256)) * round(seconds * 8000 * 2 / 256))
    return buffer.getvalue()


def test_wizard_narrates_with_my_recording_chosen_or_uploaded(
    client: TestClient, runtime: Runtime
) -> None:
    """ "My recording": a sound file of the library, or one uploaded with the form (kept in
    the library), becomes the content's `narration_media_id`; a voice chosen instead
    leaves it out; "my recording" with none is said on its field, in Korean."""
    client.headers.update(KO)
    sign_up(client, runtime, "voice@example.com", KO)
    token = form_token(client.get("/new"))
    base = {"kind": "text", "text": "내 목소리로 읽은 짧은 영상입니다. " * 2, "csrf": token}

    def options_of(made: Response) -> dict[str, Any]:
        assert made.status_code == 303, made.text
        content_id = uuid.UUID(made.headers["location"].rsplit("/", 1)[-1])
        with runtime.db.session(write=False) as session:
            row = session.get(Content, content_id)
            assert row is not None
            return row.options.model_dump(mode="json")

    none = client.post("/new", data={**base, "narration": "recording",
                                     "idempotency": uuid.uuid4().hex})  # fmt: skip
    assert none.status_code == 422
    assert 'id="f-narration_media_id-error"' in none.text
    assert "보관함에서 녹음을 고르거나 새로 올려 주세요." in none.text

    uploaded = client.post(
        "/new",
        data={**base, "narration": "recording", "idempotency": uuid.uuid4().hex},
        files={"recording": ("내 녹음.wav", _wav(), "audio/wav")},
    )
    media_id = options_of(uploaded)["narration_media_id"]
    assert media_id is not None
    # Kept in the library, and offered by the wizard from then on.
    assert "내 녹음.wav" in client.get("/media").text
    wizard = client.get("/new").text
    assert f'<option value="{media_id}">내 녹음.wav (2초)</option>' in wizard

    chosen = client.post("/new", data={**base, "narration": "recording",
                                       "narration_media_id": media_id,
                                       "idempotency": uuid.uuid4().hex})  # fmt: skip
    assert options_of(chosen)["narration_media_id"] == media_id
    voice = client.post("/new", data={**base, "narration": "voice", "narration_media_id": media_id,
                                      "idempotency": uuid.uuid4().hex})  # fmt: skip
    assert options_of(voice)["narration_media_id"] is None

    # A picture is no recording; another user's recording is none of theirs.
    picture = client.post(
        "/new",
        data={**base, "narration": "recording", "idempotency": uuid.uuid4().hex},
        files={"recording": ("사진.png", _png(), "image/png")},
    )
    assert picture.status_code == 422
    assert 'id="f-narration_media_id-error"' in picture.text
    other = TestClient(client.app, follow_redirects=False)
    sign_up(other, runtime, "other-voice@example.com", EN)
    theirs = other.post(
        "/new",
        data={**base, "csrf": form_token(other.get("/new")), "narration": "recording",
              "narration_media_id": media_id, "idempotency": uuid.uuid4().hex},
    )  # fmt: skip
    assert theirs.status_code == 422
    assert "Choose a recording from your library or upload one." in theirs.text
    assert "내 녹음.wav" not in other.get("/new").text
