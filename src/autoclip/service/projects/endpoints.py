from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from autoclip.service.contents.chains import check_configured
from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.openapi import problems
from autoclip.service.projects import service
from autoclip.service.projects.schemas import ProjectCreate, ProjectOut, ProjectUpdate
from autoclip.service.schemas import MAX_PAGE, Page

router = APIRouter(prefix="/projects", tags=["projects"])


@router.post("", status_code=201)
def create(
    data: ProjectCreate,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ProjectOut:
    check_configured(runtime.settings, data.providers.given(), "providers")
    project = ProjectOut.model_validate(service.create_project(session, user, data))
    response.headers["Location"] = f"/api/v1/projects/{project.id}"
    return project


@router.get("")
def list_projects(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ProjectOut]:
    rows, total = service.list_projects(session, user, page, per_page)
    items = [ProjectOut.model_validate(p) for p in rows]
    return Page[ProjectOut](items=items, page=page, per_page=per_page, total=total)


@router.get("/{project_id}")
def get(project_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ProjectOut:
    return ProjectOut.model_validate(service.get_project(session, user, project_id))


@router.patch("/{project_id}")
def update(
    project_id: uuid.UUID,
    data: ProjectUpdate,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ProjectOut:
    if data.providers is not None:
        check_configured(runtime.settings, data.providers.given(), "providers")
    return ProjectOut.model_validate(service.update_project(session, user, project_id, data))


@router.delete(
    "/{project_id}",
    status_code=204,
    responses=problems(409, s409="It is the default project, or contents of it are being made."),
)
def delete(project_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    service.delete_project(session, user, project_id)
    return Response(status_code=204)
