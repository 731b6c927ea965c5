"""Gathering source text: a local text file, or the main text of a web page.

Korean files and pages are still often in EUC-KR (CP949 in practice), so both decoders
try it after UTF-8. Web pages are reduced to their article text: navigation, footers and
scripts are dropped, and the container with the most paragraph text wins.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from autoclip import __version__
from autoclip.errors import InputError
from autoclip.kit import outbound
from autoclip.kit.outbound import OutboundPolicy
from autoclip.kit.text import detect_language, leading_title, normalize, normalize_lines, words
from autoclip.options import Language
from autoclip.providers.writing.base import SourceMaterial
from autoclip.script.boilerplate import is_boilerplate

USER_AGENT = f"AutoClip/{__version__}"
MAX_PAGE_BYTES = 5 * 1024 * 1024
# Control characters but tab, newline, carriage return and form feed (a page break in
# exported text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Below this a page is a login wall, an error page or an app shell, not an article.
MIN_WORDS = 20
MIN_KOREAN_CHARS = 80

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_NOISE_TAGS = (
    "script", "style", "nav", "header", "footer", "aside", "form", "noscript",
    "iframe", "svg", "template", "button", "select",
)  # fmt: skip
_TEXT_BLOCKS = ("p", "li", "blockquote", "pre")
# Containers named for what is not the article: bylines, share bars, related and most-read
# boxes, comments, ads. Matched as whole words of a class or id ("ad", not "head").
_NOISE_NAMES = re.compile(
    r"(?:^|[\s_-])(?:byline|reporter|author-info|share|sharing|sns|social|related|relation|"
    r"recommend|popular|most-?read|ranking|comments?|reply|replies|ad|ads|advert|banner|"
    r"sponsor|promo|newsletter|subscribe|copyright|breadcrumbs?|tags?)(?:$|[\s_-])",
    re.IGNORECASE,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")


def _decode(data: bytes, declared: str | None) -> str | None:
    """`data` as text: the declared charset first, then UTF-8, then CP949; None if all fail.

    EUC-KR is read as CP949, its superset, because pages labelled EUC-KR routinely use
    CP949's extra syllables.
    """
    candidates: list[str] = []
    if declared:
        declared = declared.strip().lower()
        candidates.append(
            "cp949" if declared in {"euc-kr", "euc_kr", "ks_c_5601-1987"} else declared
        )
    candidates += ["utf-8-sig", "cp949"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def load_text_file(path: Path) -> SourceMaterial:
    """A UTF-8 or EUC-KR/CP949 text file; a short first line without a period is its title."""
    if not path.is_file():
        raise InputError("text", f"file not found: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("text", f"cannot be read: {exc.strerror or exc}") from exc
    text = _decode(data, None)
    if text is None:
        raise InputError("text", "is not UTF-8 or EUC-KR text")
    if found := _CONTROL.search(text):
        # As the API refuses them: a file of escape sequences is no text to narrate (one
        # was made into a video of "[2J"), and they would repaint the terminal it is shown in.
        raise InputError(
            "text",
            f"has a control character (U+{ord(found.group()):04X}) at character "
            f"{found.start()}; a text file holds tab, newline and form feed at most",
        )
    title, body = _title_and_body(text)
    if not body.strip():
        raise InputError("text", "is empty")
    return SourceMaterial(text=body, title_hint=title, origin=str(path))


def fetch_url(
    url: str,
    policy: OutboundPolicy | None = None,
    deadline_s: float = outbound.DEFAULT_DEADLINE_S,
) -> SourceMaterial:
    """The main text of the page at `url` (http or https), with its title as a hint.

    Fetched through the outbound guard (`policy`: which non-public hosts the operator
    allows; none by default), within `deadline_s` for the whole fetch."""
    page = _download(url, policy or OutboundPolicy(), deadline_s)
    content_type, charset = _content_type(page.headers.get("content-type", ""))
    data = page.body
    if content_type == "text/plain":
        text = _decode(data, charset)
        title: str | None = None
        if text is not None:
            title, text = _title_and_body(text)
    elif content_type in _HTML_TYPES or (not content_type and data.lstrip()[:1] == b"<"):
        html = _decode(data, charset or _meta_charset(data))
        title, text = _extract_article(html) if html is not None else (None, None)
    else:
        raise InputError("url", f"is not a web page or text (content type {content_type})")
    if text is None or not _readable(text):
        raise InputError("url", "has no readable text")
    return SourceMaterial(text=text, title_hint=title, origin=page.url)


def page_text(page: outbound.Fetched) -> tuple[str | None, str]:
    """(title, main text) of a fetched HTML or plain-text page, as a `url` content reads
    it; the text is empty when the page has none (or is not a page)."""
    content_type, charset = _content_type(page.headers.get("content-type", ""))
    if content_type == "text/plain":
        text = _decode(page.body, charset)
        return _title_and_body(text) if text is not None else (None, "")
    if content_type in _HTML_TYPES or (not content_type and page.body.lstrip()[:1] == b"<"):
        html = _decode(page.body, charset or _meta_charset(page.body))
        return _extract_article(html) if html is not None else (None, "")
    return None, ""


def _download(url: str, policy: OutboundPolicy, deadline_s: float) -> outbound.Fetched:
    """A successful GET of `url`, or an InputError fit to show the user."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9,*/*;q=0.1"}
    try:
        page = outbound.fetch(
            url, policy, headers=headers, deadline_s=deadline_s, max_bytes=MAX_PAGE_BYTES
        )
    except outbound.OutboundError as exc:
        raise InputError("url", str(exc)) from None
    if page.status >= 400:
        raise InputError("url", f"answered HTTP {page.status}")
    if page.status in outbound.REDIRECT_CODES:
        raise InputError("url", f"redirects (HTTP {page.status}) without saying where")
    return page


