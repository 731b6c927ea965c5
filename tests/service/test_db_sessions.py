"""The database's sessions, on SQLite and PostgreSQL: what a read without a transaction
sees, the plans kept per process, and the model JSON columns read back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text

from autoclip.options import Aspect
from autoclip.service.billing.repository import CreditRepository
from autoclip.service.contents.records import StoredOptions
from autoclip.service.models import Content, ContentStatus, GenerationType, Plan, User
from autoclip.service.projects.service import create_default_project
from autoclip.service.runtime import Runtime


def _add_user(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        session.add(
            User(
                email=f"{uuid.uuid4().hex}@example.com", name="A", password_hash="x", plan_id="free"
            )
        )


@contextmanager
def counted_selects(runtime: Runtime) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(runtime.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", record)


def test_a_read_without_a_transaction_sees_each_commit(runtime: Runtime) -> None:
    """Each statement of a `snapshot=False` read sees what committed before it: no
    transaction holds the first statement's view (on SQLite a `BEGIN` would)."""
    count = select(func.count()).select_from(User)
    with runtime.db.session(write=False, snapshot=False) as reader:
        before = reader.execute(count).scalar_one()
        _add_user(runtime)
        assert reader.execute(count).scalar_one() == before + 1


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL's are READ COMMITTED either way
def test_a_snapshot_read_on_sqlite_keeps_its_view(runtime: Runtime) -> None:
    """The default read on SQLite is one transaction: a commit after its first statement
    stays out of it."""
    count = select(func.count()).select_from(User)
    with runtime.db.session(write=False) as reader:
        before = reader.execute(count).scalar_one()
        _add_user(runtime)
        assert reader.execute(count).scalar_one() == before


def test_a_write_is_always_a_transaction(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="snapshot=False is for reads"):
        runtime.db.open(write=True, snapshot=False)


def test_a_plan_is_read_once_per_process(runtime: Runtime) -> None:
    runtime.plans.clear()
    with counted_selects(runtime) as selects, runtime.db.session(write=False) as session:
        first = CreditRepository(session).plan("free")
    assert first is not None
    assert len(selects) == 1
    with counted_selects(runtime) as selects, runtime.db.session(write=False) as session:
        again = CreditRepository(session).plan("free")
    assert again is first
    assert selects == []
    assert runtime.plans["free"] is first
    # Kept detached: read after its session ended, by any thread.
    assert first.id == "free"
    assert first.requests_per_minute > 0


def test_a_plan_changed_in_its_session_is_not_kept(runtime: Runtime) -> None:
    runtime.plans.clear()
    with runtime.db.session() as session:
        plan = session.get(Plan, "free")
        assert plan is not None
        before = plan.requests_per_minute
        plan.requests_per_minute = before + 1
        assert CreditRepository(session).plan("free") is plan
        assert "free" not in runtime.plans
        plan.requests_per_minute = before  # the change still belongs to the session


def test_model_json_columns_read_back_as_written(runtime: Runtime) -> None:
    """A content's JSON columns come back as their models and a JSON null as None; on
    SQLite, a row in another spelling of the same JSON (spaces, key order: another writer's,
    or an older version's) reads the same."""
    with runtime.db.session() as session:
        user = User(email="json@example.com", name="J", password_hash="x", plan_id="free")
        session.add(user)
        session.flush()
        project = create_default_project(session, user)
        content = Content(
            user_id=user.id, project_id=project.id, generation_type=GenerationType.TEXT,
            source="s", language="en", options=StoredOptions(draft=True), outputs=None,
            credit_charged=False, status=ContentStatus.DRAFT,
        )  # fmt: skip
        session.add(content)
        session.flush()
        content_id = content.id
        if runtime.db.is_sqlite:
            session.execute(
                text("UPDATE contents SET options = :spelled WHERE id = :id"),
                {"spelled": '{ "aspect" : "1:1",  "draft": true }', "id": content_id.hex},
            )
    with runtime.db.session(write=False, snapshot=False) as session:
        stored = session.get(Content, content_id)
        assert stored is not None
        assert isinstance(stored.options, StoredOptions)
        assert stored.options.draft is True
        if runtime.db.is_sqlite:
            assert stored.options.aspect is Aspect.SQUARE
        assert stored.outputs is None
