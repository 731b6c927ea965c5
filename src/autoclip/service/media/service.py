"""The media library: a user's own images, clips and music, kept under their own prefix
in storage (`media/{user_id}/{id}.{ext}`), listed and deleted by them alone.

An upload is spooled to a private scratch file (never held in memory), its kind sniffed
from its bytes (sniff.py), the user's quota checked, the object stored, then the quota
checked again under a lock on the owner's row and the row added (two uploads at once
cannot both take the last room). The row is committed only after the object is stored;
a failed store or a refusal leaves no row and no object.
"""

from __future__ import annotations

import contextlib
import tempfile
import unicodedata
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event
from sqlalchemy.orm import Session

from autoclip.kit.storage import Storage
from autoclip.service.auth.callers import Account
from autoclip.service.db import after_commit
from autoclip.service.media.repository import MediaRepository
from autoclip.service.media.sniff import FIELD, sniff
from autoclip.service.models import MediaItem, MediaKind
from autoclip.service.problems import Conflict, Invalid, NotFound
from autoclip.settings import MediaSettings

MEDIA_PREFIX = "media/"
PICTURE_KINDS = (MediaKind.IMAGE, MediaKind.CLIP)  # what a scene or the library visuals show
NAME_CHARACTERS = 200
COPY_CHUNK = 1024 * 1024


def media_key(user_id: uuid.UUID, item_id: uuid.UUID, extension: str) -> str:
    return f"{MEDIA_PREFIX}{user_id}/{item_id}.{extension}"


def clean_name(name: str | None) -> str:
    """The uploaded file's name as shown to its owner: its last path part, without control
    characters, at most NAME_CHARACTERS long."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return kept[:NAME_CHARACTERS] or "upload"


def upload(
    session: Session,
    storage: Storage,
    scratch: Path,
    limits: MediaSettings,
    user: Account,
    stream: BinaryIO,
    name: str | None,
) -> MediaItem:
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="upload-") as folder:
        path = Path(folder) / "upload"
        size = _spool(stream, path, limits.max_bytes)
        if size == 0:
            raise Invalid("is empty", field=FIELD)
        found = sniff(path, limits)
        repository = MediaRepository(session)
        # A first look, unlocked: a library that is full refuses before anything is stored.
        _check_room(repository.usage(user.id), size, limits)
        item_id = uuid.uuid4()
        key = media_key(user.id, item_id, found.extension)
        item = MediaItem(
            id=item_id, user_id=user.id, kind=found.kind, name=clean_name(name),
            content_type=found.content_type, key=key, size=size, width=found.width,
            height=found.height, duration_s=found.duration_s,
        )  # fmt: skip
        storage.put_file(key, path)
    # The object is stored before the row commits: if the unit of work rolls back instead
    # (a failed commit, a full library, an error after this), the object no row names is
    # removed.
    event.listen(session, "after_rollback", lambda _session: _forget(storage, key), once=True)
    try:
        # The check that counts: under the owner's lock (held to the commit, which
        # follows at once), so two uploads at the same moment are counted one after the
        # other, and the second sees the first's file.
        repository.lock_owner(user.id)
        _check_room(repository.usage(user.id), size, limits)
    except Conflict:
        _forget(storage, key)
        raise
    repository.add(item)
    return item


def _check_room(usage: tuple[int, int], size: int, limits: MediaSettings) -> None:
    count, used = usage
    if count + 1 > limits.max_items:
        raise Conflict(f"the library holds {count} files, its most; delete some first", field=FIELD)
    if used + size > limits.max_total_bytes:
        raise Conflict(
            f"the library would pass its {limits.max_total_bytes:,} bytes "
            f"({used:,} used); delete some first",
            field=FIELD,
        )


def _forget(storage: Storage, key: str) -> None:
    with contextlib.suppress(Exception):
        storage.delete(key)


def _spool(stream: BinaryIO, path: Path, max_bytes: int) -> int:
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(COPY_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise Invalid(f"is over the {max_bytes:,} bytes a file may be", field=FIELD)
            out.write(chunk)
    return size


def get_item(session: Session, user: Account, item_id: uuid.UUID) -> MediaItem:
    item = MediaRepository(session).owned(user.id, item_id)
    if item is None:
        raise NotFound("no such media item")
    return item


def list_items(
    session: Session, user: Account, page: int, per_page: int, kind: MediaKind | None
) -> tuple[Sequence[MediaItem], int]:
    return MediaRepository(session).page(user.id, page, per_page, kind)


def delete_item(session: Session, storage: Storage, user: Account, item_id: uuid.UUID) -> None:
    """The row at once (its link refused from then), the object once that commits."""
    item = get_item(session, user, item_id)
    if not MediaRepository(session).remove(item):
        raise NotFound("no such media item")
    key = item.key
    after_commit(session, lambda: _forget(storage, key))


def usable_item(
    session: Session, user: Account, item_id: uuid.UUID, kinds: Sequence[MediaKind], field: str
) -> MediaItem:
    """The user's own item `item_id` for a use that takes `kinds` (a scene's picture: an
    image or a clip; a music bed: music). Another user's is "not found", as a missing one
    is; one of another kind is refused naming `field`."""
    item = MediaRepository(session).owned(user.id, item_id)
    if item is None:
        raise NotFound("no such media item in your library", field=field)
    if item.kind not in kinds:
        wanted = " or ".join(kind.value for kind in kinds)
        raise Invalid(f"is {item.kind.value}; this takes {wanted}", field=field)
    return item


def fetched(storage: Storage, key: str, cache: Path) -> Path:
    """The object `key` as a file in a worker's `cache` (a library file's key names its
    content for good: a new upload is a new key), fetched once."""
    target = cache / key.replace("/", "_")
    if not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        storage.download(key, target)  # atomic: never a half file under the name
    return target
