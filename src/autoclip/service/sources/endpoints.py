from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.models import Source
from autoclip.service.openapi import problems
from autoclip.service.sources import service
from autoclip.service.sources.schemas import (
    SourceCreate,
    SourceItemOut,
    SourceOut,
    SourceUpdate,
)

router = APIRouter(tags=["sources"])
PROJECT_404 = problems(404, s404="No such project of yours.")


def source_out(source: Source) -> SourceOut:
    return SourceOut.model_validate(
        {
            **{c: getattr(source, c) for c in SourceOut.model_fields if hasattr(source, c)},
            "paused": source.next_fetch_at is None,
        }
    )


@router.get("/projects/{project_id}/sources", responses=PROJECT_404)
def list_sources(project_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> list[SourceOut]:
    """The project's sources, in the order its schedules draw from them."""
    return [source_out(s) for s in service.list_sources(session, user, project_id)]


@router.post("/projects/{project_id}/sources", status_code=201, responses=PROJECT_404)
def create(
    project_id: uuid.UUID,
    data: SourceCreate,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> SourceOut:
    """A feed (RSS or Atom), a page to watch, or a list of topics. It is fetched at the
    factory's next pass, then every `interval_minutes`; each new item becomes a content
    (a draft, or generated straight away, as the project's `intake` says)."""
    source = service.create_source(
        session, user, project_id, data, runtime.settings, runtime.clock.now()
    )
    response.headers["Location"] = f"/api/v1/sources/{source.id}"
    return source_out(source)


@router.get("/sources/{source_id}")
def get(source_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> SourceOut:
    return source_out(service.get_source(session, user, source_id))


@router.patch("/sources/{source_id}", responses=problems(409, s409="topics for a feed or a page."))
def update(
    source_id: uuid.UUID,
    data: SourceUpdate,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> SourceOut:
    source = service.update_source(
        session, user, source_id, data, runtime.settings, runtime.clock.now()
    )
    return source_out(source)


@router.post("/sources/{source_id}/fetch", status_code=202)
def fetch(
    source_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> SourceOut:
    """Fetch at the factory's next pass (a paused source is resumed)."""
    return source_out(service.fetch_soon(session, user, source_id, runtime.clock.now()))


@router.delete("/sources/{source_id}", status_code=204)
def delete(
    source_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """No more fetches; the contents it made stay."""
    service.delete_source(session, user, source_id, runtime.clock.now())
    return Response(status_code=204)


@router.get("/sources/{source_id}/items")
def items(
    source_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[SourceItemOut]:
    """What the source offered, newest first, each with the content made of it."""
    rows = service.source_items(session, user, source_id, limit)
    return [SourceItemOut.model_validate(i) for i in rows]
