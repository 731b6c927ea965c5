"""Removing a deleted content's stored objects: `videos/{id}/…` and `images/{id}/…`.

Deleting a content commits first: the row is hidden from every route at once, and signed
links to local files stop working because the download route checks the row (files/).
The objects go afterwards, so a storage failure never leaves a half-deleted row:

- the `content_purge` task, sent when the delete commits;
- the runner of a generation that was under way when the content was deleted, once it has
  stopped writing (publishing cannot stop half-way, so it may write after that task ran);
- the reconciler's sweep, for whatever a failed or lost purge left behind.

`purged_at` records that nothing can come back: it is set only once no worker holds the
content's lease, since a worker holding it may still be writing.

The stage cache is not per content: its entries are keyed by their inputs and shared by
every content with the same inputs, so it is left to the scratch cleanup.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from autoclip.kit.storage import Storage
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.db import utcnow
from autoclip.service.runtime import Runtime

SWEEP_BATCH = 20  # contents per sweep: a backlog drains over passes, none runs long
log = logging.getLogger("autoclip.worker")


def content_prefixes(content_id: str) -> tuple[str, str]:
    return f"videos/{content_id}/", f"images/{content_id}/"


def delete_objects(storage: Storage, content_id: str) -> int:
    """Delete every object of the content; return how many there were."""
    removed = 0
    for prefix in content_prefixes(content_id):
        for key in storage.list_keys(prefix):
            storage.delete(key)
            removed += 1
    return removed


def purge_content(runtime: Runtime, content_id: uuid.UUID) -> bool:
    """Remove a deleted content's objects. True once that is final (`purged_at` set);
    False for a content that is not deleted (never touched) or whose worker still holds
    its lease (that worker purges again when it lets go)."""
    with runtime.db.session(write=False) as session:
        deleted_at = ContentRepository(session).deleted_at(content_id)
    # Even if purged before: a worker that lost its lease but went on may have written since.
    if deleted_at is None:
        return False
    removed = delete_objects(runtime.storage, str(content_id))
    with runtime.db.session() as session:
        marked = ContentRepository(session).mark_purged(content_id)
    if removed:
        log.info("content %s: %d stored objects of the deleted content removed", content_id,
                 removed, extra={"contentId": str(content_id)})  # fmt: skip
    return marked


def purge_deleted(runtime: Runtime, older_than: timedelta) -> int:
    """Purge contents deleted more than `older_than` ago whose objects may remain (their
    purge failed, its message was lost, or they were deleted before purges existed).
    Returns how many were purged for good."""
    cutoff = utcnow() - older_than
    with runtime.db.session(write=False) as session:
        ids = ContentRepository(session).unpurged(cutoff, SWEEP_BATCH)
    purged = 0
    for content_id in ids:
        try:
            if purge_content(runtime, content_id):
                purged += 1
        except Exception:  # a storage blip: this content waits for the next sweep
            log.exception("content %s: removing its stored objects failed", content_id)
    return purged
