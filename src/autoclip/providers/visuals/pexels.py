"""Stock clips and photos from Pexels, free to use with the photographer credited.

Wire format (https://www.pexels.com/api/documentation/):

    GET {base_url}/videos/search?query=..&orientation=portrait|landscape|square
        &size=medium|small&per_page=15&page=1[&locale=ko-KR]
    Authorization: {api_key}                 (the bare key: no "Bearer")
    200 {"page", "per_page", "total_results", "url", "next_page",
         "videos": [{"id", "width", "height", "url" (its Pexels page), "image",
                     "duration" (whole seconds), "user": {"id", "name", "url"},
                     "video_files": [{"id", "quality": "hd"|"sd"|"uhd"|null,
                                      "file_type": "video/mp4", "width", "height",
                                      "fps", "link"}],
                     "video_pictures": [{"id", "picture", "nr"}]}]}

    GET {base_url}/v1/search?query=..&orientation=..&size=small&per_page=15&page=1
    200 {"page", "per_page", "total_results", "next_page",
         "photos": [{"id", "width", "height", "url", "photographer", "photographer_url",
                     "alt", "src": {"original", "large2x", "large", "medium", "small",
                                    "portrait", "landscape", "tiny"}}]}

Answers carry `X-Ratelimit-Limit`, `-Remaining` and `-Reset` (a UNIX time; the default
quota is 200 requests an hour, 20 000 a month); past the quota Pexels answers 429, which
the HTTP kit retries after `Retry-After` or a backoff. The file links point at Pexels' CDN
and are fetched without the key. Pexels is free: each search is metered as one request,
priced at 0, so a spent budget never stops it.

The search. The scene's `keywords` come first, then (English scripts only) the content
words of its `visual` description, at most `MAX_QUERY_WORDS` words: Pexels matches short
queries of concrete nouns best, and whole sentences poorly. Korean scripts search by their
keywords alone (by their `visual` words only when they have none), with `locale=ko-KR`
when the query is in Hangul. Pexels' Korean index is much smaller than its English one,
so Korean queries find fewer and looser matches (script writers are asked for keywords
that search well).

The choice. Results keep Pexels' relevance order, except that results in the frame's
orientation come first and, for videos, clips of at least `MIN_CLIP_S` seconds before
shorter ones. Of a video's renditions, the smallest mp4 that covers the frame without
upscaling by more than `UPSCALE_TOLERANCE` is downloaded (so HD, not 4K, for a 1080x1920
frame; at equal size the lower frame rate), or the largest one if none does. A photo comes
as `large2x` (fits 1880x1300) when that covers the frame, else as `original`.

No repeats within a content. The source remembers, per scene number, the search it made
and the result it used. A scene whose search equals that of `k` earlier scenes starts at
the `k`-th result, and any scene skips results earlier scenes already used when another
is left. `identity()` names the search (query, locale, orientation, frame size, kind,
page size, `k`), not the result, because the result is only known after asking Pexels.
So a cached visual is reused exactly when the same search would be made again; it is a
valid answer to that search, though it may happen to show a clip another scene of a
different content also uses. Scenes are expected in timeline order, as the engine asks
them; one source instance serves one content.

Nothing found (for "auto": neither a video nor a photo) raises `NoStockResult`, a
`PermanentProviderError`, so a fallback chain can give that scene a designed card.
Each visual's folder gets `attribution.json` (see `Attribution`, `read_attribution`).
"""

from __future__ import annotations

import json
import re
import subprocess  # nosec B404 # ffprobe from an argument list, no shell
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError
from pydantic import Field, SecretStr

from autoclip.errors import MediaError
from autoclip.kit.ffmpeg import media_info
from autoclip.kit.text import content_terms
from autoclip.options import Language
from autoclip.providers.cloud.errors import PermanentProviderError
from autoclip.providers.cloud.http import HttpProvider, ServiceSettings
from autoclip.providers.visuals.base import (
    ATTRIBUTION_FILE,
    Attribution,
    Visual,
    VisualKind,
    VisualName,
    VisualRequest,
)
from autoclip.providers.visuals.cards import save_png
from autoclip.providers.visuals.library import clip_frame, cover

