"""The hostile-input corpus (tests/hostile.py) against every text field, id, key, header
and body of the API: each string is refused with a 4xx naming the field, or stored and
shown back as it was sent — never a 500, never a file outside the data folder, never a
header that splits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from autoclip.service.models import Content
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings
from hostile import CONTROLS, INJECTIONS, TRAVERSALS
from service.conftest import LOCAL_OPENAI, sign_up, verify_email
from service.test_api_contents import TEXT, assert_problem


@pytest.fixture
def runtime(make_settings: Callable[..., Settings]) -> Iterator[Runtime]:
    """A server with a keyless OpenAI-compatible model configured (LOCAL_OPENAI)."""
    built = build_runtime(make_settings(openai=LOCAL_OPENAI))
    yield built
    built.close()


pytestmark = [
    pytest.mark.parametrize("backend", ["sqlite", "postgresql"]),
    pytest.mark.usefixtures("cheap_password_hashing"),
]
API = "/api/v1"
# Over every field's limit (the longest, a content's text, takes 50,000), under the body's.
HUGE = "가" * 60_000
PASSWORD = "violet kettle orbit 42"


def sent(value: str) -> str:
    """What the API keeps of a text: itself, less the spaces around it."""
    return value.strip()


def accepted_or_refused(answer: Any, field: str) -> bool:
    """True if stored; else it must be a 4xx problem naming `field`."""
    assert answer.status_code < 500, answer.text
    if answer.status_code < 300:
        return True
    assert_problem(answer, answer.status_code, field)
    return False


@pytest.mark.parametrize("case", list(INJECTIONS), ids=list(INJECTIONS))
def test_text_fields_store_injections_as_sent(
    client: TestClient, runtime: Runtime, case: str
) -> None:
    text = INJECTIONS[case]
    auth = sign_up(client)
    # A project's name and description, made and changed.
    made = client.post(f"{API}/projects", json={"name": text, "description": text}, headers=auth)
    assert made.status_code == 201, made.text
    assert (made.json()["name"], made.json()["description"]) == (sent(text), sent(text))
    project = f"{API}/projects/{made.json()['id']}"
    changed = client.patch(project, json={"name": f"{text}!", "description": ""}, headers=auth)
    assert changed.json()["name"] == sent(f"{text}!"), changed.text
    assert client.get(project, headers=auth).json()["name"] == sent(f"{text}!")
    # An API key's name.
    key = client.post(f"{API}/api-keys", json={"name": text}, headers=auth)
    assert key.status_code == 201, key.text
    assert [k["name"] for k in client.get(f"{API}/api-keys", headers=auth).json()] == [sent(text)]
    # A content's text and topic are stored as sent (and never shown to another user).
    for body in (
        {"generation_type": "text", "text": f"{text} {TEXT}"},
        {"generation_type": "topic", "topic": f"{text} sleep", "options": {"writer": "openai"}},
    ):
        content = client.post(f"{API}/contents", json=body, headers=auth)
        assert content.status_code == 202, content.text
        with runtime.db.session(write=False) as session:
            source = session.scalar(
                select(Content.source).where(Content.id == uuid.UUID(content.json()["id"]))
            )
        assert source == sent(str(body.get("text") or body.get("topic")))
    # A URL's path and query may hold anything: stored, or refused naming `url`.
    url = {"generation_type": "url", "url": f"https://example.com/{text}"}
    accepted_or_refused(client.post(f"{API}/contents", json=url, headers=auth), "url")
    # A name at sign-up, read back once signed in.
    email = f"h-{uuid.uuid4().hex[:8]}@example.com"
    register = {"email": email, "password": PASSWORD, "name": text}
    assert client.post(f"{API}/auth/register", json=register).status_code == 202
    verify_email(client, email)
    tokens = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    me = client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}
    )
    assert me.json()["name"] == sent(text)
    # In a place for an email, a password or a token it is simply wrong.
    for path, body, field in (
        ("/auth/login", {"email": f"{text}@example.com", "password": text}, "email"),
        ("/auth/login", {"email": email, "password": text}, "password"),
        ("/auth/refresh", {"refresh_token": f"{text}0123456789"}, "refresh_token"),
        ("/auth/register", {"email": text, "password": PASSWORD, "name": "Kim"}, "email"),
    ):
        answer = client.post(f"{API}{path}", json=body)
        assert answer.status_code in (401, 422), (path, answer.text)
        if answer.status_code == 422:
            assert_problem(answer, 422, field)


@pytest.mark.parametrize("case", list(CONTROLS), ids=list(CONTROLS))
def test_control_characters_are_refused_naming_the_field(client: TestClient, case: str) -> None:
    text = CONTROLS[case]
    auth = sign_up(client)
    content = f"{API}/contents/{uuid.uuid4()}"
    for method, path, body, field in (
        ("POST", "/projects", {"name": text}, "name"),
        ("POST", "/projects", {"name": "P", "description": text}, "description"),
        ("POST", "/api-keys", {"name": text}, "name"),
        ("POST", "/contents", {"generation_type": "text", "text": f"{text} {TEXT}"}, "text"),
        ("POST", "/contents", {"generation_type": "url", "url": f"https://a.example/{text}"},
         "url"),
        ("POST", "/auth/register", {"email": "k@example.com", "password": PASSWORD, "name": text},
         "name"),
        ("POST", "/auth/login", {"email": "k@example.com", "password": text}, "password"),
        ("POST", f"{content}/reject", {"reason": text}, "reason"),
    ):  # fmt: skip
        url = path if path.startswith(API) else f"{API}{path}"
        assert_problem(client.request(method, url, json=body, headers=auth), 422, field)


def test_huge_and_empty_inputs_are_refused_naming_the_field(client: TestClient) -> None:
    auth = sign_up(client)
    for method, path, body, field in (
        ("POST", "/projects", {"name": HUGE}, "name"),
        ("POST", "/projects", {"name": ""}, "name"),
        ("POST", "/projects", {"name": "   "}, "name"),
        ("POST", "/projects", {"name": "P", "description": HUGE}, "description"),
        ("POST", "/api-keys", {"name": ""}, "name"),
        ("POST", "/contents", {"generation_type": "text", "text": HUGE}, "text"),
        ("POST", "/contents", {"generation_type": "text", "text": ""}, "text"),
        ("POST", "/contents", {"generation_type": "topic", "topic": HUGE}, "topic"),
        ("POST", "/contents", {"generation_type": "url", "url": "https://a.example/" + HUGE},
         "url"),
        ("POST", "/auth/register", {"email": "k@example.com", "password": PASSWORD, "name": HUGE},
         "name"),
        ("POST", "/auth/register", {"email": "k@example.com", "password": "x" * 300, "name": "K"},
         "password"),
        ("POST", "/auth/login", {"email": "", "password": ""}, "email"),
    ):  # fmt: skip
        assert_problem(client.request(method, f"{API}{path}", json=body, headers=auth), 422, field)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.com/",
        "http://127.0.0.1/admin",
        "http://[::1]/",
        "http://0x7f000001/",
        "http://user:pass@example.com/",
        "//example.com/",
        "../../etc/passwd",
        "http://exa mple.com/",
        "http://example.com\r\nHost: internal/",
        "https://example.com:99999/",
    ],
)
def test_urls_that_go_nowhere_good_are_refused_naming_url(client: TestClient, url: str) -> None:
    answer = client.post(
        f"{API}/contents", json={"generation_type": "url", "url": url}, headers=sign_up(client)
    )
    assert_problem(answer, 422, "url")


def test_bodies_that_are_not_json_objects(client: TestClient) -> None:
    auth = sign_up(client)
    as_json = {**auth, "Content-Type": "application/json"}
    for body, status in (
        (b"", 422),
        (b"null", 422),
        (b"[]", 422),
        (b'"name"', 422),
        (b"{", 422),
        (b'{"name": "a", "name": 5}', 422),
        (b"[" * 100_000 + b"]" * 100_000, 400),  # nested past the parser's recursion
        (b'{"name": "\xc3\x28"}', 400),  # not UTF-8
        (b'{"name": "P", "budget_usd": 1e999}', 422),  # infinity
        (b'{"name": "P", "budget_usd": NaN}', 422),
        (b'{"name": "P", "platforms": ["youtube"' + b', "youtube"' * 10_000 + b"]}", 422),
    ):
        answer = client.post(f"{API}/projects", content=body, headers=as_json)
        assert answer.status_code == status, (body[:40], answer.text)
        assert_problem(answer, status)
    # Other encodings of JSON are read as JSON (json.loads tells UTF-16 by its bytes).
    utf16 = '{"name": "노년"}'.encode("utf-16")
    assert client.post(f"{API}/projects", content=utf16, headers=as_json).json()["name"] == "노년"


def raw_request(
    client: TestClient, method: str, raw_path: bytes, headers: list[tuple[bytes, bytes]]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A request as a server hands it to the app, with what a client library would have
    refused or rewritten (`..` in the path, CR LF in a header value)."""
    path, _, query = raw_path.partition(b"?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path.decode("latin-1")),
        "raw_path": path,
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"], answer["headers"] = message["status"], message["headers"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    async def call() -> None:
        await client.app(scope, receive, send)

    assert client.portal is not None
    client.portal.call(call)
    return answer["status"], answer["headers"], answer["body"]


def test_traversal_in_ids_and_storage_keys(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    bearer = [(b"authorization", auth["Authorization"].encode())]
    outside = runtime.settings.data_dir.parent / "outside.txt"
    outside.write_text("not yours\n", "utf-8")
    for bad in TRAVERSALS:
        for prefix in ("contents", "projects", "exports", "api-keys"):
            status, _, body = raw_request(client, "GET", f"{API}/{prefix}/{bad}".encode(), bearer)
            assert status in (404, 405, 422), (prefix, bad, status, body[:200])
        # A storage key, even with a valid signature for it, never leaves the data folder.
        escapes = ("../outside.txt", "videos/../../outside.txt", "/etc/passwd",
                   "videos\\..\\..\\outside.txt")  # fmt: skip
        for key in (bad, f"videos/{bad}", f"videos/x/../../{bad}", *escapes):
            expires, signature = runtime.signer.sign_download(unquote(key), 60)
            path = f"{API}/files/{key}?expires={expires}&signature={signature}".encode()
            status, _, body = raw_request(client, "GET", path, [])
            assert status in (404, 422), (key, status, body[:200])
            assert b"not yours" not in body
            assert b"SQLite" not in body
    assert outside.read_text("utf-8") == "not yours\n"


@pytest.mark.parametrize("value", [*INJECTIONS.values(), *TRAVERSALS, ""], ids=str)
def test_headers_never_split_or_echo(client: TestClient, value: str) -> None:
    auth = sign_up(client)
    encoded = value.encode("utf-8")
    headers = [
        (b"authorization", auth["Authorization"].encode()),
        (b"content-type", b"application/json"),
        (b"x-request-id", encoded),
        (b"idempotency-key", encoded),
    ]
    status, answer, body = raw_request(client, "GET", f"{API}/users/me".encode(), headers)
    assert status == 200, body[:200]
    names = [name.lower() for name, _ in answer]
    assert b"set-cookie" not in names
    request_id = dict(answer)[b"x-request-id"]
    # Only an id of plain characters is taken; anything else gets a fresh one.
    assert request_id == encoded or (len(request_id) == 32 and request_id.isalnum())
    for _, header_value in answer:
        assert b"\r" not in header_value
        assert b"\n" not in header_value
    # As an Idempotency-Key it is a key like any other, or refused naming the header.
    content = (
        client.post(
            f"{API}/contents",
            json={"generation_type": "text", "text": TEXT},
            headers={**auth, "Idempotency-Key": value.encode("utf-8").decode("latin-1")},
        )
        if value.isascii() and "\r" not in value and "\n" not in value
        else None
    )
    if content is not None:
        assert content.status_code in (202, 402, 422), content.text
        if content.status_code == 422:
            assert_problem(content, 422, "idempotency-key")
