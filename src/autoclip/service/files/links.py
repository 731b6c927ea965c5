"""Downloads for the owner of a content: signed, expiring links.

S3 storage hands out its own presigned URLs. Local storage gets links to this API signed
with the secret key (HMAC over the key and the expiry), so a `<video src>` works without
an Authorization header, and a link leaked from a page stops working after an hour.

A signature only proves the link was handed out; whether the file may still be had is
the database's to say: a deleted content's files and a deleted or expired export's zip
answer 404 at once, even while their objects wait for removal (jobs/purge.py, the export
cleanup). Presigned S3 links cannot be revoked: those objects are removed, and an
export's link never outlives the export.
"""

from __future__ import annotations

import uuid

from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import utcnow
from autoclip.service.exports.repository import ExportRepository
from autoclip.service.media.repository import MediaRepository
from autoclip.service.runtime import Runtime

LINK_SECONDS = 3600


def download_url(runtime: Runtime, key: str, seconds: int = LINK_SECONDS) -> str:
    """A link to the object that works for `seconds` (at most LINK_SECONDS)."""
    seconds = max(1, min(seconds, LINK_SECONDS))
    presigned = runtime.storage.presigned_url(key, seconds)
    if presigned is not None:
        return presigned
    expires, signature = runtime.signer.sign_download(key, seconds)
    base = runtime.settings.public_url.rstrip("/")
    return f"{base}/api/v1/files/{key}?expires={expires}&signature={signature}"


def still_served(runtime: Runtime, key: str) -> bool:
    """Whether the object's owner still lets it be downloaded: the live content of a
    `videos/{id}/` or `images/{id}/` key, the library file of a `media/` key (until it is
    deleted), the ready, unexpired export of an `exports/` key. Links are signed for
    nothing else."""
    kind, _, rest = key.partition("/")
    with runtime.db.session(write=False) as session:
        if kind in ("videos", "images"):
            try:
                content_id = uuid.UUID(rest.partition("/")[0])
            except ValueError:
                return False
            return ContentRepository(session).is_live(content_id)
        if kind == "media":  # a file of a user's library, until they delete it
            return MediaRepository(session).key_is_live(key)
        if kind == "exports":
            return ExportRepository(session).serves(key, utcnow())
    return False
