"""Sources: a project's feeds, watched pages and topic lists, and what they offered."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from autoclip.errors import InputError
from autoclip.kit import outbound
from autoclip.options import Language
from autoclip.providers.narration.registry import check_voice
from autoclip.service.auth.callers import Account
from autoclip.service.contents.chains import CHAINS, check_configured
from autoclip.service.contents.schemas import ContentOptions
from autoclip.service.models import Project, Source, SourceItem, SourceKind
from autoclip.service.problems import Conflict, NotFound
from autoclip.service.projects.repository import ProjectRepository
from autoclip.service.projects.service import get_project
from autoclip.service.sources.repository import SourceRepository
from autoclip.service.sources.schemas import (
    FeedSourceCreate,
    PageSourceCreate,
    SourceCreate,
    SourceUpdate,
    TopicsSourceCreate,
)
from autoclip.service.templates.service import template_spec
from autoclip.settings import Settings

PAUSED_BY_OWNER = "paused by its owner"


def _topics(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines]


def _check_options(
    session: Session, user: Account, options: ContentOptions, project: Project, settings: Settings
) -> None:
    """What a content's own options must pass (contents/service.py), checked when the
    source is made rather than at each item."""
    try:
        template_spec(session, user, options.template)  # the user's to use
    except NotFound:
        # A 422 on the field: the body is wrong, the project (in the path) is there.
        raise InputError("options.template", "no such template of yours") from None
    if options.voice is not None:
        if options.voice.endswith(".onnx"):
            raise InputError("options.voice", "choose a named voice, not a model file")
        try:
            check_voice(Language(project.language), options.voice)
        except InputError as error:
            raise InputError("options.voice", error.message) from None
    check_configured(settings, options.model_dump(include=set(CHAINS)), "options")


def create_source(
    session: Session,
    user: Account,
    project_id: uuid.UUID,
    data: SourceCreate,
    settings: Settings,
    now: datetime,
) -> Source:
    project = get_project(session, user, project_id)
    url = data.url if isinstance(data, FeedSourceCreate | PageSourceCreate) else None
    if url is not None:
        try:
            outbound.precheck(url, settings.outbound_policy())
        except outbound.OutboundError as error:
            raise InputError("url", str(error)) from None
    _check_options(session, user, data.options, project, settings)
    repository = SourceRepository(session)
    source = Source(
        user_id=user.id,
        project_id=project.id,
        kind=SourceKind(data.kind),
        name=data.name,
        url=url,
        topics=_topics(data.topics) if isinstance(data, TopicsSourceCreate) else [],
        options=data.options.model_dump(mode="json", exclude_defaults=True),
        position=repository.next_position(project.id),
        interval_minutes=data.interval_minutes,
        next_fetch_at=now,  # the factory's next pass fetches it
        failures=0,
        items_seen=0,
        created_at=now,
        updated_at=now,
    )
    repository.add(source)
    return source


def get_source(session: Session, user: Account, source_id: uuid.UUID) -> Source:
    source = SourceRepository(session).owned(user.id, source_id)
    if source is None:
        raise NotFound("no such source")
    return source


def list_sources(session: Session, user: Account, project_id: uuid.UUID) -> list[Source]:
    project = get_project(session, user, project_id)
    return SourceRepository(session).of_project(project.id)


def update_source(
    session: Session,
    user: Account,
    source_id: uuid.UUID,
    data: SourceUpdate,
    settings: Settings,
    now: datetime,
) -> Source:
    source = get_source(session, user, source_id)
    repository = SourceRepository(session)
    if data.topics is not None:
        if source.kind is not SourceKind.TOPICS:
            raise Conflict(f"a {source.kind.value} source has no topics", field="topics")
        source.topics = _topics(data.topics)
        repository.fetch_now_unless_paused(source, now)
    if data.name is not None:
        source.name = data.name
    if data.interval_minutes is not None:
        source.interval_minutes = data.interval_minutes
    if data.position is not None:
        source.position = data.position
    if data.options is not None:
        project = ProjectRepository(session).owned(source.user_id, source.project_id)
        assert project is not None
        _check_options(session, user, data.options, project, settings)
        source.options = data.options.model_dump(mode="json", exclude_defaults=True)
    if data.paused is True:
        repository.pause(source, now, PAUSED_BY_OWNER)
    elif data.paused is False:
        repository.resume(source, now)
    source.updated_at = now
    return source


def fetch_soon(session: Session, user: Account, source_id: uuid.UUID, now: datetime) -> Source:
    """Fetch at the factory's next pass (a paused source is resumed)."""
    source = get_source(session, user, source_id)
    SourceRepository(session).resume(source, now)
    return source


def delete_source(session: Session, user: Account, source_id: uuid.UUID, now: datetime) -> None:
    """Gone from lists and fetches; the contents it made stay."""
    source = get_source(session, user, source_id)
    SourceRepository(session).remove(source, now)


def source_items(
    session: Session, user: Account, source_id: uuid.UUID, limit: int
) -> list[SourceItem]:
    get_source(session, user, source_id)
    return SourceRepository(session).items(source_id, limit)
