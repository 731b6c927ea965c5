from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from autoclip.service.auth.tokens import STREAM_TICKET_SECONDS
from autoclip.service.contents import service
from autoclip.service.contents.estimate import estimate_content
from autoclip.service.contents.events import content_events
from autoclip.service.contents.records import Outputs
from autoclip.service.contents.repository import SummaryRow
from autoclip.service.contents.schemas import (
    ContentCreate,
    ContentCreated,
    ContentError,
    ContentOut,
    ContentSummary,
    Estimate,
    EventTicket,
    Regenerate,
    Reject,
    ScriptEdit,
    StageRunOut,
    UsageOut,
)
from autoclip.service.db import after_commit
from autoclip.service.deps import (
    STREAM_TICKET,
    CurrentUser,
    RuntimeDep,
    SessionDep,
    in_one_hop,
    json_answer,
)
from autoclip.service.files.links import download_url
from autoclip.service.models import MADE_STATUSES, Content, ContentStatus
from autoclip.service.openapi import problems
from autoclip.service.runtime import Runtime
from autoclip.service.schemas import MAX_PAGE, Page

router = APIRouter(prefix="/contents", tags=["contents"])
# Not under /contents: GET and DELETE /contents/{content_id} take any segment as an id
# (a malformed one is a 422 naming it), so /contents/estimate would answer them too.
estimates_router = APIRouter(tags=["contents"])
# One event of the stream, as the HTML standard parses it (OpenAPI 3.1 describes an
# event stream by its events): its name, and its data, a JSON object in a string.
EVENT_SCHEMA = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["progress", "done", "deleted"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}


def content_out(runtime: Runtime, content: Content) -> ContentOut:
    out = ContentOut.model_validate(content)
    _links(runtime, content, out)
    out.served = content.served.given() if content.served else None
    if _has_video(content) and content.outputs:
        out.audio_url = download_url(runtime, content.outputs.audio)
    return out


def content_summary(runtime: Runtime, row: SummaryRow) -> ContentSummary:
    """A list's row as its summary. Validated from the row's mapping, not its attributes:
    Pydantic would look for each of the summary's other fields on the row, and a row
    answers every miss with a KeyError turned AttributeError (a sixth of a page's CPU)."""
    summary = ContentSummary.model_validate(row._asdict())
    _links(runtime, row, summary)
    return summary


class Shown(Protocol):
    """What the error and links are made from: a content, or a row of a list."""

    @property
    def status(self) -> ContentStatus: ...

    @property
    def error(self) -> str | None: ...

    @property
    def error_stage(self) -> str | None: ...

    @property
    def outputs(self) -> Outputs | None: ...


def _has_video(content: Shown) -> bool:
    """Ready, or past it: being published, published, or its publish failed."""
    return content.status in MADE_STATUSES or (
        content.status is ContentStatus.FAILED and content.error_stage == "publish"
    )


def _links(runtime: Runtime, content: Shown, out: ContentSummary) -> None:
    if content.error:
        out.error = ContentError(stage=content.error_stage, message=content.error)
    if _has_video(content) and content.outputs:
        out.video_url = download_url(runtime, content.outputs.video)
        out.thumbnail_url = download_url(runtime, content.outputs.thumbnail)


