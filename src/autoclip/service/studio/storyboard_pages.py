"""The storyboard: a video's script as scene cards to edit, reorder, delete and add to,
then made again (`contents/service.py` `edit_script`, what PUT /contents/{id}/script
calls; only what changed is made again).

Without script, moving a scene is a button that posts the form and gets it back in the
new order (nothing is saved until "Save"); `static/storyboard.js` moves the card in the
page instead."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from autoclip.errors import InputError
from autoclip.service.auth.callers import Caller
from autoclip.service.contents import service
from autoclip.service.contents.schemas import ScriptEdit
from autoclip.service.contents.service import EDITABLE
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.files.links import download_url
from autoclip.service.media import service as media_service
from autoclip.service.media.repository import MediaRepository
from autoclip.service.media.service import PICTURE_KINDS
from autoclip.service.problems import AppError, NotFound
from autoclip.service.studio.forms import field_message, input_error, problem_text
from autoclip.service.studio.media_pages import media_refusal
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in

router = APIRouter()
FILE_FIELD = "picture_file_"
Field = Annotated[str, Form()]
Fields = Annotated[list[str], Form()]


def _scene(values: dict[str, Any], slot: str = "") -> dict[str, str]:
    return {
        "slot": slot,
        "narration": values.get("narration", ""),
        "on_screen_text": values.get("on_screen_text", ""),
        "visual": values.get("visual", ""),
        "keywords": ", ".join(values.get("keywords", [])),
        "picture": values.get("picture_id") or "",
    }


def _board_of(script: dict[str, Any], title: str) -> dict[str, Any]:
    """The stored script as the form shows it."""
    return {
        "title": script.get("title") or title,
        "description": script.get("description", ""),
        "hashtags": " ".join(script.get("hashtags", [])),
        "hook": _scene(script["hook"]),
        "scenes": [_scene(s, str(n)) for n, s in enumerate(script["scenes"])],
        "cta": _scene(script["cta"]),
    }


def _editable(session: SessionDep, user: Caller, content_id: str) -> Any:
    try:
        content = service.get_content(session, user, uuid.UUID(content_id))
    except (ValueError, NotFound):
        return None
    return content if content.status in EDITABLE and content.script else None


def _pictures(session: SessionDep, runtime: RuntimeDep, user: Caller) -> dict[str, Any]:
    """The owner's images and clips a scene may show, by id, with a link to each."""
    rows = MediaRepository(session).of_kinds(user.id, PICTURE_KINDS)
    return {
        str(row.id): {"name": row.name, "kind": row.kind.value,
                      "url": download_url(runtime, row.key)}
        for row in rows
    }  # fmt: skip


def _show(
    request: Request,
    visit: Visitor,
    session: SessionDep,
    runtime: RuntimeDep,
    content: Any,
    board: dict[str, Any],
    errors: dict[str, str] | None = None,
    problem: str = "",
    status: int = 200,
) -> Response:
    pictures = _pictures(session, runtime, signed_in(request, visit))
    max_mb = runtime.settings.media.max_bytes // 2**20
    return page(request, visit, "storyboard.html", status=status, content=content, board=board,
                errors=errors or {}, problem=problem, pictures=pictures,
                max_mb=max_mb)  # fmt: skip


@router.get("/contents/{content_id}/storyboard")
def storyboard_page(
    content_id: str, request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    user = signed_in(request, visit)
    content = _editable(session, user, content_id)
    if content is None:
        return not_found(request, visit)
    return _show(
        request, visit, session, runtime, content, _board_of(content.script, content.title or "")
    )


async def _card_files(request: Request) -> dict[str, UploadFile]:
    """The files chosen on the cards, by the card's slot (`picture_file_<slot>`): a form's
    list of files would drop the cards where none was chosen, and lose which is whose."""
    form = await request.form()
    return {
        name.removeprefix(FILE_FIELD): value
        for name, value in form.multi_items()
        if name.startswith(FILE_FIELD) and isinstance(value, UploadFile) and value.filename
    }


def _words(value: str) -> list[str]:
    return [word.strip() for word in value.split(",") if word.strip()]


def _edit_of(board: dict[str, Any]) -> dict[str, Any]:
    """The form's board as the API's body (PUT /contents/{id}/script)."""

    def scene(card: dict[str, str]) -> dict[str, Any]:
        return {
            "narration": card["narration"].strip(),
            "on_screen_text": card["on_screen_text"].strip(),
            "visual": card["visual"],
            "keywords": _words(card["keywords"]),
            "picture_id": card["picture"] or None,
        }

    return {
        "title": board["title"].strip(),
        "description": board["description"],
        "hashtags": board["hashtags"].split(),
        "hook": scene(board["hook"]),
        "scenes": [scene(card) for card in board["scenes"]],
        "cta": scene(board["cta"]),
    }


def _card_errors(error: ValidationError, language: str) -> dict[str, str]:
    """Errors by card and field ("scenes.2.narration", "hook.narration", "title")."""
    found: dict[str, str] = {}
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()))
        found.setdefault(where, field_message(item, language))
    return found


