"""The media library: the user's own images, clips and music, uploaded (the type sniffed
from the bytes, the size, pixel and duration limits, all in media/service.py, as
POST /api/v1/media checks them), listed and deleted."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from autoclip.errors import InputError
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.files.links import download_url
from autoclip.service.media import service
from autoclip.service.media.schemas import MediaDetail, MediaOut
from autoclip.service.models import MediaKind
from autoclip.service.problems import AppError, NotFound
from autoclip.service.studio.catalog import text
from autoclip.service.studio.forms import VALIDATION, problem_text, problem_words
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in

router = APIRouter()
PER_PAGE = 48


def _library(
    request: Request, visit: Visitor, session: SessionDep, runtime: RuntimeDep,
    kind: MediaKind | None, problem: str = "", status: int = 200, notice: str = "",
) -> Response:  # fmt: skip
    user = signed_in(request, visit)
    rows, total = service.list_items(session, user, 1, PER_PAGE, kind)
    items = [
        MediaDetail(**MediaOut.model_validate(row).model_dump(), url=download_url(runtime, row.key))
        for row in rows
    ]
    return page(request, visit, "media.html", status=status, items=items, total=total,
                kind=kind.value if kind else "", kinds=list(MediaKind), problem=problem,
                notice=notice, max_mb=runtime.settings.media.max_bytes // 2**20)  # fmt: skip


@router.get("/media")
def media_page(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    kind: MediaKind | None = None,
    notice: str = "",
) -> Response:
    shown = notice if notice in ("media.added", "media.deleted") else ""
    return _library(request, visit, session, runtime, kind, notice=shown)


@router.post("/media")
def upload(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    file: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    if file is None or not file.filename:
        problem = text("media.choose", visit.language)
        return _library(request, visit, session, runtime, None, problem, status=422)
    settings = runtime.settings
    try:
        service.upload(session, runtime.storage, settings.work_dir / "uploads", settings.media,
                       user, file.file, file.filename)  # fmt: skip
    except (AppError, InputError) as error:
        session.rollback()
        problem = media_refusal(error, visit.language)
        status = error.status if isinstance(error, AppError) else 422
        return _library(request, visit, session, runtime, None, problem, status=status)
    return see_other("/media?notice=media.added")


def media_refusal(error: AppError | InputError, language: str) -> str:
    """Why a file was not added: the library full, or the file itself (its detail, the
    service's words, names the limit or what the bytes are)."""
    if isinstance(error, AppError) and error.status == 409:
        return text("media.full", language)
    if isinstance(error, AppError) and error.status not in (400, 413, 415, 422):
        return problem_text(error, language)
    detail = error.detail if isinstance(error, AppError) else error.message
    said = problem_words(VALIDATION, "file", detail, language)
    return text("media.refused", language).format(detail=said)


@router.post("/media/{item_id}/delete")
def delete(
    item_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    try:
        service.delete_item(session, runtime.storage, user, uuid.UUID(item_id))
    except (ValueError, NotFound):
        return not_found(request, visit)
    return see_other("/media?notice=media.deleted")