@router.post(
    "",
    status_code=202,
    response_model=ContentCreated,
    responses=problems(
        402,
        404,
        409,
        s404="project_id names no project of yours.",
        s409="A topic with no language model in its writer chain (nor in its project's, nor "
        "the server's), the library visuals with no image or clip in the media library, or "
        "the content made with this Idempotency-Key was deleted.",
    ),
)
async def create(
    data: ContentCreate,
    request: Request,
    user: CurrentUser,
    runtime: RuntimeDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    # Async, with the unit of work in one thread hop (deps.in_one_hop): a hot route.
    request_id = getattr(request.state, "request_id", None)

    def work(session: Session) -> tuple[bytes, uuid.UUID, bool]:
        content, created = service.create_content(
            session,
            runtime.jobs,
            user,
            data,
            settings=runtime.settings,
            idempotency_key=idempotency_key,
            request_id=request_id,
        )
        return (
            ContentCreated.model_validate(content).model_dump_json().encode(),
            content.id,
            created,
        )

    body, content_id, created = await in_one_hop(runtime, work, write=True)
    headers = {"Location": f"{request.url.path}/{content_id}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return json_answer(body, 202, headers)


@estimates_router.post(
    "/estimates",
    responses=problems(
        404,
        409,
        s404="project_id names no project of yours.",
        s409="A topic with no language model in its writer chain (nor in its project's, nor "
        "the server's).",
    ),
)
def estimate(
    data: ContentCreate, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Estimate:
    """What `POST /contents` with this body would take: its credit, the estimated cost of
    its paid providers, and whether the caller can pay. The body is checked as that route
    checks it (the same 404, 409 and 422); nothing is created and nothing is charged."""
    return estimate_content(session, user, data, runtime.settings)


@router.get("", response_model=Page[ContentSummary])
async def list_contents(
    user: CurrentUser,
    runtime: RuntimeDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    status: ContentStatus | None = None,
    project_id: uuid.UUID | None = None,
) -> Response:
    def work(session: Session) -> bytes:
        rows, total = service.list_contents(session, user, page, per_page, status, project_id)
        items = [content_summary(runtime, c) for c in rows]
        answer = Page[ContentSummary](items=items, page=page, per_page=per_page, total=total)
        return answer.model_dump_json().encode()

    return json_answer(await in_one_hop(runtime, work, write=False))


@router.get("/{content_id}", response_model=ContentOut)
async def get(content_id: uuid.UUID, user: CurrentUser, runtime: RuntimeDep) -> Response:
    def work(session: Session) -> bytes:
        content = service.get_content(session, user, content_id)
        return content_out(runtime, content).model_dump_json().encode()

    return json_answer(await in_one_hop(runtime, work, write=False))


@router.post(
    "/{content_id}/cancel", responses=problems(409, s409="It is not queued or processing.")
)
def cancel(
    content_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ContentOut:
    content = service.cancel_content(session, user, content_id)
    after_commit(session, _count_cancelled(runtime))
    return content_out(runtime, content)


def _count_cancelled(runtime: Runtime) -> Callable[[], None]:
    return lambda: runtime.job_metrics.generations.labels("cancelled").inc()


@router.post(
    "/{content_id}/generate",
    status_code=202,
    responses=problems(402, 409, s409="It is not a draft, or it is a topic no model can write."),
)
def generate(
    content_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ContentOut:
    """Generate a draft (one a source made): one credit, and it is queued."""
    content = service.get_content(session, user, content_id)
    service.generate_draft(session, runtime.jobs, runtime.settings, user, content)
    return content_out(runtime, content)


@router.post(
    "/{content_id}/approve",
    status_code=202,
    responses=problems(409, s409="It is not waiting for review."),
)
def approve(
    content_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ContentOut:
    """A content waiting for review (its script was flagged) goes on to be made."""
    content = service.approve_content(session, runtime.jobs, user, content_id)
    return content_out(runtime, content)


@router.post("/{content_id}/reject", responses=problems(409, s409="It is not waiting for review."))
def reject(
    content_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    data: Reject | None = None,
) -> ContentOut:
    """A content waiting for review is cancelled, with the reason, and its credit refunded."""
    content = service.reject_content(session, user, content_id, data.reason if data else "")
    after_commit(session, _count_cancelled(runtime))
    return content_out(runtime, content)


@router.post(
    "/{content_id}/regenerate",
    status_code=202,
    responses=problems(402, 409, s409="It is still being made, or waiting for review."),
)
def regenerate(
    content_id: uuid.UUID,
    data: Regenerate,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ContentOut:
    content = service.regenerate_content(session, runtime.jobs, user, content_id, data.parts)
    return content_out(runtime, content)


@router.put(
    "/{content_id}/script",
    status_code=202,
    responses=problems(
        402,
        409,
        s402="No credits left (editing a ready or failed content takes one).",
        s409="The content has no script yet, or is queued, processing or cancelled.",
    ),
)
def edit_script(
    content_id: uuid.UUID,
    data: ScriptEdit,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ContentOut:
    """Replace the script (the storyboard: scenes edited, reordered, deleted or added) and
    make the video again. The new words get a new safety check; only what changed is made
    again (a scene whose words are unchanged keeps its narration and picture). A content
    waiting for review is edited on its credit; a ready or failed one takes a credit."""
    content = service.edit_script(session, runtime.jobs, user, content_id, data)
    return content_out(runtime, content)


@router.delete("/{content_id}", status_code=204)
def delete(
    content_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    if service.delete_content(session, runtime.jobs, user, content_id):
        after_commit(session, _count_cancelled(runtime))
    return Response(status_code=204)


@router.get("/{content_id}/jobs")
def jobs(content_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> list[StageRunOut]:
    return [StageRunOut.model_validate(r) for r in service.stage_runs(session, user, content_id)]


@router.get("/{content_id}/usage")
def usage(content_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> list[UsageOut]:
    """The content's paid provider calls: units and estimated cost, oldest first."""
    return [UsageOut.model_validate(u) for u in service.content_usage(session, user, content_id)]


@router.post("/{content_id}/events/ticket")
def event_ticket(
    content_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> EventTicket:
    """A one-minute ticket for this content's event stream, for a browser's EventSource:
    open `events_url` (it carries the ticket instead of an access token)."""
    service.get_content(session, user, content_id)  # 404 unless it is the caller's
    ticket = runtime.signer.stream_ticket(user.id, content_id)
    return EventTicket(
        ticket=ticket,
        expires_in=STREAM_TICKET_SECONDS,
        events_url=f"/api/v1/contents/{content_id}/events?ticket={ticket}",
    )


@router.get(
    "/{content_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": EVENT_SCHEMA}}}},
)
def events(
    content_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    # Read by the credential check (deps.py); here so the document offers it.
    ticket: Annotated[str | None, Depends(STREAM_TICKET)] = None,
) -> StreamingResponse:
    """Server-sent events: `progress` on every change, then one `done` when it finishes.
    Browsers, whose EventSource cannot set headers, pass `?ticket=` from
    `POST /contents/{id}/events/ticket` instead of a token."""
    service.get_content(session, user, content_id)  # 404 unless it is the caller's
    return StreamingResponse(
        content_events(runtime, request, content_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
