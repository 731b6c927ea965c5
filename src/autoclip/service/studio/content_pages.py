"""The dashboard, the list, the new-video wizard and one video's page (progress, review,
result), with the actions on a video. Every change goes through contents/service.py,
the functions the API's routes call."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import TypeAdapter, ValidationError

from autoclip.errors import ConfigurationError, InputError
from autoclip.options import Aspect, Language, Length, Tone, Vertical
from autoclip.providers.config import OpenAIConfig
from autoclip.providers.writing.base import WriterName
from autoclip.providers.writing.registry import takes_topics
from autoclip.safety.report import SafetyFlag
from autoclip.service.auth.callers import Caller
from autoclip.service.auth.service import user_row
from autoclip.service.billing.endpoints import credits as credits_of
from autoclip.service.contents import service
from autoclip.service.contents.chains import (
    NARRATOR_CHAINS,
    VISUAL_CHAINS,
    WRITER_CHAINS,
    configured_chains,
)
from autoclip.service.contents.endpoints import content_out, content_summary
from autoclip.service.contents.estimate import estimate_content
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.contents.schemas import ContentCreate, Estimate, RegeneratePart
from autoclip.service.contents.service import EDITABLE
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.exports import service as exports
from autoclip.service.exports.endpoints import export_out
from autoclip.service.files.links import download_url
from autoclip.service.models import ContentStatus
from autoclip.service.problems import AppError, NotFound, PaymentRequired
from autoclip.service.projects.service import list_projects
from autoclip.service.studio.catalog import text
from autoclip.service.studio.forms import input_error, problem_text, validation_errors
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import (
    VisitDep,
    form_refused,
    not_found,
    see_other,
    signed_in,
)
from autoclip.service.voices import service as voice_samples
from autoclip.service.voices.service import list_voices

router = APIRouter()
Field = Annotated[str, Form()]
SHOWN_STATUSES = ("queued", "processing", "review", "ready", "failed", "cancelled")
LATEST = 8
PER_PAGE = 24
_CREATE = TypeAdapter(ContentCreate)
KINDS = ("text", "url", "topic")
OFFLINE = frozenset({"offline", "piper", "espeak", "cards"})
# What an action's refusal shows on the video's page, by a key in the address (never
# text from the address itself).
PROBLEMS = {"credits": "error.out_of_credits", "conflict": "content.changed"}


def _offered(settings: Any, chain: str) -> bool:
    """Whether the wizard offers a chain: at most two providers, each usable here. The API
    also takes the OpenAI-compatible provider with no key (a local server needs none); the
    studio offers it only once the operator gave it a key or a server of its own, so an
    offline installation offers no provider that would fail."""
    names = chain.split(",")
    openai_set = settings.openai.api_key is not None or (
        settings.openai.base_url != OpenAIConfig().base_url
    )
    return len(names) <= 2 and ("openai" not in names or openai_set)


def _cloud(chain: str) -> bool:
    """Whether a chain has a provider beyond the offline ones (a choice worth offering)."""
    return any(name not in OFFLINE for name in chain.split(","))


def _credits(session: SessionDep, user: Caller) -> Any:
    return credits_of(user, session, limit=1)


@router.get("/")
def dashboard(
    request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep, notice: str = ""
) -> Response:
    user = signed_in(request, visit)
    repository = ContentRepository(session)
    counts = repository.count_by_status_of(user.id)
    latest, total = repository.page(user.id, 1, LATEST)
    waiting = [
        content_summary(runtime, row)
        for status in (ContentStatus.REVIEW, ContentStatus.FAILED)
        for row in repository.page(user.id, 1, 5, status)[0]
    ]
    return page(
        request, visit, "dashboard.html",
        name=user_row(session, user).name,
        counts={s: counts.get(ContentStatus(s), 0) for s in SHOWN_STATUSES},
        credits=_credits(session, user),
        latest=[content_summary(runtime, row) for row in latest],
        waiting=waiting, total=total,
        notice=notice if notice == "content.deleted" else "",
    )  # fmt: skip


@router.get("/contents")
def content_list(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
    status: ContentStatus | None = None,
    project: uuid.UUID | None = None,
) -> Response:
    user = signed_in(request, visit)
    rows, total = service.list_contents(session, user, page_number, PER_PAGE, status, project)
    pages = max(1, math.ceil(total / PER_PAGE))
    return page(
        request, visit, "contents.html",
        items=[content_summary(runtime, row) for row in rows], total=total,
        page_number=page_number, pages=pages, filter_status=status.value if status else "",
    )  # fmt: skip


def _wizard(
    request: Request,
    visit: Visitor,
    session: SessionDep,
    runtime: RuntimeDep,
    user: Caller,
    values: dict[str, str],
    errors: dict[str, str],
    problem: str = "",
    status: int = 200,
) -> Response:
    settings = runtime.settings
    projects, _ = list_projects(session, user, 1, 100)
    chains = {
        name: [c for c in configured_chains(settings, every) if _offered(settings, c)]
        for name, every in (("writer", WRITER_CHAINS), ("narrator", NARRATOR_CHAINS),
                            ("visuals", VISUAL_CHAINS))
    }  # fmt: skip
    topics = takes_topics(settings.script_writer) or any(
        takes_topics([WriterName(n) for n in chain.split(",")]) for chain in chains["writer"]
    )
    credits = _credits(session, user)
    voices = {
        language: [voice for voice, _ in list_voices(settings, language)] for language in Language
    }
    return page(
        request, visit, "new.html", status=status, voices_by_language=voices,
        values=values, errors=errors, problem=problem, projects=projects,
        chains={k: v for k, v in chains.items() if any(_cloud(c) for c in v)},
        topics=topics, credits=credits,
        budget=settings.content_budget_usd,
        paid=any(_cloud(c) for v in chains.values() for c in v),
        verticals=list(Vertical), tones=list(Tone), lengths=list(Length),
        aspects=list(Aspect), languages=list(Language),
        idempotency=values.get("idempotency") or uuid.uuid4().hex,
    )  # fmt: skip


@router.get("/new")
def new_page(
    request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    user = signed_in(request, visit)
    defaults = {"kind": "text", "language": visit.language, "length": "short", "aspect": "9:16"}
    return _wizard(request, visit, session, runtime, user, defaults, {})


@router.post("/new/estimate")
def estimate(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    kind: Field = "",
    text_: Annotated[str, Form(alias="text")] = "",
    url: Field = "",
    topic: Field = "",
    vertical: Field = "",
    tone: Field = "",
    length: Field = "",
    aspect: Field = "",
    language: Field = "",
    voice: Field = "",
    project_id: Field = "",
    writer: Field = "",
    narrator: Field = "",
    visuals: Field = "",
    draft: Field = "",
    csrf: Field = "",
) -> Response:
    """The wizard's last step, in words: what POST /contents/estimate says of this form
    (its credit, the estimated cost of paid providers, whether it can be paid for)."""
    user = signed_in(request, visit)
    if form_refused(request, runtime, visit, csrf):
        return JSONResponse({"detail": "forbidden"}, status_code=403)
    form = {
        "kind": kind, "text": text_, "url": url, "topic": topic, "vertical": vertical,
        "tone": tone, "length": length, "aspect": aspect, "language": language,
        "voice": voice, "project_id": project_id, "writer": writer, "narrator": narrator,
        "visuals": visuals, "draft": draft,
    }  # fmt: skip
    words = visit.language
    try:
        data = _CREATE.validate_python(_request_body(form))
        found = estimate_content(session, user, data, runtime.settings)
    except (ValidationError, InputError, AppError, ConfigurationError):
        # The fields are checked, and their errors shown, when the form is sent.
        return JSONResponse({"text": text("new.estimate_later", words)})
    return JSONResponse({"text": estimate_text(found, words), "affordable": found.affordable})


def estimate_text(found: Estimate, language: str) -> str:
    if not found.affordable:
        return text("new.cannot_afford", language)
    credits = (
        text("new.cost_unlimited", language)
        if found.balance is None
        else text("new.credits", language).format(credits=found.credits, balance=found.balance)
    )
    if found.estimated_cost_usd <= 0:
        return f"{credits} {text('new.cost_free', language)}"
    cost = text("new.estimated", language).format(cost=f"{found.estimated_cost_usd:.2f}")
    if found.budget_usd is not None and found.uncapped_cost_usd > found.budget_usd:
        cost += " " + text("new.capped", language).format(budget=f"{found.budget_usd:.2f}")
    return f"{credits} {cost}"


def _request_body(form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's request body: empty fields are left out (the project's or
    the configuration's choice applies)."""
    kind = form.get("kind", "")
    options: dict[str, Any] = {
        name: form[name]
        for name in (
            "vertical",
            "tone",
            "length",
            "aspect",
            "voice",
            "writer",
            "narrator",
            "visuals",
        )
        if form.get(name)
    }
    if form.get("draft"):
        options["draft"] = True
    body: dict[str, Any] = {"generation_type": kind, "options": options}
    if kind in KINDS:
        body[kind] = form.get(kind, "")
    for name in ("language", "project_id"):
        if form.get(name):
            body[name] = form[name]
    return body


