"""Every query of the projects table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autoclip.service.models import Content, ContentStatus, Project


class ProjectRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, project: Project) -> None:
        self.session.add(project)
        self.session.flush()

    def live(self, user_id: uuid.UUID, project_id: uuid.UUID) -> Project | None:
        """The user's project if it is not deleted; None otherwise (also another user's)."""
        project = self.session.get(Project, project_id)
        if project is None or project.user_id != user_id or project.deleted_at is not None:
            return None
        return project

    def owned(self, user_id: uuid.UUID, project_id: uuid.UUID) -> Project | None:
        """The user's project, deleted or not (the user's own rows may still point at a
        deleted one: a source, a schedule, a content); None for another user's."""
        project = self.session.get(Project, project_id)
        return project if project is not None and project.user_id == user_id else None

    def default(self, user_id: uuid.UUID) -> Project | None:
        return self.session.execute(
            select(Project).where(
                Project.user_id == user_id,
                Project.is_default.is_(True),
                Project.deleted_at.is_(None),
            )
        ).scalar_one_or_none()

    def page(self, user_id: uuid.UUID, page: int, per_page: int) -> tuple[Sequence[Project], int]:
        """One page of the user's live projects, newest first, and how many there are."""
        live = (Project.user_id == user_id, Project.deleted_at.is_(None))
        total = self.session.execute(
            select(func.count()).select_from(Project).where(*live)
        ).scalar_one()
        rows = self.session.scalars(
            select(Project)
            .where(*live)
            .order_by(Project.created_at.desc(), Project.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return rows, int(total)

    def contents_in_work(self, project_id: uuid.UUID) -> int:
        """How many of the project's contents are queued or being made."""
        return int(
            self.session.execute(
                select(func.count())
                .select_from(Content)
                .where(
                    Content.project_id == project_id,
                    Content.deleted_at.is_(None),
                    Content.status.in_([ContentStatus.QUEUED, ContentStatus.PROCESSING]),
                )
            ).scalar_one()
        )
