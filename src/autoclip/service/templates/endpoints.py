from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from autoclip.looks.templates import BUILTIN, BuiltinTemplate
from autoclip.options import Aspect
from autoclip.service.deps import CurrentUser, RuntimeDep
from autoclip.service.openapi import problems
from autoclip.service.templates import service
from autoclip.service.templates.schemas import TemplateOut

router = APIRouter(prefix="/templates", tags=["templates"])
TemplateName = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$")]


def _out(template: BuiltinTemplate) -> TemplateOut:
    base = f"/api/v1/templates/{template.name}/preview"
    return TemplateOut(
        name=template.name,
        title=template.title,
        vertical=template.vertical,
        spec=template.spec,
        preview_urls={aspect.value: f"{base}?aspect={aspect.value}" for aspect in Aspect},
    )


@router.get("")
def list_templates(user: CurrentUser) -> list[TemplateOut]:
    """The built-in templates, one per vertical."""
    return [_out(template) for template in BUILTIN.values()]


@router.get("/{name}", responses=problems(404))
def get(name: TemplateName, user: CurrentUser) -> TemplateOut:
    return _out(service.get_template(name))


@router.get(
    "/{name}/preview",
    responses={
        200: {"content": {"image/png": {}}, "description": "The preview still."},
        **problems(404),
    },
    response_class=Response,
)
def preview(
    name: TemplateName,
    user: CurrentUser,
    runtime: RuntimeDep,
    aspect: Annotated[Aspect, Query()] = Aspect.VERTICAL,
) -> Response:
    """One still of a scene as the template draws it, captions in; made on first request."""
    template = service.get_template(name)
    data = service.preview_png(runtime.storage, template, aspect)
    return Response(
        content=data,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400"},
    )
