"""Hostile inputs shared by the security tests: addresses in the spellings that slip past
text checks, and a stand-in for DNS (which cannot run here) to point names anywhere."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest


def loopback_spellings(port: int) -> list[str]:
    """127.0.0.1:`port` in the spellings that slip past checks on the text."""
    return [
        f"http://127.0.0.1:{port}/",
        f"http://2130706433:{port}/",  # decimal
        f"http://0x7f000001:{port}/",  # hex
        f"http://0x7f.1:{port}/",  # mixed
        f"http://127.1:{port}/",  # short
        f"http://[::ffff:127.0.0.1]:{port}/",  # IPv4-mapped IPv6
        f"http://[::ffff:7f00:1]:{port}/",
        f"http://localhost:{port}/",
        f"http://localhost.:{port}/",  # trailing dot
        f"http://LocalHost:{port}/",
        f"http://0.0.0.0:{port}/",  # "this host": loopback on Linux
        f"http://[::]:{port}/",
        f"http://[::1]:{port}/",
    ]


def fake_dns(monkeypatch: pytest.MonkeyPatch, name: str, answers: Iterator[list[str]]) -> list[str]:
    """Make `name` resolve to the next of `answers` at each lookup (DNS cannot run here);
    returns the list of lookups made."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def resolve(host: str, port: Any, *args: Any) -> Any:
        if host != name:
            return real(host, port, *args)
        if len(args) >= 4 and args[3] & socket.AI_NUMERICHOST:
            raise socket.gaierror(socket.EAI_NONAME, "not numeric")
        lookups.append(host)
        return [info for address in next(answers) for info in real(address, port, *args)]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return lookups
