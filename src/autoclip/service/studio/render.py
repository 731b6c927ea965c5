"""The studio's templates: Jinja2 with autoescape on (user text is never markup), strict
about undefined names, and the catalog as `t(key, **fields)`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from autoclip.service.studio.catalog import MESSAGES, text
from autoclip.service.studio.reasons import in_words, publication_in_words
from autoclip.service.studio.session import Visitor

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_URL = "/static"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["static"] = static_url
    return environment


@cache
def static_url(name: str) -> str:
    """The file's URL with a hash of its bytes: cached for a year, changed when it is."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"{STATIC_URL}/{name}?v={digest}"


def page(
    request: Request,
    visit: Visitor,
    template: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    language = visit.language

    def t(key: str, **fields: Any) -> str:
        message = text(key, language)
        return message.format(**fields) if fields else message

    def known(key: str, fallback: str) -> str:
        """The catalog's words for a value (a stage, a flag, a plan), else the value."""
        return t(key) if key in MESSAGES else fallback

    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.strftime("%Y-%m-%d %H:%M") + " UTC"

    def reason(message: str) -> str | None:
        return in_words(message, language)

    def publication_reason(message: str) -> str | None:
        return publication_in_words(message, language)

    values: Mapping[str, Any] = {
        "reason": reason,
        "publication_reason": publication_reason,
        "t": t,
        "when": when,
        "known": known,
        "lang": language,
        "user": visit.user,
        "form_token": visit.form_token,
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    }
    html = _environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    response.headers["content-language"] = language
    response.headers["vary"] = "Accept-Language, Cookie"
    return visit.remember(response)
