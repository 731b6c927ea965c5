"""A source's fetch, run by a job: the conditional GET, the new items, their contents.

The fetch goes through the outbound guard (`kit/outbound.py`: public addresses only unless
the operator allows others, every redirect checked again, one deadline, a size cap) and
asks with the last answer's validators (If-None-Match, If-Modified-Since), so an
unchanged feed costs a 304. New items are told apart from known ones by their key (a
GUID, else the normalised link; a page's text; a topic's words), unique per source in the
database, so neither a re-fetch nor two racing fetches make a content twice.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from autoclip import __version__
from autoclip.kit import outbound
from autoclip.looks.templates import TemplateSpec
from autoclip.options import Aspect, Language, Length, Tone, Vertical
from autoclip.service.auth.repository import UserRepository
from autoclip.service.contents.records import StoredOptions
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.contents.service import generate_draft
from autoclip.service.models import (
    Content,
    GenerationType,
    Intake,
    Project,
    Source,
    SourceItem,
    SourceKind,
    User,
)
from autoclip.service.problems import AppError, NotFound
from autoclip.service.projects.repository import ProjectRepository
from autoclip.service.runtime import Runtime
from autoclip.service.sources.feeds import Entry, FeedError, parse_feed
from autoclip.service.sources.repository import SourceRepository
from autoclip.service.templates.service import template_spec
from autoclip.source.loader import page_text

log = logging.getLogger("autoclip.sources")
USER_AGENT = f"AutoClip/{__version__} (feed reader)"
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9"
MIN_TEXT = 20  # a feed entry without a link becomes a text content only if it has this much


@dataclass
class Answer:
    """What a fetch found: the entries offered (None: not modified) and the validators."""

    entries: list[Entry] | None
    etag: str | None = None
    last_modified: str | None = None
    page_hash: str | None = None
    notes: list[str] = field(default_factory=list)


class FetchFailed(Exception):
    """The fetch did not give a usable answer; the message is fit for the source's owner."""


def fetch_source(runtime: Runtime, source_id: str) -> str:
    """Fetch one source and make contents of its new items. Returns the outcome
    (new_items, unchanged, not_modified, failed, skipped), which the caller counts."""
    settings = runtime.settings
    with runtime.db.session(write=False) as session:
        source = SourceRepository(session).get(uuid.UUID(source_id))
        if source is None or source.deleted_at is not None or source.next_fetch_at is None:
            return "skipped"  # gone or paused since the job was sent
        kind, url, topics = source.kind, source.url, list(source.topics)
        etag, modified, page_hash = source.etag, source.last_modified, source.page_hash
    try:
        answer = _read(runtime, kind, url, topics, etag, modified, page_hash)
        error = None
    except FetchFailed as failure:
        answer, error = None, str(failure)
    now = runtime.clock.now()
    with runtime.db.session() as session:
        repository = SourceRepository(session)
        source = repository.get(uuid.UUID(source_id))
        if source is None or source.deleted_at is not None:
            return "skipped"
        if answer is None:
            assert error is not None
            paused = repository.failed(source, now, error, settings.factory.pause_after_failures)
            log.warning("source %s: fetch failed (%s)%s", source_id, error,
                        "; paused" if paused else "")  # fmt: skip
            return "failed"
        made = 0
        if answer.entries is not None:
            made = _take_new(runtime, session, source, answer.entries)
        outcome = "not_modified" if answer.entries is None else "new_items" if made else "unchanged"
        repository.fetched(
            source,
            now,
            outcome=outcome,
            new_items=made,
            etag=answer.etag,
            last_modified=answer.last_modified,
            page_hash=answer.page_hash,
        )
    log.info("source %s: %s (%d new)", source_id, outcome, made)
    return outcome


