"""The one way AutoClip fetches a URL a user gave it (a `url` content, a feed, a webhook).

A user-given URL must not become a way into the server's own network. So every
connection, including each redirect's, goes through a network backend that resolves the
host itself, refuses loopback, private, link-local, reserved and metadata addresses (in
any spelling: the check is on the resolved address, never on the text), and connects to
exactly the address it checked, so a second DNS answer cannot swap in another. One
monotonic deadline covers the whole fetch — resolving, connecting, TLS, every read — so a
page that trickles a byte at a time cannot hold a worker. Errors carry no internal detail:
a refused address and a closed port look the same from outside.

An operator can allow chosen hosts or networks (`AUTOCLIP_OUTBOUND_ALLOW`), for example
an intranet wiki or, in local development, `127.0.0.1`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_DEADLINE_S = 20.0
MAX_REDIRECTS = 5
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# IPv6 prefixes that carry an IPv4 address a gateway would forward to (NAT64); the
# standard library unwraps IPv4-mapped, 6to4 and Teredo itself.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
# A URL's host as httpx keeps it (IDNA-encoded): a name (underscores happen in real
# ones), or an address, IPv6 without its brackets.
_URL_HOST = re.compile(r"[A-Za-z0-9_.-]+|[0-9A-Fa-f:.]+")
REFUSED = "leads to a private, local or reserved network address, which AutoClip does not fetch"
# getaddrinfo has no timeout of its own: it runs here, and the fetch stops waiting for it
# at its deadline.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="autoclip-resolve")


class OutboundError(Exception):
    """A user-given URL could not be fetched. The message is safe to show the user."""


class OutboundRefused(OutboundError):
    """The URL leads somewhere AutoClip does not fetch from (a non-public address)."""


class OutboundTimeout(OutboundError):
    """The whole fetch took longer than its deadline."""


class OutboundTooLarge(OutboundError):
    """The answer is larger than the caller's cap."""


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address, which the relay forwards to
    if any(address in prefix for prefix in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether `address` is an ordinary public unicast address."""
    inner = embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return False
    return address.is_global and not address.is_multicast


def parse_networks(spec: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses and networks (`10.0.0.0/8, ::1`); ValueError names a bad one."""
    networks: list[IPNetwork] = []
    for raw in spec.split(","):
        entry = raw.strip()
        if entry:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                raise ValueError(f"not an address or network: {entry!r}") from None
    return tuple(networks)


@dataclass(frozen=True)
class OutboundPolicy:
    """Which non-public destinations an operator allows (nothing, by default)."""

    hosts: frozenset[str] = frozenset()
    domains: tuple[str, ...] = ()  # "*.corp.example" entries, kept as ".corp.example"
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> OutboundPolicy:
        """`spec`: comma-separated host names (`wiki.internal`, `*.corp.example`), addresses
        (`127.0.0.1`, `::1`) and networks (`10.0.0.0/8`). Raises ValueError naming a bad one."""
        hosts: set[str] = set()
        domains: list[str] = []
        networks: list[IPNetwork] = []
        for raw in spec.split(","):
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = entry.removeprefix("*.")
            if not _HOST_NAME.fullmatch(name):
                raise ValueError(f"not a host name, address or network: {raw.strip()!r}")
            if entry.startswith("*."):
                domains.append("." + name)
            else:
                hosts.add(name)
        return cls(frozenset(hosts), tuple(domains), tuple(networks))

    def allows_host(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        return name in self.hosts or any(name.endswith(domain) for domain in self.domains)

    def allows(self, host: str, address: IPAddress) -> bool:
        if is_public(address) or self.allows_host(host):
            return True
        candidates = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
        return any(a in network for a in candidates for network in self.networks)


@dataclass
class Deadline:
    """One monotonic deadline for a whole fetch."""

    seconds: float
    ends: float = field(init=False)

    def __post_init__(self) -> None:
        self.ends = time.monotonic() + self.seconds

    def remaining(self, cap: float | None = None) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise OutboundTimeout(f"no complete answer within {self.seconds:g} s")
        return left if cap is None else min(cap, left)


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str  # after redirects


def fetch(
    url: str,
    policy: OutboundPolicy,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
    max_bytes: int = 5 * 2**20,
    follow_redirects: bool = True,
) -> Fetched:
    """One request to a user-given http(s) URL, under `policy`, within `deadline_s` in all.

    Redirects (GET and HEAD only) are followed up to MAX_REDIRECTS, each target checked
    like the first. Any status comes back as it is; the caller decides what it means.
    Raises OutboundError (or a subclass) with a message fit for the user.
    """
    deadline = Deadline(deadline_s)
    backend = GuardedBackend(policy, deadline)
    with httpcore.ConnectionPool(
        ssl_context=ssl.create_default_context(), network_backend=backend, retries=0
    ) as pool:
        precheck(url, policy)
        target = parse_url(url)
        for _ in range(MAX_REDIRECTS + 1):
            status, answer_headers, body = _send(
                pool, deadline, method, target, headers or {}, content, max_bytes
            )
            location = answer_headers.get("location")
            redirected = status in REDIRECT_CODES and location and method in {"GET", "HEAD"}
            if not (follow_redirects and redirected):
                return Fetched(status, answer_headers, body, str(target))
            assert location is not None
            target = target.join(location)
            try:
                precheck(str(target), policy)
            except OutboundError:
                raise OutboundRefused("redirects to an address AutoClip does not fetch") from None
        raise OutboundError(f"redirects more than {MAX_REDIRECTS} times")


def parse_url(url: str) -> httpx.URL:
    """`url` as an absolute http(s) URL without credentials, or an OutboundError."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise OutboundError("is not a valid URL") from None
    if parsed.scheme not in {"http", "https"}:
        raise OutboundError("must start with http:// or https://")
    if not parsed.host:
        raise OutboundError("has no host name")
    if parsed.userinfo:
        raise OutboundError("must not contain a user name or password")
    # httpx keeps a host with a space ("exa mple.com") and a port past 65535: neither can
    # ever be reached, and a content made with one would only fail later, in the worker.
    if not _URL_HOST.fullmatch(parsed.raw_host.decode("ascii", "replace")):
        raise OutboundError("has a host name that is not valid")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise OutboundError("has a port out of range")
    return parsed


def precheck(url: str, policy: OutboundPolicy) -> None:
    """Refuse at once what can be refused without a lookup: a bad URL, or a host that is an
    address literal (in any spelling the resolver accepts) or `localhost`, not allowed.

    Names are checked when fetched, since what they resolve to may change until then."""
    host = parse_url(url).host
    if policy.allows_host(host):
        return
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always loopback
        raise OutboundRefused(REFUSED)
    try:
        infos = socket.getaddrinfo(host, 80, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        return  # a name
    address = ipaddress.ip_address(str(infos[0][4][0]).partition("%")[0])
    if not policy.allows(host, address):
        raise OutboundRefused(REFUSED)


def _send(
    pool: httpcore.ConnectionPool,
    deadline: Deadline,
    method: str,
    url: httpx.URL,
    headers: dict[str, str],
    content: bytes | None,
    max_bytes: int,
) -> tuple[int, httpx.Headers, bytes]:
    target = httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )
    try:
        with pool.stream(
            method,
            target,
            headers=[(k.encode(), v.encode()) for k, v in headers.items()],
            content=content,
            extensions={"timeout": {"pool": deadline.remaining()}},
        ) as response:
            answer_headers = httpx.Headers(response.headers)
            declared = answer_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise OutboundTooLarge(f"is larger than {_size(max_bytes)}")
            body = bytearray()
            for chunk in response.iter_stream():
                body += chunk
                if len(body) > max_bytes:
                    raise OutboundTooLarge(f"is larger than {_size(max_bytes)}")
            return response.status, answer_headers, bytes(body)
    except OutboundError:
        raise
    except httpcore.TimeoutException:
        raise OutboundTimeout(f"no complete answer within {deadline.seconds:g} s") from None
    except (httpcore.NetworkError, httpcore.ProtocolError, ssl.SSLError, OSError):
        # Never the reason: "connection refused" against "timed out" would map ports.
        raise OutboundError("could not be fetched: the site could not be reached") from None
    except httpcore.UnsupportedProtocol:
        raise OutboundError("must start with http:// or https://") from None


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit} bytes"


def resolve(host: str, port: int, deadline: Deadline) -> list[IPAddress]:
    """Every address `host` resolves to (an address literal resolves to itself)."""
    future = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=deadline.remaining())
    except FutureTimeout:
        raise OutboundTimeout(f"no complete answer within {deadline.seconds:g} s") from None
    except (OSError, UnicodeError):
        raise OutboundError("could not be fetched: the host name does not resolve") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, connecting only to checked addresses, within a deadline."""

    def __init__(self, policy: OutboundPolicy, deadline: Deadline) -> None:
        self._policy = policy
        self._deadline = deadline
        self._plain = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port, self._deadline)
        # All or nothing: a name answering with one public and one private address is a
        # rebinding trick, not a site with a spare.
        if not addresses or not all(self._policy.allows(host, a) for a in addresses):
            raise OutboundRefused(REFUSED)
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = self._plain.connect_tcp(
                    str(address),  # a literal: connecting looks nothing up again
                    port,
                    timeout=self._deadline.remaining(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return DeadlineStream(stream, self._deadline)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise OutboundRefused("only http and https URLs are fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self._deadline.remaining()))


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and handshake ends by the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, self._deadline.remaining(timeout)
        )
        return DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
