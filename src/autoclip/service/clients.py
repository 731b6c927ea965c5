"""Who is calling: the client's address, believing forwarded headers only from our proxies.

Behind an ingress every request arrives from the proxy's address, so the real client is in
`X-Forwarded-For`. Anyone can send that header, though: it is believed only when the peer
is a configured proxy (`AUTOCLIP_TRUSTED_PROXIES`), and then read from the right, skipping
our own proxies, so a client cannot prepend a made-up address. The server's own proxy
handling is off (`autoclip serve` runs uvicorn with `proxy_headers=False`): this is the
one place that decides, under any ASGI server.
"""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from autoclip.kit.outbound import IPAddress, IPNetwork


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: IPAddress | None, proxies: tuple[IPNetwork, ...]) -> bool:
    return address is not None and any(address in net for net in proxies)


def client_address(peer: str, forwarded_for: str | None, proxies: tuple[IPNetwork, ...]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy."""
    hop = _address(peer)
    if hop is None or not forwarded_for or not _trusted(hop, proxies):
        return peer
    client = hop
    for entry in reversed(forwarded_for.split(",")):
        address = _address(entry)
        if address is None:
            break  # garbage from the client's side: trust what came before it
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)


def rate_key(address: str) -> str:
    """What a rate limit counts per: the address, or its /64 for IPv6 (one subscriber's
    network, in which a client can pick any address)."""
    parsed = _address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed.ipv4_mapped if isinstance(parsed, ipaddress.IPv6Address) else address)


class ClientAddress:
    """Replaces `scope["client"]` with the client's address as decided above."""

    def __init__(self, app: ASGIApp, proxies: tuple[IPNetwork, ...]) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies and scope.get("client"):
            host, port = scope["client"]
            forwarded = proto = None
            for name, value in scope.get("headers", []):
                if name == b"x-forwarded-for":
                    # Several headers are one list, in order (RFC 9110 section 5.3).
                    text = value.decode("latin-1")
                    forwarded = f"{forwarded},{text}" if forwarded else text
                elif name == b"x-forwarded-proto":
                    proto = value.decode("latin-1").split(",")[-1].strip().lower()
            if _trusted(_address(host), self.proxies):
                scope["client"] = (client_address(host, forwarded, self.proxies), port)
                if proto in ("http", "https"):  # TLS ended at our proxy: HSTS still applies
                    scope["scheme"] = proto
        await self.app(scope, receive, send)
