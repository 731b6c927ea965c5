"""Per-user bundles: a zip of finished contents under `exports/{user_id}/`.

Built in the request: the files are already rendered, so a bundle is copying, not work.
Videos are stored uncompressed in the zip (they are compressed already).
"""

from __future__ import annotations

import tempfile
import uuid
import zipfile
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import select

from autoclip.kit.storage import export_key
from autoclip.service.db import utcnow
from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.files import download_url
from autoclip.service.models import Content, ContentStatus
from autoclip.service.problems import Invalid, NotFound
from autoclip.service.runtime import Runtime
from autoclip.service.schemas import Input, Output

MAX_CONTENTS = 50
BUNDLED = ("video", "thumbnail", "captions_srt", "script")
router = APIRouter(prefix="/exports", tags=["exports"])


class ExportCreate(Input):
    content_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_CONTENTS, description="Default: the newest ready contents."
    )


class ExportOut(Output):
    key: str
    url: str
    size: int | None
    contents: int | None = None
    created_at: datetime | None = None


@router.post("", status_code=201)
def create_export(
    data: ExportCreate, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ExportOut:
    ready = [Content.user_id == user.id, Content.deleted_at.is_(None)]
    query = select(Content).where(*ready, Content.status == ContentStatus.READY)
    if data.content_ids is not None:
        rows = list(session.scalars(query.where(Content.id.in_(data.content_ids))))
        if len(rows) != len(set(data.content_ids)):
            raise NotFound("some of content_ids are not your ready contents")
    else:
        rows = list(session.scalars(query.order_by(Content.created_at.desc()).limit(MAX_CONTENTS)))
    if not rows:
        raise Invalid("there are no ready contents to export", field="content_ids")
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    key = export_key(str(user.id), f"autoclip-{stamp}-{uuid.uuid4().hex[:8]}.zip")
    with tempfile.TemporaryDirectory(dir=_scratch(runtime.settings.work_dir)) as folder:
        bundle = Path(folder) / "bundle.zip"
        with zipfile.ZipFile(bundle, "w") as archive:
            for content in rows:
                _add_content(runtime, archive, content, Path(folder))
        runtime.storage.put_file(key, bundle)
        size = bundle.stat().st_size
    return ExportOut(key=key, url=download_url(runtime, key), size=size, contents=len(rows))


@router.get("")
def list_exports(user: CurrentUser, runtime: RuntimeDep) -> list[ExportOut]:
    keys = runtime.storage.list_keys(f"exports/{user.id}/")
    return [
        ExportOut(key=k, url=download_url(runtime, k), size=runtime.storage.size(k))
        for k in sorted(keys, reverse=True)
    ]


def _add_content(
    runtime: Runtime, archive: zipfile.ZipFile, content: Content, folder: Path
) -> None:
    outputs = content.outputs or {}
    for kind in BUNDLED:
        key = outputs.get(kind)
        if not isinstance(key, str):
            continue
        local = folder / "part"
        runtime.storage.download(key, local)
        method = zipfile.ZIP_STORED if key.endswith(".mp4") else zipfile.ZIP_DEFLATED
        archive.write(local, f"{content.id}/{Path(key).name}", compress_type=method)
        local.unlink()


def _scratch(work_dir: Path) -> Path:
    work_dir.mkdir(parents=True, exist_ok=True)
    return work_dir