@router.post("/new")
def create(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    kind: Field = "",
    text_: Annotated[str, Form(alias="text")] = "",
    url: Field = "",
    topic: Field = "",
    vertical: Field = "",
    tone: Field = "",
    length: Field = "",
    aspect: Field = "",
    language: Field = "",
    voice: Field = "",
    project_id: Field = "",
    writer: Field = "",
    narrator: Field = "",
    visuals: Field = "",
    draft: Field = "",
    idempotency: Field = "",
    csrf: Field = "",
) -> Response:
    form = {
        "kind": kind, "text": text_, "url": url, "topic": topic, "vertical": vertical,
        "tone": tone, "length": length, "aspect": aspect, "language": language,
        "voice": voice, "project_id": project_id, "writer": writer, "narrator": narrator,
        "visuals": visuals, "draft": draft, "idempotency": idempotency, "csrf": csrf,
    }  # fmt: skip
    return _create(request, visit, session, runtime, form)


def _create(
    request: Request, visit: Visitor, session: SessionDep, runtime: RuntimeDep, form: dict[str, str]
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, form.get("csrf")):
        return refused
    language = visit.language
    errors: dict[str, str] = {}
    problem = ""
    try:
        data = _CREATE.validate_python(_request_body(form))
        content, _ = service.create_content(
            session, runtime.jobs, user, data, settings=runtime.settings,
            idempotency_key=form.get("idempotency") or None,
            request_id=getattr(request.state, "request_id", None),
        )  # fmt: skip
    except ValidationError as error:
        errors = validation_errors(error, language)
    except InputError as error:
        errors = input_error(error, language)
    except ConfigurationError as error:
        problem = text("error.generic", language).format(detail=str(error))
    except AppError as error:
        if error.status == 409 and form.get("kind") == "topic":
            errors = {"topic": text("field.topic_needs_model", language)}
        elif isinstance(error, NotFound):
            errors = {"project_id": text("field.choice", language)}
        else:
            problem = problem_text(error, language)
    else:
        return see_other(f"/contents/{content.id}")
    status = 402 if problem and not errors else 422
    return _wizard(request, visit, session, runtime, user, form, errors, problem, status)


