"""Downloads for the owner of a content: signed, expiring links.

S3 storage hands out its own presigned URLs. Local storage gets links to this API signed
with the secret key (HMAC over the key and the expiry), so a `<video src>` works without
an Authorization header, and a link leaked from a page stops working after an hour.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from autoclip.kit.storage import LocalStorage, check_key
from autoclip.service.deps import RuntimeDep
from autoclip.service.problems import NotFound
from autoclip.service.runtime import Runtime

LINK_SECONDS = 3600
router = APIRouter(tags=["files"])


def download_url(runtime: Runtime, key: str) -> str:
    presigned = runtime.storage.presigned_url(key, LINK_SECONDS)
    if presigned is not None:
        return presigned
    expires, signature = runtime.signer.sign_download(key, LINK_SECONDS)
    base = runtime.settings.public_url.rstrip("/")
    return f"{base}/api/v1/files/{key}?expires={expires}&signature={signature}"


@router.get("/files/{key:path}", response_class=FileResponse)
def download(
    key: str,
    runtime: RuntimeDep,
    expires: Annotated[int, Query()],
    signature: Annotated[str, Query(max_length=128)],
) -> FileResponse:
    # One answer for a bad signature, an expired link and a missing file: nothing to probe.
    try:
        check_key(key)
    except ValueError:
        raise NotFound("no such file") from None
    storage = runtime.storage
    if not isinstance(storage, LocalStorage) or not runtime.signer.check_download(
        key, expires, signature
    ):
        raise NotFound("no such file, or the link has expired")
    path = storage.path(key)
    if not path.is_file():
        raise NotFound("no such file, or the link has expired")
    return FileResponse(path)
