"""Projects: a user's defaults for the contents made in them. Every user has a default one."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from autoclip.service.auth.callers import Account
from autoclip.service.db import utcnow
from autoclip.service.models import Project
from autoclip.service.problems import Conflict, NotFound
from autoclip.service.projects.repository import ProjectRepository
from autoclip.service.projects.schemas import ProjectCreate, ProjectUpdate

# Fields a PATCH may set to null: the budget (null: back to the configured one).
NULLABLE = frozenset({"budget_usd"})


def create_default_project(session: Session, user: Account) -> Project:
    return create_project(session, user, ProjectCreate(name="My videos"), is_default=True)


def create_project(
    session: Session, user: Account, data: ProjectCreate, *, is_default: bool = False
) -> Project:
    values = data.model_dump(mode="json") | {"providers": data.providers.given()}
    project = Project(user_id=user.id, is_default=is_default, **values)
    ProjectRepository(session).add(project)
    return project


def get_project(session: Session, user: Account, project_id: uuid.UUID) -> Project:
    """The user's own live project, or 404 — also for another user's (never 403)."""
    project = ProjectRepository(session).live(user.id, project_id)
    if project is None:
        raise NotFound("no such project")
    return project


def default_project(session: Session, user: Account) -> Project:
    project = ProjectRepository(session).default(user.id)
    return project if project is not None else create_default_project(session, user)


def list_projects(
    session: Session, user: Account, page: int, per_page: int
) -> tuple[list[Project], int]:
    rows, total = ProjectRepository(session).page(user.id, page, per_page)
    return list(rows), total


def update_project(
    session: Session, user: Account, project_id: uuid.UUID, data: ProjectUpdate
) -> Project:
    project = get_project(session, user, project_id)
    changes = data.model_dump(mode="json", exclude_unset=True)
    if data.providers is not None:
        changes["providers"] = data.providers.given()
    for name, value in changes.items():
        if value is None and name not in NULLABLE:
            continue  # a null for a field that always has a value: left as it is
        setattr(project, name, value)
    project.updated_at = utcnow()
    return project


def delete_project(session: Session, user: Account, project_id: uuid.UUID) -> None:
    project = get_project(session, user, project_id)
    if project.is_default:
        raise Conflict("the default project cannot be deleted", field="project_id")
    if ProjectRepository(session).contents_in_work(project.id):
        raise Conflict("the project has contents being generated; cancel them first")
    project.deleted_at = utcnow()