def marked(text: str, flags: list[SafetyFlag]) -> list[tuple[str, str | None]]:
    """`text` in pieces: each flagged sentence a piece of its own, with its category, so
    the page marks the sentence where it stands."""
    pieces: list[tuple[str, str | None]] = [(text, None)]
    for flag in flags:
        cut: list[tuple[str, str | None]] = []
        for piece, category in pieces:
            if category is not None or flag.sentence not in piece:
                cut.append((piece, category))
                continue
            before, _, after = piece.partition(flag.sentence)
            cut += [(before, None)] if before else []
            cut.append((flag.sentence, flag.category))
            cut += [(after, None)] if after else []
        pieces = cut
    return pieces


def storyboard(script: dict[str, Any] | None, flags: list[SafetyFlag]) -> list[dict[str, Any]]:
    """The script's scenes in order (opening, scenes, closing) as the cards show them."""
    if not script:
        return []
    scenes = [("hook", script["hook"]), *(("scene", s) for s in script["scenes"])]
    scenes.append(("cta", script["cta"]))
    return [
        {
            "kind": kind,
            "number": number,
            "narration": marked(scene["narration"], flags),
            "on_screen": marked(scene.get("on_screen_text", ""), flags),
        }
        for number, (kind, scene) in enumerate(scenes)
    ]


def _own(
    request: Request, visit: Visitor, session: SessionDep, user: Caller, content_id: str
) -> Any:
    try:
        return service.get_content(session, user, uuid.UUID(content_id))
    except (ValueError, NotFound):
        return None


