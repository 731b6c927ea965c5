"""The user's own images and clips, matched to scenes by the words in their file names.

A file named `blood-pressure_check.jpg` or `혈압 측정.mp4` has the keywords {blood, pressure,
check} or {혈압, 측정}. Each scene is scored by how many of those words appear in its
keywords (weighted most), its on-screen text and visual description, and its narration.
Assets already given to an earlier scene count for less, so consecutive scenes differ.

A scene nothing matches gets a designed card (origin "card") rather than an unrelated
picture, unless none of the files has a meaningful name (IMG_0001.jpg): then the files are
reused in turn, because the user clearly meant them to be used.
"""

from __future__ import annotations

import re
import shutil
import subprocess  # nosec B404 # ffprobe from an argument list, no shell
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from autoclip.errors import InputError, MediaError
from autoclip.kit.ffmpeg import media_info, run_ffmpeg
from autoclip.kit.text import content_terms
from autoclip.providers.visuals.base import Visual, VisualKind, VisualName, VisualRequest
from autoclip.providers.visuals.cards import CardVisualSource, save_png

LIBRARY_VERSION = "library-1"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
CLIP_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv")
_SPLIT = re.compile(r"[-_\s.,()\[\]+]+")
# Words that say where a file came from, not what it shows.
_GENERIC_WORDS = """img image images photo photos pic picture dsc dscn dcim video clip stock
    final copy edit edited frame shutterstock pexels unsplash pixabay getty istock adobe hd
    4k 1080p 720p scaled large small thumb"""
_GENERIC = frozenset(_GENERIC_WORDS.split())
_KEYWORD_WEIGHT, _TEXT_WEIGHT, _NARRATION_WEIGHT = 3.0, 2.0, 1.0
_USED_FACTOR = 0.4  # a used asset must match much better to be picked again


@dataclass(frozen=True)
class Asset:
    path: Path
    kind: VisualKind
    keywords: frozenset[str]
    duration: float | None = None  # clips only
    # What names the file for good, when something does (the service's media key: a new
    # upload is a new key); else its path, size and time of change name it.
    ident: str | None = None


def _normalise(word: str) -> str:
    word = word.lower()
    # "cats" finds "cat.jpg": a plural is the commonest mismatch between script and file name.
    if word.isascii() and len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def file_keywords(path: Path, root: Path) -> frozenset[str]:
    """Keywords from the file's stem and the folders between `root` and it."""
    parts = [*path.relative_to(root).parent.parts, path.stem]
    words = (word for part in parts for word in _SPLIT.split(part))
    return frozenset(
        _normalise(word)
        for word in words
        if word and not word.isdigit() and word.lower() not in _GENERIC
    )


def name_keywords(name: str) -> frozenset[str]:
    """Keywords of a file's name as its owner gave it ("혈압 측정.jpg"), no folder around it."""
    return file_keywords(Path(Path(name).name or "file"), Path())


