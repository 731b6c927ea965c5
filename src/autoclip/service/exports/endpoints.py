"""`/exports`: ask for a zip of finished contents, follow it, download it, delete it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from autoclip.service.db import utcnow
from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.exports import service
from autoclip.service.exports.schemas import ExportCreate, ExportOut
from autoclip.service.files.links import download_url
from autoclip.service.models import Export, ExportStatus
from autoclip.service.openapi import problems
from autoclip.service.runtime import Runtime

router = APIRouter(prefix="/exports", tags=["exports"])


def export_out(runtime: Runtime, export: Export) -> ExportOut:
    url = None
    if export.status is ExportStatus.READY:
        # An S3 link cannot be revoked: it must not outlive the export.
        left = int((export.expires_at - utcnow()).total_seconds())
        url = download_url(runtime, export.key, left)
    return ExportOut(
        id=export.id,
        status=export.status,
        content_ids=[uuid.UUID(c) for c in export.content_ids],
        contents=len(export.content_ids),
        key=export.key,
        size=export.size,
        error=export.error,
        url=url,
        created_at=export.created_at,
        expires_at=export.expires_at,
    )


@router.post(
    "",
    status_code=202,
    responses=problems(
        404,
        409,
        s404="content_ids names something that is not a ready content of yours.",
        s409="Nothing ready to export, or as many exports kept as allowed: delete one.",
    ),
)
def create_export(
    data: ExportCreate,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ExportOut:
    export = service.create_export(session, runtime, user, data.content_ids)
    response.headers["Location"] = f"/api/v1/exports/{export.id}"
    return export_out(runtime, export)


@router.get("")
def list_exports(user: CurrentUser, session: SessionDep, runtime: RuntimeDep) -> list[ExportOut]:
    """The caller's exports, newest first."""
    return [export_out(runtime, export) for export in service.list_exports(session, user)]


@router.get("/{export_id}")
def get_export(
    export_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ExportOut:
    return export_out(runtime, service.own_export(session, user, export_id))


@router.delete("/{export_id}", status_code=204)
def delete_export(
    export_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The row goes now; the zip once that commits (a build still running removes its own
    zip when it finds the row gone)."""
    service.delete_export(session, runtime, user, export_id)
    return Response(status_code=204)
