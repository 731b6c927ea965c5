"""Local stand-ins for the providers' HTTP APIs: a real server on 127.0.0.1, scripted per
test with a sequence of replies, recording every request it receives.

A reply can be a documented success or error body, wait before answering (a slow
provider), or cut its body short (a dropped connection). The builders below produce the
shapes the providers document, so the writers are tested against the real wire format.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx

from autoclip.providers.cloud.breaker import BreakerState, CircuitBreaker

Json = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Json | str | bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait this long before answering
    truncate: bool = False  # announce the full length, send half, hang up
    content_type: str = "application/json; charset=UTF-8"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Json:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


class FakeProvider:
    """The scripted server: `queue()` replies, then read `requests` after the call."""

    def __init__(self, base_url: str = "") -> None:
        self.base_url = base_url
        self.requests: list[Request] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._replies)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        url = urlsplit(handler.path)
        with self._lock:
            self.requests.append(
                Request(
                    method=handler.command,
                    path=url.path,
                    query=parse_qs(url.query),
                    headers={name.lower(): value for name, value in handler.headers.items()},
                    body=body,
                )
            )
            reply = self._replies.popleft() if self._replies else _UNSCRIPTED
        if reply.delay_s:
            time.sleep(reply.delay_s)
        payload = reply.payload()
        # The client may have given up waiting (a timeout test): nothing to answer then.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload[: len(payload) // 2] if reply.truncate else payload)
            handler.wfile.flush()
        handler.close_connection = True


_UNSCRIPTED = Reply(500, {"error": {"message": "the fake server has no reply scripted"}})


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        provider: ClassVar[FakeProvider] = fake

        def do_POST(self) -> None:
            self.provider.handle(self)

        def do_GET(self) -> None:
            self.provider.handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    # Like tests/localserver.serve, but polling for shutdown every 10 ms instead of 500 ms:
    # a server per test would otherwise add half a second to each.
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


_CLIENT: list[httpx.Client] = []


def local_client() -> httpx.Client:
    """One HTTP client for the writers under test: building one (TLS setup) costs 0.1 s."""
    if not _CLIENT or _CLIENT[0].is_closed:
        _CLIENT[:] = [httpx.Client()]
    return _CLIENT[0]


def close_local_client() -> None:
    for client in _CLIENT:
        client.close()
    _CLIENT.clear()


def state(breaker: CircuitBreaker) -> BreakerState:
    """The breaker's state, read through a call so type checkers do not carry it over."""
    return breaker.state


class ListMeter:
    """A meter that appends `(service, units)` to a list and never refuses a call."""

    def __init__(self, seen: list[tuple[str, dict[str, float]]] | None = None) -> None:
        self.seen = seen if seen is not None else []

    def check(self, service: str) -> None:
        pass

    def record(self, service: str, units: Mapping[str, float]) -> None:
        self.seen.append((service, dict(units)))


class Sleeps:
    """An injectable `sleep` that records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class FakeClock:
    """An injectable monotonic clock that tests move by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


# --- scripts the models answer ----------------------------------------------------------

_LINES = {
    "ko": [
        "잠은 몸과 뇌를 회복시키는 가장 좋은 방법입니다.",
        "매일 같은 시간에 자고 일어나면 생체 리듬이 안정됩니다.",
        "잠들기 한 시간 전에는 휴대폰 화면을 멀리하세요.",
        "침실은 어둡고 조용하고 조금 서늘하게 유지합니다.",
        "오후 늦게 마시는 커피는 밤잠을 방해할 수 있습니다.",
        "낮잠은 삼십 분 이내로 짧게 자는 것이 좋습니다.",
    ],
    "en": [
        "Sleep is the best way for your body and brain to recover.",
        "Going to bed at the same time every day steadies your rhythm.",
        "Put your phone away an hour before you sleep.",
        "Keep the bedroom dark, quiet and a little cool.",
        "Coffee late in the afternoon can ruin your night.",
        "Keep naps short, under thirty minutes.",
    ],
}
_HOOK = {"ko": "잠을 잘 자는 비결, 알고 계십니까?", "en": "Want to sleep better tonight?"}
_CTA = {"ko": "도움이 되셨다면 구독해 주세요.", "en": "Subscribe for more tips like this."}


def sample_script(language: str = "ko", scenes: int = 6) -> Json:
    """A script object as a model answers it: short enough for a 60 s video."""
    lines = _LINES[language]

    def scene(narration: str) -> Json:
        return {
            "narration": narration,
            "on_screen_text": narration[:20],
            "visual": "a calm bedroom at night",
            "keywords": ["sleep", "bedroom"],
        }

    return {
        "title": "잠을 잘 자는 법" if language == "ko" else "How to sleep well",
        "hook": scene(_HOOK[language]),
        "scenes": [scene(lines[i % len(lines)]) for i in range(scenes)],
        "cta": scene(_CTA[language]),
        "description": "숙면을 위한 생활 습관." if language == "ko" else "Habits for better sleep.",
        "hashtags": ["#수면", "#건강", "숙면 팁"] if language == "ko" else ["#sleep", "#health"],
    }


# --- Gemini (generativelanguage.googleapis.com) --------------------------------------------


def gemini_answer(
    text: str,
    *,
    finish: str = "STOP",
    prompt_tokens: int = 812,
    output_tokens: int = 431,
) -> Json:
    return {
        "candidates": [
            {
                "content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": finish,
                "index": 0,
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "NEGLIGIBLE"}
                ],
            }
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
        },
        "modelVersion": "gemini-2.5-flash",
        "responseId": "fake-response",
    }


def gemini_script(language: str = "ko", scenes: int = 6) -> Reply:
    return Reply(
        200, gemini_answer(json.dumps(sample_script(language, scenes), ensure_ascii=False))
    )


def gemini_error(code: int, status: str, message: str, details: list[Json] | None = None) -> Json:
    error: Json = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return {"error": error}


GEMINI_BAD_KEY = Reply(
    400,
    gemini_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
        ],
    ),
)
GEMINI_OVERLOADED = Reply(
    503, gemini_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
)
GEMINI_INTERNAL = Reply(
    500, gemini_error(500, "INTERNAL", "An internal error has occurred. Please retry.")
)


def gemini_rate_limited(retry_after: str | None = None, retry_delay: str | None = None) -> Reply:
    details = (
        [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}]
        if retry_delay
        else None
    )
    return Reply(
        429,
        gemini_error(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details.",
            details,
        ),
        headers={"Retry-After": retry_after} if retry_after else {},
    )


# --- OpenAI-compatible chat completions ----------------------------------------------------


def openai_answer(
    content: str | None,
    *,
    finish: str = "stop",
    refusal: str | None = None,
    prompt_tokens: int = 640,
    completion_tokens: int = 380,
) -> Json:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def openai_script(language: str = "en", scenes: int = 6, *, fenced: bool = False) -> Reply:
    text = json.dumps(sample_script(language, scenes), ensure_ascii=False, indent=2)
    if fenced:
        text = f"```json\n{text}\n```"
    return Reply(200, openai_answer(text))


def openai_error(status: int, message: str, kind: str, code: str | None) -> Reply:
    return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


OPENAI_SERVER_ERROR = openai_error(
    500, "The server had an error while processing your request.", "server_error", None
)