def _read(
    runtime: Runtime,
    kind: SourceKind,
    url: str | None,
    topics: list[str],
    etag: str | None,
    modified: str | None,
    page_hash: str | None,
) -> Answer:
    if kind is SourceKind.TOPICS:
        return Answer(
            [Entry(identity=f"topic:{t}", title=t[:300], link=None, text=t) for t in topics]
        )
    assert url is not None
    settings = runtime.settings
    headers = {"User-Agent": USER_AGENT}
    headers["Accept"] = FEED_ACCEPT if kind is SourceKind.FEED else "text/html, text/plain;q=0.9"
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        page = outbound.fetch(
            url,
            settings.outbound_policy(),
            headers=headers,
            deadline_s=settings.factory.fetch_deadline_s,
            max_bytes=settings.factory.fetch_max_bytes,
        )
    except outbound.OutboundError as error:
        raise FetchFailed(f"the address {error}") from None
    if page.status == 304:
        return Answer(None, etag, modified, None)
    if page.status >= 400 or page.status in outbound.REDIRECT_CODES:
        raise FetchFailed(f"the address answered HTTP {page.status}")
    validators = (page.headers.get("etag"), page.headers.get("last-modified"))
    if kind is SourceKind.FEED:
        try:
            entries = parse_feed(page.body)
        except FeedError as error:
            raise FetchFailed(f"the feed {error}") from None
        # Feeds list the newest first: the newest few, stored oldest first.
        newest = entries[: settings.factory.max_items_per_fetch]
        return Answer(list(reversed(newest)), *validators)
    title, text = page_text(page)
    if not text.strip():
        raise FetchFailed("the page has no readable text")
    digest = hashlib.sha256(" ".join(text.split()).encode()).hexdigest()
    if digest == page_hash:
        return Answer([], *validators, page_hash=digest)
    entry = Entry(identity=f"page:{digest}", title=(title or url)[:300], link=url, text=text)
    return Answer([entry], *validators, page_hash=digest)


def _take_new(runtime: Runtime, session: Session, source: Source, entries: list[Entry]) -> int:
    """Store the entries the source has not offered before, each with its content."""
    repository = SourceRepository(session)
    known = repository.known_keys(source.id, [e.key for e in entries])
    project = ProjectRepository(session).owned(source.user_id, source.project_id)
    user = UserRepository(session).get(source.user_id)
    if project is None or user is None:
        return 0
    spec = _template(session, user, source)
    made = 0
    seen: set[str] = set()
    for entry in entries:
        if entry.key in known or entry.key in seen:
            continue
        seen.add(entry.key)
        content = _content_of(source, project, entry, spec)
        item = SourceItem(
            source_id=source.id,
            project_id=source.project_id,
            key=entry.key,
            title=entry.title,
            link=entry.link,
        )
        if content is None:
            repository.mark_used(item, runtime.clock.now())  # nothing to make of it
            repository.add_item(item)
            continue
        try:
            with session.begin_nested():
                ContentRepository(session).add_draft(content)
                item.content_id = content.id
                if not repository.add_item(item):
                    raise _Duplicate  # a racing fetch stored it: undo this draft too
        except _Duplicate:
            continue
        made += 1
        if project.intake is Intake.GENERATE:
            try:
                generate_draft(session, runtime.jobs, runtime.settings, user, content)
                repository.mark_used(item, runtime.clock.now())
            except AppError as error:  # no credits, or no model for a topic: stays a draft
                log.info("source %s: item left as a draft: %s", source.id, error.detail)
    return made


class _Duplicate(Exception):
    pass


def _template(session: Session, user: User, source: Source) -> TemplateSpec | None:
    """The source's template as it is now, settled into each content it makes (as the API
    settles a content's at its creation: a later edit of the template changes none of
    them). A saved template deleted since is dropped, and the contents use the project's
    look."""
    ref = source.options.get("template")
    try:
        return template_spec(session, user, str(ref) if ref is not None else None)
    except NotFound:
        log.warning("source %s: its template %s is gone; its contents go without", source.id, ref)
        source.options = {k: v for k, v in source.options.items() if k != "template"}
        return None


def _content_of(
    source: Source, project: Project, entry: Entry, spec: TemplateSpec | None
) -> Content | None:
    if source.kind is SourceKind.TOPICS:
        kind, text = GenerationType.TOPIC, entry.text
    elif entry.link is not None:
        kind, text = GenerationType.URL, entry.link
    elif len(entry.text) >= MIN_TEXT:
        kind, text = GenerationType.TEXT, entry.text
    else:
        return None
    given = source.options
    options = StoredOptions(
        vertical=given.get("vertical") or Vertical(project.vertical),
        tone=given.get("tone") or Tone(project.tone),
        aspect=given.get("aspect") or Aspect(project.format),
        length=given.get("length") or Length.SHORT,
        voice=given.get("voice"),
        draft=bool(given.get("draft", False)),
        writer=given.get("writer"),
        narrator=given.get("narrator"),
        visuals=given.get("visuals"),
        budget_usd=given.get("budget_usd"),
        caption_style=given.get("caption_style"),
        template=given.get("template") if spec is not None else None,
        template_spec=spec,
    )
    return Content(
        user_id=source.user_id,
        project_id=source.project_id,
        generation_type=kind,
        source=text,
        language=Language(project.language).value,
        options=options,
        title=entry.title or None,
    )
