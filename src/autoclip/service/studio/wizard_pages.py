"""The new-video wizard: its form, its price (the API's estimate), the voices to listen
to, and the video made from it (contents/service.py `create_content`, as POST /contents).
Without script the wizard is one long form; static/wizard.js shows it a step at a time.

The narration is a voice, or "my recording": a sound file of the user's media library,
chosen from it or uploaded with the form (media/service.py `upload`, as POST /media), whose
id becomes `options.narration_media_id`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import TypeAdapter, ValidationError

from autoclip.errors import ConfigurationError, InputError
from autoclip.options import Aspect, Language, Length, Tone, Vertical
from autoclip.providers.config import OpenAIConfig
from autoclip.providers.writing.base import WriterName
from autoclip.providers.writing.registry import takes_topics
from autoclip.service.auth.callers import Caller
from autoclip.service.contents import service
from autoclip.service.contents.chains import (
    NARRATOR_CHAINS,
    VISUAL_CHAINS,
    WRITER_CHAINS,
    configured_chains,
)
from autoclip.service.contents.estimate import estimate_content
from autoclip.service.contents.schemas import ContentCreate, Estimate
from autoclip.service.contents.service import NARRATION_FIELD
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.media import service as media_service
from autoclip.service.media.repository import MediaRepository
from autoclip.service.media.service import PICTURE_KINDS
from autoclip.service.models import MediaKind
from autoclip.service.problems import AppError, NotFound
from autoclip.service.projects.service import list_projects
from autoclip.service.studio.catalog import text
from autoclip.service.studio.content_pages import credits_of_user
from autoclip.service.studio.forms import (
    input_error,
    problem_text,
    problem_words,
    validation_errors,
)
from autoclip.service.studio.media_pages import media_refusal
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import VisitDep, form_refused, see_other, signed_in
from autoclip.service.voices import service as voice_samples
from autoclip.service.voices.service import list_voices

router = APIRouter()
Field = Annotated[str, Form()]
_CREATE = TypeAdapter(ContentCreate)
KINDS = ("text", "url", "topic")
RECORDINGS_SHOWN = 100
# The library visuals need no key either: the wizard offers them as "Pictures" when the
# creator's media library has any.
OFFLINE = frozenset({"offline", "piper", "espeak", "cards", "library"})


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
    credits = credits_of_user(session, user)
    media = MediaRepository(session)
    pictures = len(media.of_kinds(user.id, PICTURE_KINDS))
    music = [(str(item.id), item.name) for item in media.of_kinds(user.id, [MediaKind.MUSIC])]
    voices = {
        language: [voice for voice, _ in list_voices(settings, language)] for language in Language
    }
    recordings, _ = media.page(user.id, 1, RECORDINGS_SHOWN, MediaKind.MUSIC)
    return page(
        request, visit, "new.html", status=status, voices_by_language=voices,
        recordings=recordings,
        values=values, errors=errors, problem=problem, projects=projects,
        chains={k: v for k, v in chains.items() if any(_cloud(c) for c in v)},
        topics=topics, credits=credits, library_pictures=pictures, library_music=music,
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
    narration: Field = "",
    narration_media_id: Field = "",
    project_id: Field = "",
    writer: Field = "",
    narrator: Field = "",
    visuals: Field = "",
    pictures: Field = "",
    music_id: Field = "",
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
        "visuals": visuals, "pictures": pictures, "music_id": music_id, "draft": draft,
        "narration_media_id": narration_media_id if narration == "recording" else "",
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
            "narration_media_id",
        )
        if form.get(name)
    }
    if form.get("draft"):
        options["draft"] = True
    if form.get("pictures") == "library" and not form.get("visuals"):
        # The creator's own images and clips, a designed card where none can be shown.
        options["visuals"] = "library,cards"
    if form.get("music_id"):
        options["music_id"] = form["music_id"]
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
    narration: Field = "",
    narration_media_id: Field = "",
    project_id: Field = "",
    writer: Field = "",
    narrator: Field = "",
    visuals: Field = "",
    pictures: Field = "",
    music_id: Field = "",
    draft: Field = "",
    idempotency: Field = "",
    csrf: Field = "",
    recording: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form = {
        "kind": kind, "text": text_, "url": url, "topic": topic, "vertical": vertical,
        "tone": tone, "length": length, "aspect": aspect, "language": language,
        "voice": voice, "project_id": project_id, "writer": writer, "narrator": narrator,
        "visuals": visuals, "pictures": pictures, "music_id": music_id, "draft": draft,
        "idempotency": idempotency, "csrf": csrf,
        "narration": narration, "narration_media_id": narration_media_id,
    }  # fmt: skip
    return _create(request, visit, session, runtime, form, recording)


def _create(
    request: Request,
    visit: Visitor,
    session: SessionDep,
    runtime: RuntimeDep,
    form: dict[str, str],
    recording: UploadFile | None = None,
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, form.get("csrf")):
        return refused
    language = visit.language
    errors: dict[str, str] = {}
    problem = ""
    if form.get("narration") != "recording":  # a voice narrates: no recording is used
        form = {**form, "narration_media_id": ""}
        recording = None
    if recording is not None and recording.filename:
        # Into the library first, as the media page would: kept (and chosen, if the form
        # comes back) even when the video cannot be made as the form stands.
        settings = runtime.settings
        try:
            item = media_service.upload(
                session, runtime.storage, settings.work_dir / "uploads", settings.media,
                user, recording.file, recording.filename,
            )  # fmt: skip
        except (AppError, InputError) as error:
            session.rollback()
            errors = {"narration_media_id": media_refusal(error, language)}
            return _wizard(request, visit, session, runtime, user, form, errors, status=422)
        form = {**form, "narration_media_id": str(item.id)}
    elif form.get("narration") == "recording" and not form.get("narration_media_id"):
        errors = {"narration_media_id": text("new.recording_choose", language)}
        return _wizard(request, visit, session, runtime, user, form, errors, status=422)
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
        said = problem_words("configuration", None, str(error), language)
        problem = text("error.generic", language).format(detail=said)
    except AppError as error:
        if error.status == 409 and form.get("kind") == "topic":
            errors = {"topic": text("field.topic_needs_model", language)}
        elif error.field == NARRATION_FIELD:
            errors = {"narration_media_id": text("new.recording_choose", language)}
        elif isinstance(error, NotFound):
            name = "music_id" if error.field == "options.music_id" else "project_id"
            errors = {name: text("field.choice", language)}
        else:
            problem = problem_text(error, language)
    else:
        return see_other(f"/contents/{content.id}")
    status = 402 if problem and not errors else 422
    return _wizard(request, visit, session, runtime, user, form, errors, problem, status)


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
