"""A local site for the factory's tests: an RSS feed that answers conditional GETs as a
real server does (ETag and Last-Modified, 304 when unchanged), the article pages its
items link to, and a switch that makes the feed fail. Every request is recorded."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from xml.sax.saxutils import escape

ARTICLES = {
    "sleep": (
        "Sleep and the body",
        "Sleep repairs the body every night. Going to bed at the same time each night "
        "keeps the body's clock steady. Screens before bed make deep sleep harder to reach.",
    ),
    "water": (
        "Drink water",
        "Water makes up more than half of the body. Drinking a glass before each meal is a "
        "good habit. Do not wait until you are thirsty to drink a glass of water.",
    ),
    "walk": (
        "Walk after meals",
        "Walking after a meal keeps blood sugar steady. Ten minutes is enough to help. "
        "Start with a short walk around the block after dinner today.",
    ),
    "stretch": (
        "Stretch in the morning",
        "Stretching every morning wakes the body gently. Two minutes of slow stretches is "
        "enough. Reach up, bend forward and breathe deeply while you stretch.",
    ),
}


@dataclass
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class Site:
    """What the feed offers now (article slugs, newest first), and what was asked."""

    items: list[str] = field(default_factory=list)
    failing: bool = False
    # The watched page's paragraphs (served without validators, as many pages are).
    page: list[str] = field(default_factory=list)
    modified: datetime = field(default_factory=lambda: datetime(2026, 3, 1, tzinfo=UTC))
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def offer(self, *slugs: str) -> None:
        """Put items on top of the feed (newest first), as a publisher does."""
        with self.lock:
            self.items = [*slugs, *self.items]
            self.modified = datetime.now(UTC).replace(microsecond=0)

    def feed_requests(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == "/feed.xml"]

    def feed(self, base: str) -> bytes:
        entries = "".join(
            f"<item><title>{escape(ARTICLES[slug][0])}</title>"
            # The link carries a campaign tag: the same article tagged otherwise is no new item.
            f"<link>{base}/articles/{slug}?utm_source=feed</link>"
            f'<guid isPermaLink="false">article-{slug}</guid>'
            f"<description>{escape(ARTICLES[slug][1])}</description></item>"
            for slug in self.items
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Health notes</title><link>{base}/</link>{entries}</channel></rss>"
        ).encode()


def site_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        served: ClassVar[Site] = site

        def do_GET(self) -> None:
            with site.lock:
                site.requests.append(Request(self.path, dict(self.headers.items())))
            base = f"http://{self.headers['Host']}"
            if self.path == "/feed.xml":
                self._feed(base)
            elif self.path == "/notices":
                with site.lock:
                    paragraphs = "".join(f"<p>{p}</p>" for p in site.page)
                page = f"<html><head><title>Notices</title></head><body><main>{paragraphs}"
                page += "</main><footer><p>Updated every day.</p></footer></body></html>"
                self._send(200, page.encode(), "text/html; charset=utf-8")
            elif self.path.startswith("/articles/"):
                slug = self.path.removeprefix("/articles/").split("?")[0]
                if slug not in ARTICLES:
                    self._send(404, b"no such article", "text/plain")
                    return
                title, text = ARTICLES[slug]
                page = f"<html><head><title>{title}</title></head><body><article>"
                page += "".join(f"<p>{s}.</p>" for s in text.rstrip(".").split(". "))
                self._send(200, (page + "</article></body></html>").encode(), "text/html")
            else:
                self._send(404, b"not here", "text/plain")

        def _feed(self, base: str) -> None:
            if site.failing:
                self._send(503, b"down for maintenance", "text/plain")
                return
            with site.lock:
                body = site.feed(base)
                modified = format_datetime(site.modified, usegmt=True)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self._send(200, body, "application/rss+xml", {"ETag": etag, "Last-Modified": modified})

        def _send(
            self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class ManualClock:
    """A clock the test moves by hand (injected into the runtime: `runtime.clock`)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now.astimezone(UTC)

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when
