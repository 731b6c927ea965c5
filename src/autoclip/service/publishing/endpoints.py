"""`/contents/{id}/publish` and `/contents/{id}/publications`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.openapi import problems
from autoclip.service.publishing import service
from autoclip.service.publishing.schemas import PublicationOut, PublishRequest

router = APIRouter(prefix="/contents", tags=["publishing"])


@router.post(
    "/{content_id}/publish",
    status_code=202,
    responses=problems(
        404,
        409,
        s404="No such content, or channel_id names no channel of yours.",
        s409="The content is not ready, no channel is connected, or it is disconnected.",
    ),
)
def publish(
    content_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    data: PublishRequest | None = None,
) -> PublicationOut:
    """Upload the content's video to YouTube: the content goes to `publishing`, then
    `published` (video id and URL on the publication) or `failed` with the reason."""
    publication = service.request_publish(
        session, runtime, user, content_id, data or PublishRequest()
    )
    return PublicationOut.model_validate(publication)


@router.get("/{content_id}/publications", responses=problems(404))
def publications(
    content_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> list[PublicationOut]:
    """The content's publishes, newest first."""
    return [
        PublicationOut.model_validate(p) for p in service.publications(session, user, content_id)
    ]
