"""Every query of the `templates` table: a user's saved templates, only ever their own."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoclip.service.models import UserTemplate


class TemplateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def owned(self, user_id: uuid.UUID, template_id: uuid.UUID) -> UserTemplate | None:
        row = self.session.get(UserTemplate, template_id)
        return row if row is not None and row.user_id == user_id else None

    def list(self, user_id: uuid.UUID) -> list[UserTemplate]:
        rows = self.session.scalars(
            select(UserTemplate)
            .where(UserTemplate.user_id == user_id)
            .order_by(UserTemplate.created_at, UserTemplate.id)
        )
        return list(rows)

    def add(self, template: UserTemplate) -> bool:
        """Insert `template`; False when the user already has one of that name."""
        try:
            with self.session.begin_nested():
                self.session.add(template)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def delete(self, template: UserTemplate) -> None:
        self.session.delete(template)
