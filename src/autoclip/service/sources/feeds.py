"""RSS and Atom entries, read safely from a feed's bytes.

A feed is hostile input. The standard library's parser (expat 2.4 and newer) fetches no
external entity and stops entity amplification (billion laughs, quadratic blowup) with
an error, and the body is size-capped before it gets here. Only what a content needs is
read: an entry's identity (its GUID or id, else its link), title, link and text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.etree import ElementTree  # nosec B405  # expat >= 2.4: see above

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
RDF_ITEM = "{http://purl.org/rss/1.0/}item"
# Query parameters that only say where a click came from: the same article with another
# campaign tag is the same item.
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


class FeedError(ValueError):
    """Not a feed AutoClip can read; the message says why, fit for the user."""


@dataclass(frozen=True)
class Entry:
    identity: str  # the GUID or id, else the normalised link
    title: str
    link: str | None
    text: str

    @property
    def key(self) -> str:
        return item_key(self.identity)


def item_key(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()


def normalise_url(url: str) -> str:
    """A link as one item: scheme and host lower-cased, default port, fragment and
    tracking parameters dropped, the rest of the query sorted, no trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def _text(element: ElementTree.Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def parse_feed(data: bytes) -> list[Entry]:
    """The entries of an RSS (0.9x, 1.0, 2.0) or Atom feed, in the feed's order."""
    try:
        root = ElementTree.fromstring(data)  # nosec B314  # expat >= 2.4: see above
    except ElementTree.ParseError as error:
        raise FeedError(f"is not well-formed XML ({error})") from None
    if root.tag == f"{ATOM}feed":
        return [e for e in map(_atom_entry, root.iter(f"{ATOM}entry")) if e is not None]
    if root.tag == "rss" or root.tag.endswith("RDF"):
        items = [*root.iter("item"), *root.iter(RDF_ITEM)]
        return [e for e in map(_rss_item, items) if e is not None]
    name = root.tag.rpartition("}")[2]
    raise FeedError(f"is XML but not RSS or Atom (its root is <{name}>)")


def _rss_item(item: ElementTree.Element) -> Entry | None:
    def child(name: str) -> ElementTree.Element | None:
        found = item.find(name)
        if found is None and item.tag == RDF_ITEM:
            found = item.find(f"{{http://purl.org/rss/1.0/}}{name}")
        return found

    link = _text(child("link")) or None
    guid = _text(child("guid"))
    body = _text(item.find(f"{CONTENT}encoded")) or _text(child("description"))
    return _entry(guid, _text(child("title")), link, body)


def _atom_entry(entry: ElementTree.Element) -> Entry | None:
    link = None
    for candidate in entry.iter(f"{ATOM}link"):
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            link = candidate.get("href")
            break
    body = _text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary"))
    return _entry(_text(entry.find(f"{ATOM}id")), _text(entry.find(f"{ATOM}title")), link, body)


def _entry(guid: str, title: str, link: str | None, text: str) -> Entry | None:
    if link is not None and not link.lower().startswith(("http://", "https://")):
        link = None  # a javascript: or relative link makes no content
    identity = guid or (normalise_url(link) if link else "")
    if not identity:
        return None  # nothing to tell it apart by: it would come back as new every time
    return Entry(identity=identity, title=title[:300], link=link, text=text)
