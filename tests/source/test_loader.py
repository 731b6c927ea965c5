"""The loader against a real HTTP server on 127.0.0.1 and real files on disk."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from autoclip.errors import InputError
from autoclip.kit.outbound import OutboundPolicy
from autoclip.options import GenerateOptions, Language, Vertical
from autoclip.providers.writing.offline import OfflineScriptWriter
from autoclip.source.loader import MAX_PAGE_BYTES, USER_AGENT, fetch_url, load_text_file
from localserver import serve

ARTICLE_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Sleep and health | Example Site</title>
<meta property="og:title" content="Why sleep keeps you healthy"></head>
<body><header><a href="/">Home</a> <a href="/about">About us and our mission</a></header>
<nav><ul><li>Menu item one that is long</li><li>Subscribe to our newsletter today</li></ul></nav>
<article><h1>Why sleep keeps you healthy</h1>
<p>Deep sleep lets the brain clear away the waste that builds up during a busy day.</p>
<p>Adults who sleep seven to nine hours a night tend to keep steadier blood pressure.</p>
<p>A regular bedtime and morning sunlight are the simplest ways to sleep better.</p>
</article>
<aside>Related: ten gadgets you must buy before the holiday season ends</aside>
<footer>Copyright Example Site. All rights reserved. Privacy policy and cookie terms.</footer>
<script>var tracking = "should never appear in the text";</script>
</body></html>"""

DIV_PAGE = """<html><head><title>Plain layout</title></head><body>
<div class="menu"><p>Short menu text</p></div>
<div class="content"><div class="body">
<p>Morning light sets the body clock, and that makes falling asleep at night much easier.</p>
<p>Caffeine late in the afternoon delays sleep and makes the deep stages of sleep shorter.</p>
</div></div></body></html>"""

KOREAN_TEXT = (
    "잠은 몸을 고치는 시간입니다. 깊은 잠을 자는 동안 뇌는 낮에 쌓인 노폐물을 씻어 냅니다. "
    "매일 같은 시간에 자고 일어나는 습관이 수면의 질을 가장 크게 높입니다. "
    "아침 햇빛을 쬐면 몸속 시계가 맞춰져 밤에 잠이 잘 옵니다."
)
EUC_KR_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'
    f"<title>수면과 건강</title></head><body><div><p>{KOREAN_TEXT}</p></div></body></html>"
).encode("euc-kr")

EMPTY_PAGE = b"<html><head><title>Nothing</title></head><body><nav>Home</nav></body></html>"

PLAIN_TEXT = (
    "Sleep notes\n\nSleep is when the body repairs itself, and the brain sorts the day's "
    "memories. Most adults need seven to nine hours of it every night to stay well."
)

