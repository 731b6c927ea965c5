from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from autoclip.service.batches import service
from autoclip.service.batches.schemas import BatchCreate, BatchOut
from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.openapi import problems

router = APIRouter(tags=["batches"])


@router.post(
    "/contents/batch",
    status_code=202,
    response_model=BatchOut,
    responses=problems(
        402,
        404,
        s402="The credits do not cover every accepted item: nothing was made.",
        s404="project_id names no project of yours.",
    ),
)
def create(
    data: BatchCreate, request: Request, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> JSONResponse:
    """Up to 100 contents, each with its own options. An item that cannot be made is
    `rejected` with its reason (and costs nothing); the others are charged together, all
    or none. Follow the batch at `GET /batches/{id}`."""
    batch = service.create_batch(
        session,
        runtime.jobs,
        user,
        data,
        settings=runtime.settings,
        request_id=getattr(request.state, "request_id", None),
    )
    body = service.batch_out(session, batch).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/v1/batches/{batch.id}"})


@router.get("/batches/{batch_id}")
def get(batch_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> BatchOut:
    """Each item's state now, and the counts: `summary.finished` once all are done."""
    return service.batch_out(session, service.get_batch(session, user, batch_id))
