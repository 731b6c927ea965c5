"""Every problem the API can refuse a studio form with, said on a Korean page in Korean:
each problem type (every `AppError` the services raise, and an input error) on each field
the studio's forms name, through each path that puts a problem on a page (the form's top,
a field, the media library's refusal, the storyboard's cards). None may show an English
sentence, and none may fall back to the API's English detail (which is logged)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest

from autoclip.errors import InputError
from autoclip.service import app, problems
from autoclip.service.studio.forms import field_message, input_error, problem_text
from autoclip.service.studio.media_pages import media_refusal

# Three words in a row with small Latin letters in each: an English sentence. (Format
# names, "PNG, JPEG, WebP" or "MP4, MOV, WebM", are capitals between Korean words.)
_WORD = r"[A-Za-z]*[a-z]{2}[A-Za-z]*"
ENGLISH = re.compile(rf"{_WORD}[,.]?\s+{_WORD}[,.]?\s+{_WORD}")
# The fields the studio's forms send and the services name in their problems.
FIELDS = (
    None, "file", "url", "text", "topic", "voice", "options.voice", "options.template",
    "options.visuals", "options.music_id", "scenes", "scenes.0.picture_id", "hook.picture_id",
    "email", "password", "new_password", "current_password", "token", "name", "title",
    "project_id", "Idempotency-Key", "generation_type", "code",
)  # fmt: skip
DETAIL = "the library holds 500 files, its most; delete some first"  # an English detail


def _problem_types() -> list[type[problems.AppError]]:
    """Every problem type of the service: the app module imports every domain's."""
    assert callable(app.create_app)
    found: list[type[problems.AppError]] = []
    todo = [problems.AppError]
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo.extend(kind.__subclasses__())
    return found


def _made(kind: type[problems.AppError], field: str | None) -> problems.AppError:
    makers: list[Callable[[], problems.AppError]] = [
        lambda: kind(DETAIL, field=field),
        lambda: kind(DETAIL),
        lambda: kind(),  # type: ignore[call-arg]
    ]
    for made in makers:
        try:
            error = made()
        except TypeError:  # a problem with words of its own (Unauthorized, EmailNotVerified)
            continue
        error.field = field
        return error
    raise AssertionError(f"{kind.__name__} cannot be made")


@pytest.mark.parametrize("field", FIELDS)
def test_no_problem_shows_english_on_a_korean_page(
    field: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="autoclip.studio")
    said: list[str] = []
    for kind in _problem_types():
        error = _made(kind, field)
        said.append(problem_text(error, "ko"))
        said.append(media_refusal(error, "ko"))
    if field is not None:
        said += input_error(InputError(field, DETAIL), "ko").values()
        said.append(media_refusal(InputError(field, DETAIL), "ko"))
        # A request model's own refusal of a kind the studio has no words of its own for.
        location = tuple(field.split("."))
        said.append(field_message({"type": "value_error", "loc": location, "msg": DETAIL}, "ko"))
    for sentence in said:
        assert not ENGLISH.search(sentence), sentence
        assert "500" not in sentence, sentence  # the detail itself is not shown
    assert [r.message for r in caplog.records] == []


def test_english_pages_keep_the_apis_own_words() -> None:
    error = problems.NotFound("no such media item in your library", field="scenes.0.picture_id")
    assert "no such media item in your library" in problem_text(error, "en")


def test_a_problem_without_words_is_logged_and_shown_as_it_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unknown = problems.AppError("short and stout")
    unknown.type_slug = "teapot"  # a type the catalog has no words for
    caplog.set_level(logging.WARNING, logger="autoclip.studio")
    shown = problem_text(unknown, "ko")
    assert "short and stout" in shown
    assert any("teapot" in record.message for record in caplog.records)
