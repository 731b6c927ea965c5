from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.files.links import download_url
from autoclip.service.media import service
from autoclip.service.media.schemas import MediaDetail, MediaOut
from autoclip.service.models import MediaKind
from autoclip.service.openapi import problems
from autoclip.service.schemas import MAX_PAGE, Page

router = APIRouter(prefix="/media", tags=["media"])


@router.post(
    "",
    status_code=201,
    responses=problems(
        409,
        s409="The library is full: its most files or bytes (AUTOCLIP_MEDIA__MAX_ITEMS, "
        "AUTOCLIP_MEDIA__MAX_TOTAL_BYTES); delete some first.",
        s422="Not a file the library takes (sniffed from its bytes), over a size, pixel or "
        "duration limit, or empty; `errors` names `file`.",
    ),
)
def upload(
    file: Annotated[UploadFile, File(description="One image, clip or music file.")],
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> MediaDetail:
    """Add a file to the caller's library (`multipart/form-data`, one part named `file`).
    Its kind comes from its bytes: images PNG, JPEG, WebP; clips MP4, MOV, WebM; music
    MP3, WAV, M4A, Ogg. Its name is kept for show only."""
    settings = runtime.settings
    item = service.upload(
        session, runtime.storage, settings.work_dir / "uploads", settings.media, user,
        file.file, file.filename,
    )  # fmt: skip
    return MediaDetail(**MediaOut.model_validate(item).model_dump(),
                       url=download_url(runtime, item.key))  # fmt: skip


@router.get("")
def list_media(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    kind: MediaKind | None = None,
) -> Page[MediaOut]:
    rows, total = service.list_items(session, user, page, per_page, kind)
    items = [MediaOut.model_validate(row) for row in rows]
    return Page[MediaOut](items=items, page=page, per_page=per_page, total=total)


@router.get("/{item_id}")
def get_media(
    item_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> MediaDetail:
    item = service.get_item(session, user, item_id)
    return MediaDetail(**MediaOut.model_validate(item).model_dump(),
                       url=download_url(runtime, item.key))  # fmt: skip


@router.delete("/{item_id}", status_code=204)
def delete_media(
    item_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The file is gone from the library at once, its links refused; the object follows."""
    service.delete_item(session, runtime.storage, user, item_id)
    return Response(status_code=204)
