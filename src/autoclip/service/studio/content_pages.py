"""The dashboard, the list and one video's page (progress, review, result), with the
actions on a video. Every change goes through contents/service.py,
the functions the API's routes call."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from autoclip.safety.report import SafetyFlag
from autoclip.service.auth.callers import Caller
from autoclip.service.auth.service import user_row
from autoclip.service.billing.endpoints import credits as credits_of
from autoclip.service.contents import service
from autoclip.service.contents.endpoints import content_out, content_summary
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.contents.schemas import RegeneratePart
from autoclip.service.contents.service import EDITABLE
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.exports import service as exports
from autoclip.service.exports.endpoints import export_out
from autoclip.service.files.links import download_url
from autoclip.service.models import MADE_STATUSES, ContentStatus
from autoclip.service.problems import AppError, NotFound, PaymentRequired
from autoclip.service.studio.publish_view import PublishForm, publish_context, publishable
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import (
    VisitDep,
    form_refused,
    not_found,
    see_other,
    signed_in,
)

router = APIRouter()
Field = Annotated[str, Form()]
SHOWN_STATUSES = ("queued", "processing", "review", "ready", "failed", "cancelled")
LATEST = 8
PER_PAGE = 24
# What an action's refusal shows on the video's page, by a key in the address (never
# text from the address itself).
PROBLEMS = {"credits": "error.out_of_credits", "conflict": "content.changed"}
NOTICES = ("content.zip_pending", "publish.started")


def credits_of_user(session: SessionDep, user: Caller) -> Any:
    return credits_of(user, session, limit=1)


@router.get("/")
def dashboard(
    request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep, notice: str = ""
) -> Response:
    user = signed_in(request, visit)
    repository = ContentRepository(session)
    counts = repository.count_by_status_of(user.id)
    latest, total = repository.page(user.id, 1, LATEST)
    waiting = [
        content_summary(runtime, row)
        for status in (ContentStatus.REVIEW, ContentStatus.FAILED)
        for row in repository.page(user.id, 1, 5, status)[0]
    ]
    return page(
        request, visit, "dashboard.html",
        name=user_row(session, user).name,
        counts={s: counts.get(ContentStatus(s), 0) for s in SHOWN_STATUSES},
        credits=credits_of_user(session, user),
        latest=[content_summary(runtime, row) for row in latest],
        waiting=waiting, total=total,
        notice=notice if notice == "content.deleted" else "",
    )  # fmt: skip


@router.get("/contents")
def content_list(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
    status: ContentStatus | None = None,
    project: uuid.UUID | None = None,
) -> Response:
    user = signed_in(request, visit)
    rows, total = service.list_contents(session, user, page_number, PER_PAGE, status, project)
    pages = max(1, math.ceil(total / PER_PAGE))
    return page(
        request, visit, "contents.html",
        items=[content_summary(runtime, row) for row in rows], total=total,
        page_number=page_number, pages=pages, filter_status=status.value if status else "",
    )  # fmt: skip


def marked(text: str, flags: list[SafetyFlag]) -> list[tuple[str, str | None]]:
    """`text` in pieces: each flagged sentence a piece of its own, with its category, so
    the page marks the sentence where it stands."""
    pieces: list[tuple[str, str | None]] = [(text, None)]
    for flag in flags:
        cut: list[tuple[str, str | None]] = []
        for piece, category in pieces:
            if category is not None or flag.sentence not in piece:
                cut.append((piece, category))
                continue
            before, _, after = piece.partition(flag.sentence)
            cut += [(before, None)] if before else []
            cut.append((flag.sentence, flag.category))
            cut += [(after, None)] if after else []
        pieces = cut
    return pieces


def scene_cards(script: dict[str, Any] | None, flags: list[SafetyFlag]) -> list[dict[str, Any]]:
    """The script's scenes in order (opening, scenes, closing) as the cards show them."""
    if not script:
        return []
    scenes = [("hook", script["hook"]), *(("scene", s) for s in script["scenes"])]
    scenes.append(("cta", script["cta"]))
    return [
        {
            "kind": kind,
            "number": number,
            "narration": marked(scene["narration"], flags),
            "on_screen": marked(scene.get("on_screen_text", ""), flags),
        }
        for number, (kind, scene) in enumerate(scenes)
    ]


def _own(
    request: Request, visit: Visitor, session: SessionDep, user: Caller, content_id: str
) -> Any:
    try:
        return service.get_content(session, user, uuid.UUID(content_id))
    except (ValueError, NotFound):
        return None


