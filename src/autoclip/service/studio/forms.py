"""The API's own validation, said on the form's field in the page's language.

A form's values are validated by the API's request models and refused by its services;
here their errors become a message per field. The kinds of error the models raise are
translated; anything else keeps the API's own words (they name the rule)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from autoclip.errors import InputError
from autoclip.service.problems import AppError, PaymentRequired, TooManyRequests
from autoclip.service.studio.catalog import MESSAGES, text

# The union members' tags, which pydantic puts first in an error's location.
_TAGS = {"topic", "text", "url"}
VALIDATION = "validation-error"  # the problem type of an input's refusal
log = logging.getLogger("autoclip.studio")


def problem_words(kind: str, field: str | None, detail: str, language: str) -> str:
    """An API problem's detail as a page of `language` says it: the catalog's words for
    the problem's type and the field it names ("problem.not-found.picture_id"), else for
    its type alone. English pages keep the API's own sentence (it names the rule). The
    English detail on another language's page is the last resort, and logged: a problem
    the catalog lacks words for."""
    if language == "en":
        return detail
    leaf = (field or "").rsplit(".", 1)[-1]
    keys = [f"problem.{kind}.{leaf}"] if leaf else []
    for key in [*keys, f"problem.{kind}"]:
        if key in MESSAGES:
            return text(key, language)
    log.warning("no %s words for the problem %s (field %s): %s", language, kind, field, detail)
    return detail


def _say(key: str, language: str, **fields: Any) -> str:
    return text(key, language).format(**fields)


def _message(
    kind: str, context: Mapping[str, Any], raw: str, language: str, field: str | None = None
) -> str:
    if kind == "missing":
        return _say("field.required", language)
    if kind in ("string_too_short", "too_short"):
        if context.get("min_length", 1) <= 1:
            return _say("field.required", language)
        return _say("field.too_short", language, min=context.get("min_length", 1))
    if kind in ("string_too_long", "too_long"):
        return _say("field.too_long", language, max=context.get("max_length", ""))
    if kind in ("enum", "literal_error", "union_tag_invalid"):
        return _say("field.choice", language)
    if kind == "value_error" and "email" in raw.lower():
        return _say("field.email", language)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _say("field.whole_number", language)
    if kind == "greater_than_equal":
        return _say("field.at_least", language, min=context.get("ge", ""))
    if kind == "less_than_equal":
        return _say("field.at_most", language, max=context.get("le", ""))
    if kind == "string_pattern_mismatch":
        return _say("field.invalid", language)
    if "control" in raw.lower():
        return _say("field.control", language)
    return problem_words(VALIDATION, field, raw, language)


def whole(value: str) -> int | str:
    """A form's number as a JSON body would hold it: a whole number when it is one; else
    the text, which the API's model refuses on its field."""
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 10 else value


def field_of(location: tuple[Any, ...] | list[Any]) -> str:
    """("text", "options", "voice") -> "voice": the form's field names are flat."""
    parts = [str(p) for p in location if not isinstance(p, int)]
    if len(parts) > 1 and parts[0] in _TAGS:
        parts = parts[1:]
    return parts[-1] if parts else "form"


def field_message(item: Mapping[str, Any], language: str) -> str:
    """One of a validation's errors, in words of `language`."""
    field = field_of(item.get("loc", ()))
    return _message(item["type"], item.get("ctx") or {}, item.get("msg", ""), language, field)


def validation_errors(error: ValidationError, language: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        name = field_of(item.get("loc", ()))
        if name == "url" and item["type"] == "string_pattern_mismatch":
            found[name] = _say("field.url", language)
            continue
        found.setdefault(
            name,
            _message(item["type"], item.get("ctx") or {}, item.get("msg", ""), language, name),
        )
    return found


def input_error(error: InputError, language: str) -> dict[str, str]:
    name = error.field.split(".")[-1]
    if name in ("password", "new_password") and "guess" in error.message:
        return {name: _say("field.weak_password", language)}
    if name == "new_password" and "current password" in error.message:
        return {name: _say("field.same_password", language)}
    if name == "url":
        message = error.message
        return {name: message if language == "en" else f"{_say('field.url', language)}"}
    return {name: _message("", {}, error.message, language, error.field)}


def problem_text(error: AppError, language: str) -> str:
    """A refusal of the API's rules, as a sentence for the top of the form."""
    if isinstance(error, TooManyRequests):
        seconds = error.headers.get("Retry-After", "60")
        return _say("error.rate_limited", language, seconds=seconds)
    if isinstance(error, PaymentRequired):
        return _say("error.out_of_credits", language)
    if error.status == 503:
        return _say("error.unavailable", language)
    said = problem_words(error.type_slug, error.field, error.detail, language)
    if error.status == 409:
        return _say("error.conflict", language, detail=said)
    return said if language != "en" else _say("error.generic", language, detail=said)
