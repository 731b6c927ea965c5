"""Every query and every conditional state change of the exports table.

An export moves queued → processing (`take`) → ready or failed (`finish`); the
reconciler fails a build whose worker died (`fail_lost`) and re-sends a queued one whose
message was lost (`touch_stale`). Each move names the state (and, for the reconciler,
the `updated_at`) it expects, so of two racing processes exactly one lands it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from autoclip.service.db import changed_rows
from autoclip.service.models import Export, ExportStatus, User


class ExportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- the owner's view ------------------------------------------------------------------

    def lock_owner(self, user_id: uuid.UUID) -> None:
        """Lock the owner's row (PostgreSQL; SQLite serialises writers already), so two
        requests of one user cannot both pass a count of their exports."""
        self.session.execute(select(User.id).where(User.id == user_id).with_for_update())

    def counts_by_status(self, user_id: uuid.UUID, now: datetime) -> dict[ExportStatus, int]:
        """How many unexpired exports the user has in each status."""
        rows = self.session.execute(
            select(Export.status, func.count())
            .where(Export.user_id == user_id, Export.expires_at > now)
            .group_by(Export.status)
        ).all()
        return {status: int(n) for status, n in rows}

    def unexpired(self, user_id: uuid.UUID, now: datetime) -> list[Export]:
        """The user's unexpired exports, newest first."""
        return list(
            self.session.scalars(
                select(Export)
                .where(Export.user_id == user_id, Export.expires_at > now)
                .order_by(Export.created_at.desc(), Export.id.desc())
            )
        )

    def owned(self, user_id: uuid.UUID, export_id: uuid.UUID, now: datetime) -> Export | None:
        """The user's unexpired export, or None (also for another user's)."""
        export = self.session.get(Export, export_id)
        if export is None or export.user_id != user_id or export.expires_at <= now:
            return None
        return export

    def add(self, export: Export) -> None:
        self.session.add(export)
        self.session.flush()

    def remove(self, export: Export) -> None:
        self.session.delete(export)

    # -- the build ---------------------------------------------------------------------------

    def take(self, export_id: uuid.UUID, now: datetime) -> Export | None:
        """queued → processing; the export if this call took it, None if it was not queued
        (a duplicate message, or deleted)."""
        taken = changed_rows(
            self.session,
            update(Export)
            .where(Export.id == export_id, Export.status == ExportStatus.QUEUED)
            .values(status=ExportStatus.PROCESSING, updated_at=now),
        )
        return self.session.get(Export, export_id) if taken == 1 else None

    def finish(self, export_id: uuid.UUID, now: datetime, **values: object) -> bool:
        """processing → what `values` say (ready with its size, or failed with the reason);
        False if the row was deleted or given up as lost meanwhile."""
        landed = changed_rows(
            self.session,
            update(Export)
            .where(Export.id == export_id, Export.status == ExportStatus.PROCESSING)
            .values(updated_at=now, **values),
        )
        return landed == 1

    # -- upkeep ------------------------------------------------------------------------------

    def overdue(
        self, queued_before: datetime, processing_before: datetime
    ) -> Sequence[tuple[uuid.UUID, ExportStatus, datetime]]:
        """(id, status, updated_at) of exports queued since before `queued_before` or
        processing since before `processing_before`."""
        return [
            (i, status, at)
            for i, status, at in self.session.execute(
                select(Export.id, Export.status, Export.updated_at).where(
                    or_(
                        and_(
                            Export.status == ExportStatus.QUEUED,
                            Export.updated_at <= queued_before,
                        ),
                        and_(
                            Export.status == ExportStatus.PROCESSING,
                            Export.updated_at < processing_before,
                        ),
                    )
                )
            ).all()
        ]

    def fail_lost(self, export_id: uuid.UUID, seen_at: datetime, now: datetime) -> bool:
        """processing (unchanged since `seen_at`) → failed: its worker was lost."""
        return (
            changed_rows(
                self.session,
                update(Export)
                .where(
                    Export.id == export_id,
                    Export.status == ExportStatus.PROCESSING,
                    Export.updated_at == seen_at,
                )
                .values(status=ExportStatus.FAILED, error="its worker was lost", updated_at=now),
            )
            == 1
        )

    def touch_stale(self, export_id: uuid.UUID, seen_at: datetime, now: datetime) -> bool:
        """Claim a queued export (unchanged since `seen_at`) for sending again: of several
        reconcilers, the one whose call returns True sends it."""
        return (
            changed_rows(
                self.session,
                update(Export)
                .where(
                    Export.id == export_id,
                    Export.status == ExportStatus.QUEUED,
                    Export.updated_at == seen_at,
                )
                .values(updated_at=now),
            )
            == 1
        )

    def expired(self, now: datetime) -> Sequence[tuple[uuid.UUID, str]]:
        """(id, zip key) of the exports expired by `now`."""
        return [
            (i, key)
            for i, key in self.session.execute(
                select(Export.id, Export.key).where(Export.expires_at <= now)
            ).all()
        ]

    def delete(self, export_id: uuid.UUID) -> None:
        self.session.execute(delete(Export).where(Export.id == export_id))

    def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of `keys` that an export row names."""
        return set(self.session.scalars(select(Export.key).where(Export.key.in_(keys))))

    def serves(self, key: str, now: datetime) -> bool:
        """Whether `key` is the zip of a ready, unexpired export (its link may be served)."""
        found = self.session.execute(
            select(Export.id).where(
                Export.key == key,
                Export.status == ExportStatus.READY,
                Export.expires_at > now,
            )
        ).first()
        return found is not None