SERVICE = "pexels"
DEFAULT_BASE_URL = "https://api.pexels.com"
STOCK_VERSION = "pexels-1"  # bump when the query, the ranking or the files change
LICENSE = "Pexels License"
LICENSE_URL = "https://www.pexels.com/license/"
MAX_QUERY_WORDS = 6
MIN_CLIP_S = 3.0  # shorter clips loop visibly under a scene of ordinary length
# Upscaling a file by up to 10 % to cover the frame is barely visible; fetching 4K to
# avoid it costs several times the bytes.
UPSCALE_TOLERANCE = 1.1
# `large2x` is the photo fitted into 940x650 at twice the pixel density.
LARGE2X_BOX = (1880, 1300)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")

StockKind = Literal["video", "photo"]


class PexelsSettings(ServiceSettings):
    api_key: SecretStr
    base_url: str = DEFAULT_BASE_URL
    kind: Literal["video", "photo", "auto"] = Field(
        default="auto", description='"auto": a video, or a photo when no video is found.'
    )
    per_page: int = Field(default=15, ge=1, le=80, description="Results to choose from.")


class StockItemUnusable(PermanentProviderError):
    """The chosen file could not be had or read (a CDN 403/404, too large, not a video):
    a fault of this item, not of the account, so the chain serves the scene otherwise."""

    moves_on = True


class NoStockResult(PermanentProviderError):
    """Pexels found nothing usable for the scene's search, and asking again would find the
    same: a fallback chain gives this scene a designed card and goes on with the rest."""

    moves_on = True

    def __init__(self, query: str, searched: str) -> None:
        super().__init__(SERVICE, f"no stock {searched} found", detail=f"query {query!r}")
        self.query = query


# --- the search ----------------------------------------------------------------------------


def search_query(request: VisualRequest) -> str:
    """The words to search Pexels by (see the module doc); "" when the scene has none."""
    scene = request.scene
    words = [word for keyword in scene.keywords for word in keyword.split()]
    if request.language is Language.EN or not words:
        words += content_terms(scene.visual, request.language)
    if not words:
        words = content_terms(request.title, request.language)
    unique: dict[str, str] = {}
    for word in words:
        word = word.strip(" ,.;:!?\"'()")
        if word and word.lower() not in unique:
            unique[word.lower()] = word
    return " ".join(list(unique.values())[:MAX_QUERY_WORDS])


def orientation(size: tuple[int, int]) -> str:
    width, height = size
    return "portrait" if height > width else "landscape" if width > height else "square"


def cover_scale(width: int, height: int, size: tuple[int, int]) -> float:
    """How much a `width`x`height` picture must be enlarged to cover the frame (< 1: shrunk)."""
    return max(size[0] / width, size[1] / height)


@dataclass(frozen=True)
class _Search:
    query: str
    locale: str | None
    orientation: str
    repeat: int  # earlier scenes of the content that made this same search


@dataclass(frozen=True)
class StockFile:
    """One downloadable rendition of a video or photo."""

    link: str
    width: int
    height: int
    fps: float = 0.0
    quality: str = ""


@dataclass(frozen=True)
class StockItem:
    """A search result with the rendition chosen for the frame."""

    kind: StockKind
    id: int
    page_url: str
    author: str
    author_url: str
    width: int
    height: int
    duration: float | None
    file: StockFile

    def attribution(self) -> Attribution:
        return Attribution(
            provider=SERVICE,
            kind=self.kind,
            id=self.id,
            url=self.page_url,
            author=self.author,
            author_url=self.author_url,
            license=LICENSE,
            license_url=LICENSE_URL,
        )

    def origin(self) -> str:
        return f"{SERVICE} {self.kind} {self.id} by {self.author or 'an unnamed author'}"