def _image_ok(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        return False
    return True


def _clip_duration(path: Path) -> tuple[bool, float | None]:
    try:
        duration, kinds = media_info(path)
    except (MediaError, OSError, subprocess.TimeoutExpired):
        return False, None
    return "video" in kinds, duration


def _scan(folder: Path) -> tuple[list[Asset], int]:
    """The usable assets under `folder`, and how many links leading out of it were skipped."""
    assets: list[Asset] = []
    outside = 0
    root = folder.resolve()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(
            part.startswith(".") for part in path.relative_to(folder).parts
        ):
            continue
        if not path.resolve().is_relative_to(root):
            # A link (to a file, or in a linked folder) leading out of the folder would put a
            # file the user never chose (a key, another user's photo) into a video that may
            # be published; only what lies inside the folder is the user's to use.
            outside += 1
            continue
        suffix = path.suffix.lower()
        keywords = file_keywords(path, folder)
        if suffix in IMAGE_SUFFIXES and _image_ok(path):
            assets.append(Asset(path, VisualKind.STILL, keywords))
        elif suffix in CLIP_SUFFIXES:
            usable, duration = _clip_duration(path)
            if usable:
                assets.append(Asset(path, VisualKind.CLIP, keywords, duration))
    return assets, outside


class AssetLibrary:
    """The usable images and clips under `folder` (searched recursively, hidden files and
    links leading out of the folder skipped).

    Files that cannot be opened are skipped; a folder with nothing usable is an input error,
    since the user asked for their assets and would otherwise silently get none.
    """

    @classmethod
    def of(cls, assets: list[Asset], folder: Path) -> AssetLibrary:
        """A library of assets found elsewhere (the service's media library, in the order
        its user uploaded it); `folder` is where they are, for messages."""
        library = cls.__new__(cls)
        library.folder = folder
        library.assets = tuple(assets)
        return library

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise InputError("assets", f"the folder {folder} does not exist")
        self.folder = folder
        found, outside = _scan(folder)
        self.assets: tuple[Asset, ...] = tuple(found)
        if not self.assets:
            looked_for = ", ".join(IMAGE_SUFFIXES + CLIP_SUFFIXES)
            # Said, so that a folder of links is not a mystery.
            ignored = f"; ignored {outside} links leading out of it" if outside else ""
            raise InputError(
                "assets",
                f"the folder {folder} has no usable images or clips "
                f"(looked for {looked_for}{ignored})",
            )

    @property
    def named(self) -> bool:
        """Whether any asset has a keyword to match by."""
        return any(asset.keywords for asset in self.assets)


def scene_terms(request: VisualRequest) -> dict[str, float]:
    """Words of the scene with the weight of the strongest place each appears in."""
    scene = request.scene
    weighted: dict[str, float] = {}
    sources = (
        ([_normalise(w) for k in scene.keywords for w in _SPLIT.split(k) if w], _KEYWORD_WEIGHT),
        (content_terms(f"{scene.on_screen_text} {scene.visual}", request.language), _TEXT_WEIGHT),
        (content_terms(scene.narration, request.language), _NARRATION_WEIGHT),
    )
    for words, weight in sources:
        for word in words:
            key = _normalise(word)
            weighted[key] = max(weighted.get(key, 0.0), weight)
    return weighted


def match_score(asset: Asset, terms: dict[str, float]) -> float:
    """Sum over the asset's keywords of the weight they appear with in the scene.

    A keyword that starts a longer scene word ("혈압" in "혈압약") counts half: Korean
    compounds and particles glue words together that a file name keeps apart.
    """
    score = 0.0
    for keyword in asset.keywords:
        if keyword in terms:
            score += terms[keyword]
        elif len(keyword) >= 2:
            partial = [
                w
                for term, w in terms.items()
                if term.startswith(keyword) and len(term) > len(keyword)
            ]
            if partial and (len(keyword) >= 4 or not keyword.isascii()):
                score += max(partial) / 2
    return score


def cover(source: Path, size: tuple[int, int]) -> Image.Image:
    """`source` scaled to cover `size` with its centre cropped out: no bars, no distortion."""
    width, height = size
    with Image.open(source) as opened:
        # JPEG decoders can downscale while decoding; a 6000 px photo then costs far less.
        opened.draft("RGB", (width * 2, height * 2))
        image = ImageOps.exif_transpose(opened).convert("RGB")
    scale = max(width / image.width, height / image.height)
    crop_w, crop_h = width / scale, height / scale
    left, top = (image.width - crop_w) / 2, (image.height - crop_h) / 2
    box = (left, top, left + crop_w, top + crop_h)
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def clip_frame(clip: Path, duration: float | None, size: tuple[int, int], out_png: Path) -> None:
    """A representative frame of `clip` (`duration` seconds long, if known), covering
    `size`, written as the scene's PNG. Used for library clips and stock clips alike.

    A third of the way in (at most 3 s) skips fade-ins and black leaders.
    """
    width, height = size
    at = min(duration / 3, 3.0) if duration else 0.0
    fit = (
        f"scale={width}:{height}:force_original_aspect_ratio=increase,"
        f"crop={width}:{height},setsar=1"
    )
    out_png.parent.mkdir(parents=True, exist_ok=True)
    for seek in (at, 0.0):
        out_png.unlink(missing_ok=True)
        run_ffmpeg(
            [
                "-ss",
                f"{seek:.3f}",
                "-i",
                str(clip),
                "-frames:v",
                "1",
                "-vf",
                fit,
                "-update",
                "1",
                str(out_png),
            ],
            timeout=120,
            what=f"extracting a frame of {clip.name}",
        )
        if out_png.exists() and out_png.stat().st_size > 0:
            return
    raise MediaError(f"no frame could be read from {clip.name}")


class LibraryVisualSource:
    """Scene visuals from an `AssetLibrary`, with designed cards for unmatched scenes.

    Choices remember the scenes asked about before (by number), so that assets are spread
    over scenes; asking again about the same scene returns the same choice, and identity()
    names the chosen file, so a cached visual is reused exactly when it would be remade the
    same.
    """

    name = VisualName.LIBRARY

    def __init__(self, library: AssetLibrary, cards: CardVisualSource | None = None) -> None:
        self.library = library
        self._cards = cards or CardVisualSource()
        self._choices: dict[int, tuple[str, Asset | None]] = {}
        self._lock = threading.Lock()

    def choose(self, request: VisualRequest) -> Asset | None:
        """The asset for this scene, or None for a designed card."""
        key = request.scene.model_dump_json()
        with self._lock:
            known = self._choices.get(request.number)
            if known is not None and known[0] == key:
                return known[1]
            earlier = [
                a for n, (_, a) in self._choices.items() if n < request.number and a is not None
            ]
            choice = self._pick(request, Counter(asset.path for asset in earlier))
            self._choices[request.number] = (key, choice)
            return choice

    def _pick(self, request: VisualRequest, uses: Counter[Path]) -> Asset | None:
        terms = scene_terms(request)
        best: Asset | None = None
        best_rank = (0.0, 0)
        for asset in self.library.assets:  # sorted by path: ties go to the first, stably
            score = match_score(asset, terms)
            rank = (score * _USED_FACTOR ** uses[asset.path], -uses[asset.path])
            if score > 0 and (best is None or rank > best_rank):
                best, best_rank = asset, rank
        if best is not None or self.library.named:
            return best
        fewest = min(uses[asset.path] for asset in self.library.assets)
        return next(asset for asset in self.library.assets if uses[asset.path] == fewest)

    def identity(self, request: VisualRequest) -> str:
        asset = self.choose(request)
        if asset is None:
            return f"{LIBRARY_VERSION}\x1fcard\x1f{self._cards.identity(request)}"
        width, height = request.size
        if asset.ident is not None:
            named: tuple[str, ...] = (asset.ident,)
        else:
            stat = asset.path.stat()
            named = (str(asset.path.resolve()), str(stat.st_mtime_ns), str(stat.st_size))
        parts = (LIBRARY_VERSION, *named, f"{width}x{height}", str(request.number))
        return "\x1f".join(parts)

    def make(self, request: VisualRequest, out_dir: Path) -> Visual:
        asset = self.choose(request)
        if asset is None:
            return self._cards.make(request, out_dir)
        still = out_dir / f"scene_{request.number}.png"
        if asset.kind is VisualKind.CLIP:
            # A copy in the cache entry: the entry renders without the original (moved,
            # or on another worker's disk when the entry comes from the shared cache).
            clip = out_dir / f"clip{asset.path.suffix.lower()}"
            out_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(asset.path, clip)
            clip_frame(clip, asset.duration, request.size, still)
            return Visual(kind=VisualKind.CLIP, path=clip, still_path=still, origin=asset.path.name)
        save_png(cover(asset.path, request.size), still)
        return Visual(kind=VisualKind.STILL, path=still, still_path=still, origin=asset.path.name)
