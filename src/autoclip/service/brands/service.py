"""Brand kits: a project's logo, colours, font and music bed.

Settings live in the project row (`projects.brand`); files under the owner's prefix in
storage, `brands/{user_id}/{project_id}/{kind}-{digest}.{ext}`, named by their content so
a new upload is a new key (the render cache keys by it) and nothing is overwritten in
place. Every file is checked by its content before it is kept: an image Pillow opens
within the limits, a font fontTools parses and that draws the project's language, audio
ffmpeg can read. The declared Content-Type must agree with the kind.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from autoclip.errors import InputError, MediaError
from autoclip.kit.ffmpeg import media_info
from autoclip.kit.storage import Storage
from autoclip.looks.bookends import Bookend, BookendKind, card, check_clip
from autoclip.looks.brand import BrandKit, check_font_covers, logo_info
from autoclip.options import Language
from autoclip.service.auth.callers import Account
from autoclip.service.brands.records import BookendRecord, BrandRecord
from autoclip.service.brands.schemas import BrandFile, BrandUpdate, CardIn
from autoclip.service.db import utcnow
from autoclip.service.models import Project
from autoclip.service.problems import UnsupportedMediaType
from autoclip.service.projects.service import get_project

BRAND_PREFIX = "brands"
CLIP_TYPES = frozenset(
    {"video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "application/octet-stream"}
)
MAX_MUSIC_SECONDS = 900.0
ACCEPTED_TYPES: dict[BrandFile, frozenset[str]] = {
    BrandFile.LOGO: frozenset({"image/png", "image/jpeg", "image/webp"}),
    BrandFile.FONT: frozenset(
        {
            "font/ttf",
            "font/otf",
            "font/sfnt",
            "application/font-sfnt",
            "application/x-font-ttf",
            "application/vnd.ms-opentype",
            "application/octet-stream",
        }
    ),
    BrandFile.MUSIC: frozenset(
        {
            "audio/mpeg",
            "audio/wav",
            "audio/x-wav",
            "audio/ogg",
            "audio/mp4",
            "audio/aac",
            "audio/flac",
            # Whatever is declared, the content is what is checked (ffmpeg must read it).
            "application/octet-stream",
        }
    ),
    BrandFile.INTRO: CLIP_TYPES,
    BrandFile.OUTRO: CLIP_TYPES,
}
BOOKENDS = (BrandFile.INTRO, BrandFile.OUTRO)


def get_brand(session: Session, user: Account, project_id: uuid.UUID) -> BrandRecord:
    return get_project(session, user, project_id).brand


def update_brand(
    session: Session, storage: Storage, user: Account, project_id: uuid.UUID, data: BrandUpdate
) -> BrandRecord:
    project = get_project(session, user, project_id)
    # A null for a setting that always has a value leaves it alone; a colour's resets it,
    # an intro's or outro's removes it.
    resettable = ("primary_colour", "accent_colour", "intro", "outro")
    changes: dict[str, object] = {
        name: value
        for name, value in data.model_dump(exclude_unset=True).items()
        if value is not None or name in resettable
    }
    for name in ("intro", "outro"):
        if name in changes:
            given = getattr(data, name)
            changes[name] = None if given is None else _card(given, name)
    old = project.brand
    brand = _save(project, old.model_copy(update=changes))
    for kind in BOOKENDS:  # a card or null in place of a clip: the clip goes
        _forget(storage, _file_key(old, kind), _file_key(brand, kind))
    return brand


def _card(given: CardIn, field: str) -> BookendRecord:
    checked = card(given.text, given.seconds, field)
    return BookendRecord(kind=BookendKind.CARD, seconds=checked.seconds, text=checked.text)


def _forget(storage: Storage, old: str | None, new: str | None) -> None:
    if old and old != new:
        storage.delete(old)


def upload(
    session: Session,
    storage: Storage,
    user: Account,
    project_id: uuid.UUID,
    kind: BrandFile,
    content_type: str,
    data: bytes,
) -> BrandRecord:
    project = get_project(session, user, project_id)
    media = content_type.partition(";")[0].strip().lower()
    if media not in ACCEPTED_TYPES[kind]:
        accepted = ", ".join(sorted(ACCEPTED_TYPES[kind]))
        raise UnsupportedMediaType(
            f"a {kind.value} is sent as one of {accepted} (got {media or 'none'!r})",
            field="Content-Type",
        )
    if not data:
        raise InputError(kind.value, "the body is empty")
    changes: dict[str, object]
    if kind is BrandFile.LOGO:
        info = logo_info(data, "logo")
        key = _key(user, project, kind, data, info.format)
        changes = {"logo_key": key}
    elif kind is BrandFile.FONT:
        font = check_font_covers(data, Language(project.language), "font")
        extension = "otf" if data[:4] == b"OTTO" else "ttf"
        key = _key(user, project, kind, data, extension)
        changes = {"font_key": key, "font_family": font.family}
    elif kind is BrandFile.MUSIC:
        _check_music(data)
        key = _key(user, project, kind, data, "audio")
        changes = {"music_key": key}
    else:
        seconds = _check_clip(data, kind.value)
        key = _key(user, project, kind, data, "video")
        changes = {kind.value: BookendRecord(kind=BookendKind.CLIP, seconds=seconds, clip_key=key)}
    old = _file_key(project.brand, kind)
    storage.put_bytes(key, data, media)
    brand = _save(project, project.brand.model_copy(update=changes))
    _forget(storage, old, key)
    return brand


def remove(
    session: Session, storage: Storage, user: Account, project_id: uuid.UUID, kind: BrandFile
) -> BrandRecord:
    project = get_project(session, user, project_id)
    old = _file_key(project.brand, kind)
    changes: dict[str, object] = {f"{kind.value}_key": None}
    if kind in BOOKENDS:
        changes = {kind.value: None}  # a card as well as a clip
    if kind is BrandFile.FONT:
        changes["font_family"] = None
    brand = _save(project, project.brand.model_copy(update=changes))
    if old:
        storage.delete(old)
    return brand


def _save(project: Project, brand: BrandRecord) -> BrandRecord:
    project.brand = brand
    project.updated_at = utcnow()
    return brand


def _file_key(brand: BrandRecord, kind: BrandFile) -> str | None:
    if kind in BOOKENDS:
        bookend: BookendRecord | None = getattr(brand, kind.value)
        return bookend.clip_key if bookend else None
    key: str | None = getattr(brand, f"{kind.value}_key")
    return key


def _key(user: Account, project: Project, kind: BrandFile, data: bytes, extension: str) -> str:
    digest = hashlib.sha256(data).hexdigest()[:20]
    return f"{BRAND_PREFIX}/{user.id}/{project.id}/{kind.value}-{digest}.{extension}"


def _check_music(data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="autoclip-brand-") as folder:
        path = Path(folder) / "music"
        path.write_bytes(data)
        try:
            duration, kinds = media_info(path)
        except MediaError:
            kinds, duration = set(), None
    if "audio" not in kinds:
        raise InputError("music", "not an audio file ffmpeg can read")
    if duration is not None and duration > MAX_MUSIC_SECONDS:
        raise InputError("music", f"longer than {MAX_MUSIC_SECONDS / 60:.0f} minutes")


def _check_clip(data: bytes, field: str) -> float:
    """The clip's length, once ffmpeg has found it a video clip within the limits."""
    with tempfile.TemporaryDirectory(prefix="autoclip-brand-") as folder:
        path = Path(folder) / "clip"
        path.write_bytes(data)
        return check_clip(path, field).duration