# The page of issue 17: navigation, an ad, a byline, the article, a "most read" box,
# comments and a footer, around a Korean news story.
NEWS_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>하루 6시간 이하로 자면 치매 위험 30% 높다 - 건강일보</title>
<meta property="og:title" content="하루 6시간 이하로 자면 치매 위험 30% 높다 - 건강일보"></head>
<body><nav><a href="/">홈</a> <a href="/health">건강</a> <a href="/life">생활</a></nav>
<div class="ad-banner">
<p>지금 가입하면 첫 달 무료! 건강보험 비교는 여기서 확인하세요.</p></div>
<div class="article-wrap"><h1>하루 6시간 이하로 자면 치매 위험 30% 높다</h1>
<p class="byline">김건강 기자 입력 2026.12.01 09:30</p>
<div class="article-body">
<p>하루 6시간 이하로 자는 중년은 7시간 자는 사람보다
나중에 치매에 걸릴 위험이 30% 높은 것으로 나타났다.</p>
<p>국내 한 대학병원 연구팀은 50대와 60대 성인 8천 명의
수면 습관을 25년 동안 추적해 이런 결과를 얻었다고 1일 밝혔다.</p>
<p>연구팀에 따르면 잠이 부족한 상태가 오래 이어지면
뇌에 쌓인 노폐물이 제때 씻겨 나가지 못한다.</p>
<p>연구를 이끈 이수면 교수는
"잠은 미뤄 두었다가 한꺼번에 갚을 수 있는 빚이 아닙니다"라고 말했다.</p>
<p>연구팀은 낮잠을 길게 자는 습관도 밤잠을 방해할 수 있다며
30분 이내로 줄이라고 권했다.</p>
<p>김건강 기자 kim@health.example</p>
</div>
<div class="most-read"><h3>많이 본 뉴스</h3>
<ul><li>겨울철 혈압 관리, 이렇게 하면 약 없이도 내려갑니다</li>
<li>무릎 관절에 좋은 운동 세 가지를 정형외과 의사가 알려 드립니다</li></ul></div>
<div id="comments">
<p>잠이보약 2026.12.01 좋은 기사 감사합니다. 오늘부터 일찍 자겠습니다.</p></div>
</div>
<footer>ⓒ 건강일보 무단전재 및 재배포 금지</footer></body></html>"""

Route = tuple[int, str, bytes]
ROUTES: dict[str, Route] = {
    "/article": (200, "text/html; charset=utf-8", ARTICLE_PAGE.encode()),
    "/news": (200, "text/html; charset=utf-8", NEWS_PAGE.encode()),
    "/divs": (200, "text/html", DIV_PAGE.encode()),
    "/korean": (200, "text/html", EUC_KR_PAGE),
    "/empty": (200, "text/html; charset=utf-8", EMPTY_PAGE),
    "/image": (200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    "/plain": (200, "text/plain; charset=utf-8", PLAIN_TEXT.encode()),
    "/huge": (200, "text/html", b"<p>" + b"a " * (MAX_PAGE_BYTES // 2 + 10) + b"</p>"),
}


class _Handler(BaseHTTPRequestHandler):
    seen_agents: list[str] = []  # noqa: RUF012 - shared on purpose, read by one test

    def do_GET(self) -> None:
        _Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/article")
            self.end_headers()
            return
        status, content_type, body = ROUTES.get(self.path, (404, "text/html", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""


# The test server is on loopback, which only an operator's allow-list opens.
LOCAL = OutboundPolicy.parse("127.0.0.1")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(_Handler) as base:
        yield base


def test_article_is_extracted_without_page_noise(server: str) -> None:
    source = fetch_url(f"{server}/article", LOCAL)
    assert source.text is not None
    assert "Deep sleep lets the brain clear away" in source.text
    assert "simplest ways to sleep better." in source.text
    for noise in ("newsletter", "gadgets", "Copyright", "tracking", "About us"):
        assert noise not in source.text
    assert source.title_hint == "Why sleep keeps you healthy"
    assert source.origin == f"{server}/article"
    assert USER_AGENT in _Handler.seen_agents


def test_densest_container_wins_without_article_tag(server: str) -> None:
    source = fetch_url(f"{server}/divs", LOCAL)
    assert source.text is not None
    assert "Morning light sets the body clock" in source.text
    assert "Short menu text" not in source.text
    assert source.title_hint == "Plain layout"


def test_redirect_is_followed(server: str) -> None:
    source = fetch_url(f"{server}/moved", LOCAL)
    assert source.origin == f"{server}/article"


def test_euc_kr_page_is_decoded_from_its_meta_charset(server: str) -> None:
    source = fetch_url(f"{server}/korean", LOCAL)
    assert source.text == KOREAN_TEXT
    assert source.title_hint == "수면과 건강"


def test_plain_text_is_accepted(server: str) -> None:
    source = fetch_url(f"{server}/plain", LOCAL)
    assert source.title_hint == "Sleep notes"
    assert source.text is not None
    assert source.text.startswith("Sleep is when the body repairs itself")


def test_http_error_is_reported_with_its_status(server: str) -> None:
    with pytest.raises(InputError) as caught:
        fetch_url(f"{server}/missing", LOCAL)
    assert (caught.value.field, caught.value.message) == ("url", "answered HTTP 404")


def test_page_without_text_is_rejected(server: str) -> None:
    with pytest.raises(InputError, match="has no readable text"):
        fetch_url(f"{server}/empty", LOCAL)


def test_non_html_content_is_rejected(server: str) -> None:
    with pytest.raises(InputError, match="image/png"):
        fetch_url(f"{server}/image", LOCAL)


def test_oversized_page_is_rejected(server: str) -> None:
    with pytest.raises(InputError, match="larger than 5 MB"):
        fetch_url(f"{server}/huge", LOCAL)


def test_refused_connection_is_an_input_error() -> None:
    # A port that was just free: nothing listens there, so the connection is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InputError) as caught:
        fetch_url(f"http://127.0.0.1:{port}/", LOCAL, deadline_s=5)
    assert caught.value.field == "url"
    assert caught.value.message.startswith("could not be fetched: ")


@pytest.mark.parametrize("url", ["ftp://example.com/file.txt", "file:///etc/passwd", "example"])
def test_only_http_schemes_are_fetched(url: str) -> None:
    with pytest.raises(InputError, match="http:// or https://"):
        fetch_url(url)


def test_text_file_in_utf8_with_title_line(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("수면과 건강\n\n" + KOREAN_TEXT + "\n", encoding="utf-8")
    source = load_text_file(path)
    assert source.title_hint == "수면과 건강"
    assert source.text == KOREAN_TEXT
    assert source.origin == str(path)


def test_text_file_in_euc_kr(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(KOREAN_TEXT.encode("euc-kr"))
    assert load_text_file(path).text == KOREAN_TEXT


def test_undecodable_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes([0x80, 0xFF, 0xFE, 0x81, 0x00, 0xFF]))
    with pytest.raises(InputError, match="not UTF-8 or EUC-KR"):
        load_text_file(path)


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError) as caught:
        load_text_file(path)
    assert (caught.value.field, caught.value.message) == ("text", f"file not found: {path}")


def test_blank_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\t\n ", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_text_file(path)
    assert (caught.value.field, caught.value.message) == ("text", "is empty")


def test_korean_news_page_makes_a_script_a_channel_would_post(server: str) -> None:
    source = fetch_url(f"{server}/news", LOCAL)
    assert source.text is not None
    for noise in ("가입하면", "많이 본", "혈압 관리", "좋은 기사", "무단전재"):
        assert noise not in source.text
    script = OfflineScriptWriter().write(
        source, GenerateOptions(language=Language.KO, vertical=Vertical.SENIOR_HEALTH)
    )
    body = " ".join(scene.narration for scene in script.scenes)
    assert "치매에 걸릴 위험이 30% 높은" in body  # the lead is kept
    assert script.title == "하루 6시간 이하로 자면 치매 위험 30% 높다"
    assert "30%" in script.hook.narration
    assert "30%" in script.hook.on_screen_text
    seen = " ".join([script.description, *script.hashtags, body, script.title])
    for furniture in ("김건강 기자", "입력 2026", "kim@", "건강일보"):
        assert furniture not in seen
    assert f"출처: {server}/news" in script.description
    assert "#시간" not in script.hashtags
    assert "#치매" in script.hashtags
