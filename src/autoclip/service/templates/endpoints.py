from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from autoclip.options import Aspect
from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.openapi import problems
from autoclip.service.templates import service
from autoclip.service.templates.schemas import TemplateCreate, TemplateFromContent, TemplateOut

router = APIRouter(prefix="/templates", tags=["templates"])
TemplateRef = Annotated[
    str,
    Path(max_length=64, description="A built-in template's name, or a saved one's id."),
]


def _out(template: service.Found) -> TemplateOut:
    base = f"/api/v1/templates/{template.ref}/preview"
    return TemplateOut(
        id=template.id,
        name=template.name,
        title=template.title,
        builtin=template.builtin,
        vertical=template.vertical,
        spec=template.spec,
        preview_urls={aspect.value: f"{base}?aspect={aspect.value}" for aspect in Aspect},
    )


@router.get("")
def list_templates(user: CurrentUser, session: SessionDep) -> list[TemplateOut]:
    """The built-in templates (one per vertical), then the ones you saved."""
    return [_out(template) for template in service.list_templates(session, user)]


@router.post("", status_code=201, responses=problems(409, s409="A template of that name exists."))
def create(
    data: TemplateCreate, response: Response, user: CurrentUser, session: SessionDep
) -> TemplateOut:
    template = service.create_template(session, user, data)
    response.headers["Location"] = f"/api/v1/templates/{template.ref}"
    return _out(template)


@router.post(
    "/from-content/{content_id}",
    status_code=201,
    responses=problems(404, 409, s404="No such content.", s409="A template of that name exists."),
)
def create_from_content(
    content_id: uuid.UUID,
    data: TemplateFromContent,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
) -> TemplateOut:
    """Save the look one of your contents was made with: its template (else its vertical's
    layout and pacing with the classic captions), with its caption style over it."""
    template = service.template_from_content(session, user, content_id, data)
    response.headers["Location"] = f"/api/v1/templates/{template.ref}"
    return _out(template)


@router.get("/{ref}", responses=problems(404))
def get(ref: TemplateRef, user: CurrentUser, session: SessionDep) -> TemplateOut:
    return _out(service.get_template(session, user, ref))


@router.delete("/{ref}", status_code=204, responses=problems(404))
def delete(ref: TemplateRef, user: CurrentUser, session: SessionDep) -> Response:
    """Delete one of your saved templates, by its id."""
    service.delete_template(session, user, ref)
    return Response(status_code=204)


@router.get(
    "/{ref}/preview",
    responses={
        200: {"content": {"image/png": {}}, "description": "The preview still."},
        **problems(404),
    },
    response_class=Response,
)
def preview(
    ref: TemplateRef,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    aspect: Annotated[Aspect, Query()] = Aspect.VERTICAL,
) -> Response:
    """One still of a scene as the template draws it, captions in; made on first request."""
    template = service.get_template(session, user, ref)
    data = service.preview_png(runtime.storage, template, aspect)
    return Response(
        content=data,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400"},
    )
