"""The outbound-URL guard against real servers on loopback.

A server that records every request stands on 127.0.0.1: a refused URL must never reach
it, in any spelling, directly or by redirect.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from autoclip.kit.outbound import (
    OutboundError,
    OutboundPolicy,
    OutboundRefused,
    OutboundTimeout,
    OutboundTooLarge,
    fetch,
    is_public,
    precheck,
)
from hostile import fake_dns, loopback_spellings
from localserver import serve

PUBLIC_ONLY = OutboundPolicy()
LOOPBACK = OutboundPolicy.parse("127.0.0.1")


class Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the server makes one per request
    trickle_done = threading.Event()

    def do_GET(self) -> None:
        Recorder.hits.append(self.path)
        if self.path.startswith("/to/"):
            self.send_response(302)
            self.send_header("Location", "http://" + self.path.removeprefix("/to/"))
            self.end_headers()
            return
        if self.path == "/trickle":
            self._trickle()
            return
        body = b"x" * 2000 if self.path.startswith("/big") else b"hello"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if self.path != "/big-chunked":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self) -> None:
        # 40 bytes, one every 0.1 s: each read is quick, the whole takes 4 s.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "40")
        self.end_headers()
        try:
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                Recorder.trickle_done.wait(0.1)
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    Recorder.hits = []
    with serve(Recorder) as base:
        yield int(base.rsplit(":", 1)[1])


def test_every_spelling_of_loopback_is_refused_without_a_request(server: int) -> None:
    for url in loopback_spellings(server):
        with pytest.raises(OutboundError) as caught:
            fetch(url, PUBLIC_ONLY, deadline_s=5)
        assert isinstance(caught.value, OutboundRefused), (url, caught.value)
    assert Recorder.hits == []


def test_precheck_refuses_literals_before_any_lookup(server: int) -> None:
    for url in loopback_spellings(server):
        with pytest.raises(OutboundRefused):
            precheck(url, PUBLIC_ONLY)
    precheck("https://example.com/article", PUBLIC_ONLY)  # a name waits for the fetch
    precheck(f"http://127.0.0.1:{server}/", LOOPBACK)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # a cloud's metadata, in shared address space
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fd00:ec2::254",  # a cloud's IPv6 metadata
        "fec0::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "2002:a00:1::",  # 6to4 around 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
        "2001:db8::1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_redirect_to_a_private_address_is_refused(server: int) -> None:
    # The first hop, on 127.0.0.2, is allowed; its redirect to the recorder on 127.0.0.1
    # is checked like the first URL was, and refused.
    first = ThreadingHTTPServer(("127.0.0.2", 0), Recorder)
    threading.Thread(target=first.serve_forever, daemon=True).start()
    try:
        first_port = first.server_address[1]
        with pytest.raises(OutboundRefused, match="redirects"):
            fetch(
                f"http://127.0.0.2:{first_port}/to/127.0.0.1:{server}/secret",
                OutboundPolicy.parse("127.0.0.2"),
            )
    finally:
        first.shutdown()
        first.server_close()
    assert Recorder.hits == [f"/to/127.0.0.1:{server}/secret"]  # the first hop only


def test_redirects_are_followed_when_allowed(server: int) -> None:
    page = fetch(f"http://127.0.0.1:{server}/to/127.0.0.1:{server}/landing", LOOPBACK)
    assert (page.status, page.body, page.url) == (
        200,
        b"hello",
        f"http://127.0.0.1:{server}/landing",
    )


def test_errors_say_nothing_about_internal_ports(server: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    messages = set()
    for port in (server, closed):
        with pytest.raises(OutboundError) as caught:
            fetch(f"http://127.0.0.1:{port}/", PUBLIC_ONLY)
        messages.add(str(caught.value))
    assert len(messages) == 1
    # Even where loopback is allowed, a closed port says only "could not be reached".
    with pytest.raises(OutboundError, match=r"could not be reached$"):
        fetch(f"http://127.0.0.1:{closed}/", LOOPBACK)


def test_one_deadline_covers_the_whole_fetch(server: int) -> None:
    # Every read comes within 0.1 s, so a per-read timeout would wait out all 4 s.
    try:
        with pytest.raises(OutboundTimeout):
            fetch(f"http://127.0.0.1:{server}/trickle", LOOPBACK, deadline_s=1.0)
    finally:
        Recorder.trickle_done.set()
        Recorder.trickle_done = threading.Event()


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_size_cap_with_and_without_length(server: int, path: str) -> None:
    with pytest.raises(OutboundTooLarge):
        fetch(f"http://127.0.0.1:{server}{path}", LOOPBACK, max_bytes=1000)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/a", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "http:// or https://"),
        ("http://user:pass@example.com/", "user name or password"),
        ("http://example.com@127.0.0.1/", "user name or password"),
        ("http:///no-host", "host"),
        ("not a url", "http:// or https://"),
        ("http://127.000.000.001/", "not a valid URL"),  # zero-padded: octal to some parsers
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(OutboundError, match=message):
        fetch(url, PUBLIC_ONLY)


def test_connection_goes_to_the_checked_address(
    server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a second lookup would answer with a refused address. There is none:
    the name is resolved once, and the connection goes to the address checked."""
    lookups = fake_dns(monkeypatch, "rebind.test", iter([["127.0.0.1"], ["10.9.9.9"]]))
    page = fetch(f"http://rebind.test:{server}/once", LOOPBACK)
    assert page.body == b"hello"
    assert lookups == ["rebind.test"]


def test_a_name_with_one_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, "mixed.test", iter([["93.184.215.14", "10.0.0.1"]]))
    with pytest.raises(OutboundRefused):
        fetch("http://mixed.test/", PUBLIC_ONLY)


@pytest.mark.parametrize(
    ("spec", "host", "address", "allowed"),
    [
        ("", "example.com", "10.0.0.1", False),
        ("10.0.0.0/8", "wiki.internal", "10.2.3.4", True),
        ("10.0.0.0/8", "wiki.internal", "::ffff:10.2.3.4", True),
        ("wiki.internal", "WIKI.internal.", "10.2.3.4", True),
        ("*.corp.example", "a.b.corp.example", "192.168.0.9", True),
        ("*.corp.example", "corp.example.evil", "192.168.0.9", False),
        ("::1", "x", "::1", True),
    ],
)
def test_policy(spec: str, host: str, address: str, allowed: bool) -> None:
    policy = OutboundPolicy.parse(spec)
    assert policy.allows(host, ipaddress.ip_address(address)) is allowed


@pytest.mark.parametrize("spec", ["http://x", "a b", "user@host", "*."])
def test_policy_names_a_bad_entry(spec: str) -> None:
    with pytest.raises(ValueError, match="not a host name"):
        OutboundPolicy.parse(spec)
