"""`GET /files/{key}`: local storage's signed download links (links.py makes them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from autoclip.kit.storage import check_key, guess_content_type
from autoclip.service.deps import RuntimeDep
from autoclip.service.files.links import still_served
from autoclip.service.problems import NotFound

router = APIRouter(tags=["files"])
# What the links are made for: a content's video, thumbnail, narration and scene images,
# an export's zip, and the media library's files (their types sniffed at upload, and
# their names' extensions chosen from that). Anything else would be sent as bytes.
SERVED_TYPES = (
    "video/mp4", "image/jpeg", "image/png", "audio/mpeg", "application/zip",
    "image/webp", "video/quicktime", "video/webm", "audio/wav", "audio/ogg",
    "audio/mp4",
)  # fmt: skip
OTHER_FILES = "application/octet-stream"


@router.get(
    "/files/{key:path}",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file.",
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in (*SERVED_TYPES, OTHER_FILES)
            },
        }
    },
)
def download(
    key: str,
    runtime: RuntimeDep,
    expires: Annotated[int, Query()],
    signature: Annotated[str, Query(max_length=128)],
) -> FileResponse:
    # One answer for a bad signature, an expired link, a deleted owner and a missing file:
    # nothing to probe.
    try:
        check_key(key)
    except ValueError:
        raise NotFound("no such file") from None
    path = runtime.storage.local_path(key)
    if path is None or not runtime.signer.check_download(key, expires, signature):
        raise NotFound("no such file, or the link has expired")
    if not still_served(runtime, key) or not path.is_file():
        raise NotFound("no such file, or the link has expired")
    kind = guess_content_type(key)
    return FileResponse(path, media_type=kind if kind in SERVED_TYPES else OTHER_FILES)
