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
from autoclip.looks.brand import BrandKit, check_font_covers, logo_info
from autoclip.options import Language
from autoclip.service.auth.callers import Account
from autoclip.service.brands.records import BrandRecord
from autoclip.service.brands.schemas import BrandFile, BrandUpdate
from autoclip.service.db import utcnow
from autoclip.service.models import Project
from autoclip.service.problems import UnsupportedMediaType
from autoclip.service.projects.service import get_project

BRAND_PREFIX = "brands"
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
}


def get_brand(session: Session, user: Account, project_id: uuid.UUID) -> BrandRecord:
    return get_project(session, user, project_id).brand


def update_brand(
    session: Session, user: Account, project_id: uuid.UUID, data: BrandUpdate
) -> BrandRecord:
    project = get_project(session, user, project_id)
    # A null for a setting that always has a value leaves it alone; a colour's resets it.
    changes = {
        name: value
        for name, value in data.model_dump(exclude_unset=True).items()
        if value is not None or name in ("primary_colour", "accent_colour")
    }
    return _save(project, project.brand.model_copy(update=changes))


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
    else:
        _check_music(data)
        key = _key(user, project, kind, data, "audio")
        changes = {"music_key": key}
    old = _file_key(project.brand, kind)
    storage.put_bytes(key, data, media)
    brand = _save(project, project.brand.model_copy(update=changes))
    if old and old != key:
        storage.delete(old)
    return brand


def remove(
    session: Session, storage: Storage, user: Account, project_id: uuid.UUID, kind: BrandFile
) -> BrandRecord:
    project = get_project(session, user, project_id)
    old = _file_key(project.brand, kind)
    changes: dict[str, object] = {f"{kind.value}_key": None}
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
    )