def brand_kit(storage: Storage, brand: BrandRecord, cache: Path) -> BrandKit | None:
    """The kit the engine applies, its files fetched into `cache` (named by their keys'
    content digests, so each is fetched once per worker); None for an empty kit."""
    if brand.is_empty:
        return None

    def local(key: str | None) -> Path | None:
        if key is None:
            return None
        target = cache / key.replace("/", "_")
        if not target.exists():
            cache.mkdir(parents=True, exist_ok=True)
            storage.download(key, target)
        return target

    def bookend(record: BookendRecord | None) -> Bookend | None:
        if record is None:
            return None
        if record.kind is BookendKind.CLIP:
            return Bookend(BookendKind.CLIP, seconds=record.seconds, clip=local(record.clip_key))
        return Bookend(BookendKind.CARD, seconds=record.seconds, text=record.text)

    return BrandKit(
        logo=local(brand.logo_key),
        logo_position=brand.logo_position,
        logo_size=brand.logo_size,
        logo_opacity=brand.logo_opacity,
        primary_colour=brand.primary_colour,
        accent_colour=brand.accent_colour,
        font=local(brand.font_key),
        music=local(brand.music_key),
        music_level_db=brand.music_level_db,
        intro=bookend(brand.intro),
        outro=bookend(brand.outro),
    )
