"""The storyboard: a video's script as scene cards to edit, reorder, delete and add to,
then made again (`contents/service.py` `edit_script`, what PUT /contents/{id}/script
calls; only what changed is made again).

Without script, moving a scene is a button that posts the form and gets it back in the
new order (nothing is saved until "Save"); `static/storyboard.js` moves the card in the
page instead."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from autoclip.errors import InputError
from autoclip.service.auth.callers import Caller
from autoclip.service.contents import service
from autoclip.service.contents.schemas import ScriptEdit
from autoclip.service.contents.service import EDITABLE
from autoclip.service.deps import RuntimeDep, SessionDep
from autoclip.service.problems import AppError, NotFound
from autoclip.service.studio.forms import field_message, input_error, problem_text
from autoclip.service.studio.render import page
from autoclip.service.studio.session import Visitor
from autoclip.service.studio.web import VisitDep, form_refused, not_found, see_other, signed_in

router = APIRouter()
Field = Annotated[str, Form()]
Fields = Annotated[list[str], Form()]


def _scene(values: dict[str, Any], slot: str = "") -> dict[str, str]:
    return {
        "slot": slot,
        "narration": values.get("narration", ""),
        "on_screen_text": values.get("on_screen_text", ""),
        "visual": values.get("visual", ""),
        "keywords": ", ".join(values.get("keywords", [])),
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


def _show(
    request: Request,
    visit: Visitor,
    content: Any,
    board: dict[str, Any],
    errors: dict[str, str] | None = None,
    problem: str = "",
    status: int = 200,
) -> Response:
    return page(request, visit, "storyboard.html", status=status, content=content, board=board,
                errors=errors or {}, problem=problem)  # fmt: skip


@router.get("/contents/{content_id}/storyboard")
def storyboard_page(
    content_id: str, request: Request, visit: VisitDep, session: SessionDep
) -> Response:
    user = signed_in(request, visit)
    content = _editable(session, user, content_id)
    if content is None:
        return not_found(request, visit)
    return _show(request, visit, content, _board_of(content.script, content.title or ""))


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
    if not (count == len(on_screen_text) == len(visual) == len(keywords) == len(slot) + 2):
        return _show(request, visit, content, _board_of(content.script, content.title or ""),
                     status=400)  # fmt: skip
    cards = [
        {"slot": s, "narration": n, "on_screen_text": o, "visual": v, "keywords": k}
        for s, n, o, v, k in zip(
            ["hook", *slot, "cta"], narration, on_screen_text, visual, keywords, strict=True
        )
    ]
    body = [
        card for card in cards[1:-1]
        if card["slot"] not in remove and (card["slot"] != "new" or card["narration"].strip())
    ]  # fmt: skip
    for number, card in enumerate(body):
        card["slot"] = str(number)  # the new scene, once written, is one like the others
    board = {"title": title, "description": description, "hashtags": hashtags,
             "hook": cards[0], "scenes": body, "cta": cards[-1]}  # fmt: skip
    if move:
        return _show(request, visit, content, _moved(board, move))
    language = visit.language
    try:
        edit = ScriptEdit.model_validate(_edit_of(board))
        service.edit_script(session, runtime.jobs, user, content.id, edit)
    except ValidationError as error:
        return _show(request, visit, content, board, _card_errors(error, language), status=422)
    except InputError as error:
        return _show(request, visit, content, board, input_error(error, language), status=422)
    except AppError as error:
        session.rollback()
        return _show(request, visit, content, board, problem=problem_text(error, language),
                     status=error.status)  # fmt: skip
    return see_other(f"/contents/{content.id}")


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