@router.post("/contents/{content_id}/storyboard")
def save_storyboard(
    content_id: str,
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    title: Field = "",
    description: Field = "",
    hashtags: Field = "",
    slot: Fields = [],  # noqa: B006 # FastAPI copies a form default; it is never mutated
    narration: Fields = [],  # noqa: B006
    on_screen_text: Fields = [],  # noqa: B006
    visual: Fields = [],  # noqa: B006
    keywords: Fields = [],  # noqa: B006
    remove: Fields = [],  # noqa: B006
    picture: Fields = [],  # noqa: B006
    files: dict[str, UploadFile] = Depends(_card_files),  # noqa: B008
    move: Field = "",
    csrf: Field = "",
) -> Response:
    user = signed_in(request, visit)
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    content = _editable(session, user, content_id)
    if content is None:
        return not_found(request, visit)
    # The cards in the order the page sent them: the hook, the body scenes (each with its
    # slot; the last, new one with an empty slot), the call to action.
    count = len(narration)
    picture = picture or [""] * count
    if not (count == len(on_screen_text) == len(visual) == len(keywords) == len(slot) + 2
            == len(picture)):  # fmt: skip
        original = _board_of(content.script, content.title or "")
        return _show(request, visit, session, runtime, content, original, status=400)
    cards = [
        {"slot": s, "narration": n, "on_screen_text": o, "visual": v, "keywords": k, "picture": p}
        for s, n, o, v, k, p in zip(
            ["hook", *slot, "cta"],
            narration,
            on_screen_text,
            visual,
            keywords,
            picture,
            strict=True,
        )
    ]
    where = ["hook", *(f"scenes.{n}" for n in range(count - 2)), "cta"]
    upload_errors = _uploaded(session, runtime, user, cards, files, where, visit.language)
    body = [
        card for card in cards[1:-1]
        if card["slot"] not in remove and (card["slot"] != "new" or card["narration"].strip())
    ]  # fmt: skip
    for number, card in enumerate(body):
        card["slot"] = str(number)  # the new scene, once written, is one like the others
    board = {"title": title, "description": description, "hashtags": hashtags,
             "hook": cards[0], "scenes": body, "cta": cards[-1]}  # fmt: skip
    if upload_errors:
        return _show(request, visit, session, runtime, content, board, upload_errors, status=422)
    if move:
        return _show(request, visit, session, runtime, content, _moved(board, move))
    language = visit.language
    try:
        edit = ScriptEdit.model_validate(_edit_of(board))
        service.edit_script(session, runtime.jobs, user, content.id, edit)
    except ValidationError as error:
        return _show(
            request,
            visit,
            session,
            runtime,
            content,
            board,
            _card_errors(error, language),
            status=422,
        )
    except InputError as error:
        return _show(
            request,
            visit,
            session,
            runtime,
            content,
            board,
            input_error(error, language),
            status=422,
        )
    except AppError as error:
        session.rollback()
        if error.field is not None and error.status in (404, 422):  # a scene's picture
            said = problem_text(error, language)
            return _show(
                request,
                visit,
                session,
                runtime,
                content,
                board,
                {error.field: said},
                status=error.status,
            )
        said = problem_text(error, language)
        return _show(request, visit, session, runtime, content, board, problem=said,
                     status=error.status)  # fmt: skip
    return see_other(f"/contents/{content.id}")


def _uploaded(
    session: SessionDep,
    runtime: RuntimeDep,
    user: Caller,
    cards: list[dict[str, str]],
    files: dict[str, UploadFile],
    where: list[str],
    language: str,
) -> dict[str, str]:
    """Each file chosen on a card goes to the owner's library (the media service's rules:
    the type from its bytes, the limits, the quota) and becomes that card's picture.
    Returns the refusals by card ("scenes.0.picture_id")."""
    errors: dict[str, str] = {}
    settings = runtime.settings
    for card, field in zip(cards, where, strict=True):
        file = files.get(card["slot"])
        if file is None:
            continue
        try:
            with session.begin_nested():  # a refused file leaves nothing of itself
                item = media_service.upload(
                    session, runtime.storage, settings.work_dir / "uploads", settings.media,
                    user, file.file, file.filename,
                )  # fmt: skip
        except (AppError, InputError) as error:
            errors[f"{field}.picture_id"] = media_refusal(error, language)
            continue
        card["picture"] = str(item.id)
    return errors


def _moved(board: dict[str, Any], move: str) -> dict[str, Any]:
    """The board with one body scene moved ("3:up", "0:down"); nothing else changes."""
    position, _, direction = move.partition(":")
    scenes = board["scenes"]
    try:
        index = int(position)
    except ValueError:
        return board
    target = index - 1 if direction == "up" else index + 1
    if 0 <= index < len(scenes) and 0 <= target < len(scenes):
        scenes[index], scenes[target] = scenes[target], scenes[index]
        for number, card in enumerate(scenes):
            card["slot"] = str(number)
    return board
