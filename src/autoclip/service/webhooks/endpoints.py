"""`/webhooks`: endpoints (create, change, rotate the secret, remove), the delivery log,
redelivery, and the secret that signs per-content callbacks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.models import DeliveryStatus, WebhookDelivery
from autoclip.service.openapi import problems
from autoclip.service.schemas import MAX_PAGE, Page
from autoclip.service.webhooks import service, signing
from autoclip.service.webhooks.events import EventType
from autoclip.service.webhooks.repository import WebhookRepository
from autoclip.service.webhooks.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    EndpointCreate,
    EndpointCreated,
    EndpointOut,
    EndpointUpdate,
    Secret,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.get("/event-types")
def event_types(user: CurrentUser) -> list[str]:
    return [e.value for e in EventType]


@router.get("/callback-secret")
def callback_secret(user: CurrentUser, runtime: RuntimeDep) -> Secret:
    """The whsec_ secret that signs deliveries to your contents' `callback_url`s."""
    key = runtime.settings.effective_secret_keys()[0]
    return Secret(secret=signing.callback_secret(key, user.id))


@router.post("/endpoints", status_code=201, responses=problems(409, s409="Too many endpoints."))
def create_endpoint(
    data: EndpointCreate, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> EndpointCreated:
    endpoint, secret = service.create_endpoint(
        session, runtime.settings, runtime.sealer, user, data.url, data.events, data.description
    )
    out = EndpointOut.model_validate(endpoint)
    return EndpointCreated(**out.model_dump(), secret=secret)


@router.get("/endpoints")
def list_endpoints(user: CurrentUser, session: SessionDep) -> list[EndpointOut]:
    return [EndpointOut.model_validate(e) for e in WebhookRepository(session).endpoints(user.id)]


@router.get("/endpoints/{endpoint_id}", responses=problems(404))
def get_endpoint(endpoint_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> EndpointOut:
    return EndpointOut.model_validate(service.get_endpoint(session, user, endpoint_id))


@router.patch("/endpoints/{endpoint_id}", responses=problems(404))
def update_endpoint(
    endpoint_id: uuid.UUID,
    data: EndpointUpdate,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> EndpointOut:
    changed = service.update_endpoint(
        session, runtime.settings, user, endpoint_id, data.model_dump(exclude_unset=True)
    )
    return EndpointOut.model_validate(changed)


@router.delete("/endpoints/{endpoint_id}", status_code=204, responses=problems(404))
def delete_endpoint(endpoint_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    endpoint = service.get_endpoint(session, user, endpoint_id)
    WebhookRepository(session).remove_endpoint(endpoint)
    return Response(status_code=204)


@router.get("/endpoints/{endpoint_id}/secret", responses=problems(404))
def endpoint_secret(
    endpoint_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> Secret:
    endpoint = service.get_endpoint(session, user, endpoint_id)
    return Secret(secret=runtime.sealer.open(endpoint.secret))


@router.post("/endpoints/{endpoint_id}/rotate-secret", responses=problems(404))
def rotate_secret(
    endpoint_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> EndpointCreated:
    """A new secret; for AUTOCLIP_WEBHOOKS__ROTATION_OVERLAP_HOURS deliveries carry a
    signature by the old one too, so the receiver can switch at leisure."""
    endpoint, secret = service.rotate_secret(
        session, runtime.settings, runtime.sealer, user, endpoint_id
    )
    return EndpointCreated(**EndpointOut.model_validate(endpoint).model_dump(), secret=secret)


@router.get("/deliveries")
def list_deliveries(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    endpoint_id: uuid.UUID | None = None,
    content_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
) -> Page[DeliveryOut]:
    rows, total = WebhookRepository(session).deliveries(
        user.id, page, per_page, endpoint_id=endpoint_id, content_id=content_id, status=status
    )
    items = [DeliveryOut.model_validate(d) for d in rows]
    return Page[DeliveryOut](items=items, page=page, per_page=per_page, total=total)


def _detail(session: SessionDep, delivery: WebhookDelivery) -> DeliveryDetail:
    log = [AttemptOut.model_validate(a) for a in WebhookRepository(session).attempts(delivery.id)]
    out = DeliveryOut.model_validate(delivery)
    return DeliveryDetail(**out.model_dump(), payload=delivery.payload, log=log)


@router.get("/deliveries/{delivery_id}", responses=problems(404))
def get_delivery(delivery_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> DeliveryDetail:
    delivery = WebhookRepository(session).owned_delivery(user.id, delivery_id)
    if delivery is None:
        from autoclip.service.problems import NotFound

        raise NotFound("no such delivery")
    return _detail(session, delivery)


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    status_code=202,
    responses=problems(404, 409, s409="Its endpoint is disabled."),
)
def redeliver(
    delivery_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> DeliveryDetail:
    delivery = service.redeliver(session, runtime.jobs, user, delivery_id)
    return _detail(session, delivery)