def choose_file(files: Sequence[StockFile], size: tuple[int, int]) -> StockFile | None:
    """The smallest rendition covering the frame (within `UPSCALE_TOLERANCE`), at equal
    size the one with the lower frame rate; the largest when none covers it."""
    if not files:
        return None
    covering = [f for f in files if cover_scale(f.width, f.height, size) <= UPSCALE_TOLERANCE]
    if covering:
        return min(covering, key=lambda f: (f.width * f.height, f.fps, f.quality == "uhd"))
    return max(files, key=lambda f: (f.width * f.height, -f.fps))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _results(answer: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = answer.get(key)
    if not isinstance(items, list):
        raise PermanentProviderError(SERVICE, f"unexpected answer: no {key!r} list")
    return [item for item in items if isinstance(item, dict)]


def _video_files(video: dict[str, Any]) -> list[StockFile]:
    files: list[StockFile] = []
    entries = video.get("video_files")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("file_type") != "video/mp4":
            continue  # HLS playlists and other containers the renderer cannot trim
        width, height, link = _int(entry.get("width")), _int(entry.get("height")), entry.get("link")
        if not width or not height or not isinstance(link, str) or not link.startswith("http"):
            continue
        fps = entry.get("fps")
        files.append(
            StockFile(
                link=link,
                width=width,
                height=height,
                fps=float(fps) if isinstance(fps, int | float) else 0.0,
                quality=_text(entry.get("quality")),
            )
        )
    return files


def videos_from(answer: dict[str, Any], size: tuple[int, int]) -> list[StockItem]:
    """The usable videos of a search answer, best first (see the module doc)."""
    ranked: list[tuple[tuple[bool, bool, int], StockItem]] = []
    for position, video in enumerate(_results(answer, "videos")):
        video_id, file = _int(video.get("id")), choose_file(_video_files(video), size)
        if video_id is None or file is None:
            continue
        user = _object(video.get("user"))
        duration = video.get("duration")
        seconds = float(duration) if isinstance(duration, int | float) else None
        item = StockItem(
            kind="video",
            id=video_id,
            page_url=_text(video.get("url")),
            author=_text(user.get("name")),
            author_url=_text(user.get("url")),
            width=_int(video.get("width")) or file.width,
            height=_int(video.get("height")) or file.height,
            duration=seconds,
            file=file,
        )
        short = seconds is not None and seconds < MIN_CLIP_S
        turned = orientation((item.width, item.height)) != orientation(size)
        ranked.append(((turned, short, position), item))
    return [item for _, item in sorted(ranked, key=lambda pair: pair[0])]


def _photo_file(photo: dict[str, Any], size: tuple[int, int]) -> StockFile | None:
    src = _object(photo.get("src"))
    width, height = _int(photo.get("width")), _int(photo.get("height"))
    if not width or not height:
        return None
    fit = min(LARGE2X_BOX[0] / width, LARGE2X_BOX[1] / height, 1.0)
    large = (max(1, round(width * fit)), max(1, round(height * fit)))
    options = [
        ("large2x", *large),
        ("original", width, height),
    ]
    usable = [
        StockFile(link=src[name], width=w, height=h, quality=name)
        for name, w, h in options
        if isinstance(src.get(name), str) and str(src[name]).startswith("http")
    ]
    return choose_file(usable, size)


def photos_from(answer: dict[str, Any], size: tuple[int, int]) -> list[StockItem]:
    """The usable photos of a search answer, those in the frame's orientation first."""
    ranked: list[tuple[tuple[bool, int], StockItem]] = []
    for position, photo in enumerate(_results(answer, "photos")):
        photo_id, file = _int(photo.get("id")), _photo_file(photo, size)
        if photo_id is None or file is None:
            continue
        width, height = _int(photo.get("width")) or 1, _int(photo.get("height")) or 1
        item = StockItem(
            kind="photo",
            id=photo_id,
            page_url=_text(photo.get("url")),
            author=_text(photo.get("photographer")),
            author_url=_text(photo.get("photographer_url")),
            width=width,
            height=height,
            duration=None,
            file=file,
        )
        turned = orientation((width, height)) != orientation(size)
        ranked.append(((turned, position), item))
    return [item for _, item in sorted(ranked, key=lambda pair: pair[0])]


# --- the source ----------------------------------------------------------------------------


class PexelsVisualSource(HttpProvider[PexelsSettings]):
    """A `VisualSource` of Pexels stock clips and photos; see the module doc."""

    name = VisualName.PEXELS
    service = SERVICE

    def __init__(self, settings: PexelsSettings, **hooks: Any) -> None:
        super().__init__(settings, **hooks)
        self._searches: dict[int, _Search] = {}  # by scene number
        self._used: dict[int, tuple[StockKind, int]] = {}  # by scene number
        self._lock = threading.Lock()

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self.settings.api_key.get_secret_value()}

    def identity(self, request: VisualRequest) -> str:
        search = self._search_for(request)
        width, height = request.size
        parts = (
            STOCK_VERSION,
            self.settings.kind,
            search.query,
            search.locale or "",
            search.orientation,
            f"{width}x{height}",
            f"per_page {self.settings.per_page}",
            f"repeat {search.repeat}",
        )
        return "\x1f".join(parts)

    def make(self, request: VisualRequest, out_dir: Path) -> Visual:
        search = self._search_for(request)
        kinds: tuple[StockKind, ...] = (
            ("video", "photo") if self.settings.kind == "auto" else (self.settings.kind,)
        )
        searched = " or ".join(f"{kind}s" for kind in kinds)
        if not search.query:
            raise NoStockResult("", searched)  # nothing to search by: not even asked
        for kind in kinds:
            found = self._find(kind, search, request.size)
            if found:
                item = self._choose(found, search, request)
                return self._fetch(item, request, out_dir)
        raise NoStockResult(search.query, searched)

    def _search_for(self, request: VisualRequest) -> _Search:
        """The scene's search, the same each time it is asked about (see the module doc)."""
        query = search_query(request)
        locale = "ko-KR" if _HANGUL.search(query) else None
        turn = orientation(request.size)
        with self._lock:
            known = self._searches.get(request.number)
            if known is not None and (known.query, known.locale, known.orientation) == (
                query,
                locale,
                turn,
            ):
                return known
            repeat = sum(
                1
                for number, earlier in self._searches.items()
                if number < request.number
                and (earlier.query, earlier.locale, earlier.orientation) == (query, locale, turn)
            )
            search = self._searches[request.number] = _Search(query, locale, turn, repeat)
            return search

    def _find(self, kind: StockKind, search: _Search, size: tuple[int, int]) -> list[StockItem]:
        params: dict[str, str | int] = {
            "query": search.query,
            "orientation": search.orientation,
            # The minimum size: "medium" is Full HD for videos; "small" (4 MP) for photos
            # is more than any frame needs.
            "size": "medium" if kind == "video" and min(size) >= 1080 else "small",
            "per_page": self.settings.per_page,
            "page": 1,
        }
        if search.locale:
            params["locale"] = search.locale
        if kind == "video":
            answer = self.http.get_json("/videos/search", params)
        else:
            answer = self.http.get_json("/v1/search", params)
        self.http.report_usage({"requests": 1})
        return videos_from(answer, size) if kind == "video" else photos_from(answer, size)

    def _choose(self, found: list[StockItem], search: _Search, request: VisualRequest) -> StockItem:
        """The `repeat`-th result on, skipping what earlier scenes show while others remain:
        the ones this instance chose, and the ones the engine says they show (cached)."""
        number = request.number
        with self._lock:
            used: set[tuple[str, int]] = {c for n, c in self._used.items() if n < number}
            used |= {
                (kind, int(item_id))
                for provider, kind, item_id in (key.split(":") for key in request.shown)
                if provider == SERVICE and item_id.isdigit()
            }
            start = search.repeat % len(found)
            order = found[start:] + found[:start]
            item = next((i for i in order if (i.kind, i.id) not in used), order[0])
            self._used[number] = (item.kind, item.id)
            return item

    def _download(self, item: StockItem, dest: Path) -> None:
        try:
            self.http.download(item.file.link, dest)
        except PermanentProviderError as error:  # refused or oversized at the CDN
            raise StockItemUnusable(SERVICE, error.message, status=error.status,
                                    detail=item.origin()) from None  # fmt: skip

    def _fetch(self, item: StockItem, request: VisualRequest, out_dir: Path) -> Visual:
        out_dir.mkdir(parents=True, exist_ok=True)
        still = out_dir / f"scene_{request.number}.png"
        if item.kind == "video":
            path = out_dir / "clip.mp4"
            self._download(item, path)
            _clip_still(item, path, request.size, still)
            kind = VisualKind.CLIP
        else:
            path = out_dir / "photo.jpg"
            self._download(item, path)
            try:
                save_png(cover(path, request.size), still)
            except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
                raise StockItemUnusable(
                    SERVICE, "the downloaded photo is not a readable image", detail=item.origin()
                ) from None
            path, kind = still, VisualKind.STILL
        (out_dir / ATTRIBUTION_FILE).write_text(
            json.dumps(item.attribution(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return Visual(kind=kind, path=path, still_path=still, origin=item.origin())


def _clip_still(item: StockItem, clip: Path, size: tuple[int, int], still: Path) -> None:
    """Check the downloaded clip is a video and write its representative frame.

    A complete download that ffmpeg cannot read is what the CDN holds: permanent.
    """
    try:
        duration, kinds = media_info(clip)
        if "video" not in kinds:
            raise MediaError(f"{clip.name} has no video stream")
        clip_frame(clip, duration or item.duration, size, still)
    except (MediaError, OSError, subprocess.TimeoutExpired) as exc:
        raise StockItemUnusable(
            SERVICE,
            "the downloaded clip is not a readable video",
            detail=f"{item.origin()}: {exc}".splitlines()[0],
        ) from None