def _title_and_body(text: str) -> tuple[str | None, str]:
    """A text's heading line and body; a byline or a date on top is no heading."""
    text = normalize_lines(text)
    title, body = leading_title(text)
    if title is not None and is_boilerplate(title):
        return None, text
    return title, body


def _content_type(header: str) -> tuple[str, str | None]:
    media_type, _, params = header.partition(";")
    match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", params, re.IGNORECASE)
    return media_type.strip().lower(), match.group(1) if match else None


def _meta_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag, which must sit in its first 1024 bytes.

    Searched a little further (4 KB) because real pages often break that rule.
    """
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def _readable(text: str) -> bool:
    if detect_language(text) is Language.KO:
        return len(_HANGUL_SYLLABLE.findall(text)) >= MIN_KOREAN_CHARS
    return len(words(text)) >= MIN_WORDS


def _extract_article(html: str) -> tuple[str | None, str]:
    """(title, main text) of an HTML page."""
    soup = BeautifulSoup(html, "lxml")
    title = _page_title(soup)
    for tag in soup.find_all(_NOISE_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_noise_container):
        tag.decompose()
    container = _main_container(soup)
    if container is None:
        return title, ""
    paragraphs = [
        # HTML wraps a paragraph's source anywhere: its text is one line.
        " ".join(block.get_text(" ", strip=True).split())
        for block in container.find_all(_TEXT_BLOCKS)
        if block.find(_TEXT_BLOCKS) is None  # the innermost block only, never twice
    ]
    # One line a paragraph: the writer tells a byline or a list item by its line.
    text = normalize_lines("\n".join(p for p in paragraphs if p))
    if not _readable(text):
        # Text written straight into <div>s, without paragraph tags.
        text = normalize(container.get_text("\n", strip=True))
    return title, text


def _is_noise_container(tag: Tag) -> bool:
    if tag.name in ("html", "body", "article", "main"):
        return False
    names = [*(tag.get("class") or []), str(tag.get("id") or "")]
    return any(_NOISE_NAMES.search(str(name)) for name in names if name)


def _page_title(soup: BeautifulSoup) -> str | None:
    """og:title when given (it lacks the site-name suffix), else <title>, else the <h1>."""
    og = soup.find("meta", attrs={"property": "og:title"})
    if isinstance(og, Tag):
        content = og.get("content")
        if isinstance(content, str) and content.strip():
            return normalize(content)
    for name in ("title", "h1"):
        tag = soup.find(name)
        if isinstance(tag, Tag) and tag.get_text(strip=True):
            return normalize(tag.get_text(" ", strip=True))
    return None


def _main_container(soup: BeautifulSoup) -> Tag | None:
    """<article> or <main> when present, else the element richest in paragraph text.

    Readability's idea in small: every paragraph adds its length to its parent and half
    of it to its grandparent, so the container of the article body collects the most.
    """
    for name in ("article", "main"):
        candidates = [tag for tag in soup.find_all(name) if isinstance(tag, Tag)]
        if candidates:
            return max(candidates, key=lambda tag: len(tag.get_text(strip=True)))
    scores: dict[int, tuple[float, Tag]] = {}
    for paragraph in soup.find_all("p"):
        length = len(paragraph.get_text(strip=True))
        if length < 25:
            continue
        for share, ancestor in zip((1.0, 0.5), paragraph.parents, strict=False):
            if isinstance(ancestor, Tag):
                score, _ = scores.get(id(ancestor), (0.0, ancestor))
                scores[id(ancestor)] = (score + share * length, ancestor)
    if scores:
        return max(scores.values(), key=lambda item: item[0])[1]
    body = soup.body
    return body if isinstance(body, Tag) else None
