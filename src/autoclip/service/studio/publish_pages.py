"""YouTube channels (connect by OAuth from the browser, disconnect) and publishing a
video, through channels/service.py and publishing/service.py, the functions the API's
routes call.

The studio's consent round trip comes back to a studio page (`/channels/youtube/callback`),
not to the API's JSON callback: the operator registers both redirect URIs with Google's
OAuth client (docs/publishing.md). The sealed state names the account that started, and
the callback finishes only for that account, signed in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from autoclip.service.channels import service as channels
from autoclip.service.channels.schemas import ChannelOut
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.problems import AppError, Conflict, Invalid, NotFound, Unavailable
from autoclip.service.publishing import service as publishing
from autoclip.service.publishing.schemas import PublishRequest
from autoclip.service.studio.catalog import text
from autoclip.service.studio.content_pages import render_content
from autoclip.service.studio.forms import problem_text, validation_errors
from autoclip.service.studio.publish_view import (
    PublishForm,
    live_state,
    publications_of,
    youtube_configured,
)
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in
from autoclip.settings import Settings

router = APIRouter()
Field = Annotated[str, Form()]
CALLBACK_PATH = "/channels/youtube/callback"
API_CALLBACK = "/api/v1/channels/youtube/callback"
# What the channels page says after a move, by a key in the address (never text from it).
NOTICES = ("channels.done_connected", "channels.done_removed",
           "channels.done_removed_unconfirmed")  # fmt: skip
PROBLEMS = ("channels.refused_denied", "channels.refused_state", "channels.refused_code",
            "channels.google_down")  # fmt: skip


def studio_redirect_uri(settings: Settings, request: Request) -> str:
    """Where Google sends the browser back to the studio: beside the API's callback when
    the operator named that one, else under PUBLIC_URL, else this site as the browser
    sees it."""
    named = settings.youtube_redirect_uri
    if named.endswith(API_CALLBACK):
        return named.removesuffix(API_CALLBACK) + CALLBACK_PATH
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return base + CALLBACK_PATH


# -- channels ------------------------------------------------------------------------------


def _channels_page(
    request: Request, visit: Visitor, session: SessionDep, runtime: RuntimeDep,
    notice: str = "", problem: str = "", status: int = 200,
) -> Response:  # fmt: skip
    user = signed_in(request, visit)
    shown = [ChannelOut.model_validate(c) for c in channels.list_channels(session, user)]
    return page(
        request, visit, "channels.html", status=status, channels=shown, notice=notice,
        problem=problem, configured=youtube_configured(runtime.settings),
    )  # fmt: skip


@router.get("/channels")
def channels_page(
    request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep,
    notice: str = "",
) -> Response:  # fmt: skip
    return _channels_page(
        request, visit, session, runtime, notice=notice if notice in NOTICES else ""
    )


@router.get("/channels/youtube/connect")
def connect(request: Request, visit: VisitDep, runtime: RuntimeDep) -> Response:
    """Off to Google's consent page. A link, not a form: the page's policy lets forms post
    only here, and a form's redirect to Google would be held to it. Nothing is stored
    (the verifier travels sealed in the state), so a GET changes nothing."""
    user = signed_in(request, visit)
    settings = runtime.settings
    try:
        url, _, _ = channels.start_connect(
            settings, runtime.sealer, user.id, studio_redirect_uri(settings, request)
        )
    except Conflict:
        return see_other("/channels")  # the page says what the operator has to set
    return see_other(url)


@router.get(CALLBACK_PATH)
def callback(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    """Where Google sends the browser back: the channel stored for the signed-in account
    that started (a state another account started is refused), the result in words."""
    user = signed_in(request, visit)
    if error or not code or not state or len(code) > 2000 or len(state) > 4000:
        key = "channels.refused_denied" if error else "channels.refused_state"
        return _channels_page(request, visit, session, runtime, problem=key, status=403)
    try:
        channels.finish_connect(session, runtime.settings, runtime.sealer, code, state, user.id)
    except channels.SignInRefused as refused:
        session.rollback()
        key = "channels.refused_code" if refused.field == "code" else "channels.refused_state"
        return _channels_page(request, visit, session, runtime, problem=key, status=403)
    except Unavailable:
        session.rollback()
        return _channels_page(request, visit, session, runtime, problem="channels.google_down",
                              status=503)  # fmt: skip
    return see_other("/channels?notice=channels.done_connected")


@router.post("/channels/{channel_id}/disconnect")
def disconnect(
    channel_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    try:
        revoked = channels.remove_channel(
            session, runtime.settings, runtime.sealer, user, uuid.UUID(channel_id)
        )
    except (ValueError, NotFound):
        return not_found(request, visit)
    done = "channels.done_removed" if revoked else "channels.done_removed_unconfirmed"
    return see_other(f"/channels?notice={done}")


# -- publishing ----------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def scheduled_time(publish_at: str, timezone: str, language: str) -> datetime | None:
    """The form's local date and time in the zone it names, as an aware time."""
    if not publish_at.strip():
        return None
    try:
        zone = ZoneInfo(timezone.strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise _Refused({"timezone": text("publish.timezone_bad", language)}) from None
    try:
        local = datetime.fromisoformat(publish_at.strip())
    except ValueError:
        raise _Refused({"publish_at": text("publish.at_bad", language)}) from None
    return local if local.tzinfo else local.replace(tzinfo=zone)


def _refusal(error: AppError, language: str) -> PublishForm:
    """The service's refusal of a publish, on its field or as the form's problem."""
    if error.field == "publish_at":
        return PublishForm(errors={"publish_at": text("publish.at_past", language)})
    if error.field == "channel_id":
        return PublishForm(errors={"channel_id": text("field.choice", language)})
    if isinstance(error, Conflict):
        if "disconnected" in error.detail:
            return PublishForm(problem=text("publish.refused_channel", language))
        if "channel first" in error.detail:
            return PublishForm(problem=text("publish.no_channel", language))
        return PublishForm(problem=text("publish.refused_not_ready", language))
    return PublishForm(problem=problem_text(error, language))


@router.post("/contents/{content_id}/publish")
def publish(
    content_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    channel_id: Field = "",
    privacy: Field = "private",
    publish_at: Field = "",
    timezone: Field = "",
    made_for_kids: Field = "",
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    language = visit.language
    try:
        content = ContentRepository(session).owned(user.id, uuid.UUID(content_id))
    except ValueError:
        content = None
    if content is None:
        return not_found(request, visit)
    values = {"channel_id": channel_id, "privacy": privacy, "publish_at": publish_at,
              "timezone": timezone, "made_for_kids": made_for_kids,
              "timezone_given": "1"}  # fmt: skip
    form: PublishForm | None = None
    try:
        data = PublishRequest.model_validate({
            "channel_id": channel_id or None, "privacy": privacy,
            "publish_at": scheduled_time(publish_at, timezone, language),
            "made_for_kids": bool(made_for_kids),
        })  # fmt: skip
        publishing.request_publish(session, runtime, user, content.id, data)
    except _Refused as bad:
        form = PublishForm(errors=bad.errors)
    except ValidationError as error:
        form = PublishForm(errors=validation_errors(error, language))
    except (Invalid, Conflict, NotFound) as error:
        form = _refusal(error, language)
    if form is not None:
        session.rollback()
        form.values = values
        return render_content(request, visit, session, runtime, user, content, status=422,
                              form=form)  # fmt: skip
    return see_other(f"/contents/{content.id}?notice=publish.started")


@router.get("/contents/{content_id}/publications")
def publications_state(
    content_id: str, request: Request, visit: VisitDep, session: SessionDep
) -> Response:
    """For the page's script: whether what the page shows of its publications is still
    so (it reloads when the state differs)."""
    user = signed_in(request, visit)
    try:
        content = ContentRepository(session).owned(user.id, uuid.UUID(content_id))
    except ValueError:
        content = None
    if content is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    shown = publications_of(session, user, content)
    return JSONResponse({"state": live_state(shown)}, headers={"cache-control": "no-store"})