@router.get("/contents/{content_id}")
def content_page(
    content_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    notice: str = "",
) -> Response:
    user = signed_in(request, visit)
    content = _own(request, visit, session, user, content_id)
    if content is None:
        return not_found(request, visit)
    return render_content(request, visit, session, runtime, user, content, notice=notice)


def render_content(
    request: Request, visit: Visitor, session: SessionDep, runtime: RuntimeDep, user: Caller,
    content: Any, notice: str = "", status: int = 200, form: PublishForm | None = None,
) -> Response:  # fmt: skip
    """One video's page; `form`: the publish form refused, with its values and errors."""
    shown = content_out(runtime, content)
    # Made: ready, past it, or its publish failed (the video is kept).
    made = content.status in MADE_STATUSES or publishable(content)
    zips = []
    if made:
        zips = [
            export_out(runtime, e)
            for e in exports.list_exports(session, user)
            if e.content_ids == [str(content.id)]
        ][:1]
    flags = list(content.safety.flags) if content.safety else []
    ticket = runtime.signer.stream_ticket(user.id, content.id) if content.status.is_active else ""
    srt_url = (
        download_url(runtime, content.outputs.captions_srt) if made and content.outputs else ""
    )
    if notice == "publish.started" and content.status is not ContentStatus.PUBLISHING:
        notice = ""  # said while it is so; the page's state says the rest
    publishing = publish_context(session, runtime.settings, user, content, visit.language, form)
    return page(
        request, visit, "content.html", status=status,
        content=shown, source=content.source, flags=flags, zips=zips, srt_url=srt_url,
        storyboard=scene_cards(content.script, flags),
        editable=content.status in EDITABLE and content.script is not None,
        flagged={f.sentence for f in flags}, ticket=ticket,
        notice=notice if notice in NOTICES else "",
        problem=PROBLEMS.get(request.query_params.get("problem", ""), ""),
        **publishing,
    )  # fmt: skip


@router.get("/contents/{content_id}/ticket")
def ticket(
    content_id: str, request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """A fresh ticket for the event stream, for the progress script when its stream drops
    (a ticket lasts a minute): the same ticket the API's route gives."""
    user = signed_in(request, visit)
    content = _own(request, visit, session, user, content_id)
    if content is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    found = runtime.signer.stream_ticket(user.id, content.id)
    url = f"/api/v1/contents/{content.id}/events?ticket={found}"
    return JSONResponse({"events_url": url}, headers={"cache-control": "no-store"})


@router.get("/contents/{content_id}/captions.vtt")
def captions(
    content_id: str, request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The SRT captions as WebVTT, which a browser's <track> reads."""
    user = signed_in(request, visit)
    content = _own(request, visit, session, user, content_id)
    if content is None or content.outputs is None:
        return PlainTextResponse("not found", status_code=404)
    srt = runtime.storage.get_bytes(content.outputs.captions_srt).decode("utf-8-sig")
    lines = [line.replace(",", ".") if "-->" in line else line for line in srt.splitlines()]
    return PlainTextResponse("WEBVTT\n\n" + "\n".join(lines) + "\n", media_type="text/vtt")


def _act(
    request: Request,
    visit: Visitor,
    session: SessionDep,
    runtime: RuntimeDep,
    content_id: str,
    csrf: str,
    action: str,
    reason: str = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    try:
        target = uuid.UUID(content_id)
    except ValueError:
        return not_found(request, visit)
    try:
        if action == "cancel":
            service.cancel_content(session, user, target)
        elif action == "retry":
            service.regenerate_content(session, runtime.jobs, user, target,
                                       [RegeneratePart.RENDER])  # fmt: skip
        elif action == "approve":
            service.approve_content(session, runtime.jobs, user, target)
        elif action == "reject":
            service.reject_content(session, user, target, reason[:500])
        elif action == "delete":
            service.delete_content(session, runtime.jobs, user, target)
            return see_other("/?notice=content.deleted")
        elif action == "zip":
            exports.create_export(session, runtime, user, [target])
            return see_other(f"/contents/{target}?notice=content.zip_pending")
    except NotFound:
        return not_found(request, visit)
    except PaymentRequired:
        session.rollback()
        return see_other(f"/contents/{target}?problem=credits")
    except AppError:
        session.rollback()
        return see_other(f"/contents/{target}?problem=conflict")
    return see_other(f"/contents/{target}")


@router.post("/contents/{content_id}/{action}")
def act(
    content_id: str,
    action: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    csrf: Field = "",
    reason: Field = "",
) -> Response:
    if action not in ("cancel", "retry", "approve", "reject", "delete", "zip"):
        return not_found(request, visit)
    return _act(request, visit, session, runtime, content_id, csrf, action, reason)