@router.get("/contents/{content_id}")
def content_page(
    content_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    notice: str = "",
) -> Response:
    user = signed_in(request, visit)
    content = _own(request, visit, session, user, content_id)
    if content is None:
        return not_found(request, visit)
    shown = content_out(runtime, content)
    zips = []
    if content.status is ContentStatus.READY:
        zips = [
            export_out(runtime, e)
            for e in exports.list_exports(session, user)
            if e.content_ids == [str(content.id)]
        ][:1]
    flags = list(content.safety.flags) if content.safety else []
    ticket = runtime.signer.stream_ticket(user.id, content.id) if content.status.is_active else ""
    srt_url = (
        download_url(runtime, content.outputs.captions_srt)
        if content.status is ContentStatus.READY and content.outputs
        else ""
    )
    return page(
        request, visit, "content.html",
        content=shown, source=content.source, flags=flags, zips=zips, srt_url=srt_url,
        storyboard=storyboard(content.script, flags),
        editable=content.status in EDITABLE and content.script is not None,
        flagged={f.sentence for f in flags}, ticket=ticket,
        notice=notice if notice in ("content.zip_pending",) else "",
        problem=PROBLEMS.get(request.query_params.get("problem", ""), ""),
    )  # fmt: skip


@router.get("/contents/{content_id}/ticket")
def ticket(
    content_id: str, request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """A fresh ticket for the event stream, for the progress script when its stream drops
    (a ticket lasts a minute): the same ticket the API's route gives."""
    user = signed_in(request, visit)
    content = _own(request, visit, session, user, content_id)
    if content is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    found = runtime.signer.stream_ticket(user.id, content.id)
    url = f"/api/v1/contents/{content.id}/events?ticket={found}"
    return JSONResponse({"events_url": url}, headers={"cache-control": "no-store"})


@router.get("/contents/{content_id}/captions.vtt")
def captions(
    content_id: str, request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The SRT captions as WebVTT, which a browser's <track> reads."""
    user = signed_in(request, visit)
    content = _own(request, visit, session, user, content_id)
    if content is None or content.outputs is None:
        return PlainTextResponse("not found", status_code=404)
    srt = runtime.storage.get_bytes(content.outputs.captions_srt).decode("utf-8-sig")
    lines = [line.replace(",", ".") if "-->" in line else line for line in srt.splitlines()]
    return PlainTextResponse("WEBVTT\n\n" + "\n".join(lines) + "\n", media_type="text/vtt")


def _act(
    request: Request,
    visit: Visitor,
    session: SessionDep,
    runtime: RuntimeDep,
    content_id: str,
    csrf: str,
    action: str,
    reason: str = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    try:
        target = uuid.UUID(content_id)
    except ValueError:
        return not_found(request, visit)
    try:
        if action == "cancel":
            service.cancel_content(session, user, target)
        elif action == "retry":
            service.regenerate_content(session, runtime.jobs, user, target,
                                       [RegeneratePart.RENDER])  # fmt: skip
        elif action == "approve":
            service.approve_content(session, runtime.jobs, user, target)
        elif action == "reject":
            service.reject_content(session, user, target, reason[:500])
        elif action == "delete":
            service.delete_content(session, runtime.jobs, user, target)
            return see_other("/?notice=content.deleted")
        elif action == "zip":
            exports.create_export(session, runtime, user, [target])
            return see_other(f"/contents/{target}?notice=content.zip_pending")
    except NotFound:
        return not_found(request, visit)
    except PaymentRequired:
        session.rollback()
        return see_other(f"/contents/{target}?problem=credits")
    except AppError:
        session.rollback()
        return see_other(f"/contents/{target}?problem=conflict")
    return see_other(f"/contents/{target}")


@router.post("/contents/{content_id}/{action}")
def act(
    content_id: str,
    action: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    csrf: Field = "",
    reason: Field = "",
) -> Response:
    if action not in ("cancel", "retry", "approve", "reject", "delete", "zip"):
        return not_found(request, visit)
    return _act(request, visit, session, runtime, content_id, csrf, action, reason)


@router.get("/voices/{narrator}/{voice_id}/sample")
def voice_sample(
    narrator: str,
    voice_id: str,
    request: Request,
    visit: VisitDep,
    runtime: RuntimeDep,
    language: Language = Language.KO,
) -> Response:
    """A voice's few seconds (MP3), as GET /api/v1/voices/.../sample gives it."""
    signed_in(request, visit)
    try:
        data = voice_samples.sample(
            runtime.settings, runtime.storage, narrator[:40], voice_id[:100], language
        )
    except NotFound:
        return PlainTextResponse("not found", status_code=404)
    return Response(data, media_type=voice_samples.SAMPLE_TYPE,
                    headers={"cache-control": "private, max-age=86400"})  # fmt: skip
