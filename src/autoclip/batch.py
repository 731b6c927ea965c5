"""`autoclip batch FILE.jsonl`: many videos from one file, on this machine, no server.

Each line is one content as `POST /api/v1/contents` takes it (`generation_type` and its
`topic`, `text` or `url`, `language`, `options`). The lines are made one after another
by the same engine as `autoclip generate`; equal inputs share the stage cache. A line
that cannot be read or made fails with its reason and the rest go on. Every line gets a
result (a JSON line in the results file), and the run ends with a summary.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from autoclip.errors import AutoclipError, InputError, MediaError
from autoclip.kit.storage import LocalStorage
from autoclip.kit.text import detect_language
from autoclip.options import Aspect, GenerateOptions, Language, Length, Tone, Vertical
from autoclip.pipeline.chains import ProviderChoice, Providers
from autoclip.pipeline.engine import Engine, GenerateRequest
from autoclip.pipeline.progress import SilentProgress
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.writing.base import TOPIC_NEEDS_MODEL, SourceMaterial
from autoclip.service.contents.schemas import ContentCreate
from autoclip.settings import Settings
from autoclip.source.loader import fetch_url

MAX_LINES = 1000
MAX_LINE_BYTES = 64 * 1024
_LINE: TypeAdapter[Any] = TypeAdapter(ContentCreate)


@dataclass(frozen=True)
class LineResult:
    line: int
    status: str  # ready or failed
    content_id: str | None = None
    title: str | None = None
    video: str | None = None
    duration_s: float | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-blank line; the file itself must be readable."""
    if not path.is_file():
        raise InputError("file", f"not found: {path}")
    with path.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            if number > MAX_LINES:
                raise InputError("file", f"has more than {MAX_LINES} lines")
            if raw.strip():
                yield number, raw.decode("utf-8", errors="replace")


def run_batch(
    path: Path,
    settings: Settings,
    storage: LocalStorage,
    report: Callable[[LineResult], None],
) -> list[LineResult]:
    results = []
    for number, text in read_lines(path):
        result = _one(number, text, settings, storage)
        report(result)
        results.append(result)
    return results


def _one(number: int, text: str, settings: Settings, storage: LocalStorage) -> LineResult:
    if len(text.encode()) > MAX_LINE_BYTES:
        return LineResult(number, "failed", error=f"the line is over {MAX_LINE_BYTES} bytes")
    try:
        item = _LINE.validate_python(json.loads(text))
    except json.JSONDecodeError as error:
        return LineResult(number, "failed", error=f"not JSON: {error.msg}")
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "line"
        return LineResult(number, "failed", error=f"{where}: {first['msg']}")
    given = item.options
    budget = given.budget_usd if given.budget_usd is not None else settings.content_budget_usd
    providers = Providers(
        settings,
        ProviderChoice.parse(given.writer, given.narrator, given.visuals),
        UsageMeter(budget_usd=budget),
    )
    try:
        source = _source(item, settings, providers)
        language = item.language or (
            Language(detect_language(source.text)) if source.text else Language.KO
        )
        options = GenerateOptions(
            language=language,
            vertical=given.vertical or Vertical.TECH,
            tone=given.tone or Tone.PROFESSIONAL,
            length=given.length or Length.SHORT,
            aspect=given.aspect or Aspect.VERTICAL,
            voice=given.voice,
            draft=given.draft,
        )
        with providers:
            engine = Engine(
                storage,
                providers,
                SilentProgress(),
                render_timeout=settings.render_timeout_s,
                work_dir=storage.temp_root,
            )
            made = engine.generate(GenerateRequest(source, options))
    except InputError as error:
        return LineResult(number, "failed", error=f"{error.field}: {error.message}")
    except MediaError as error:
        return LineResult(number, "failed", error=error.message)
    except AutoclipError as error:
        return LineResult(number, "failed", error=str(error).splitlines()[0])
    return LineResult(
        number,
        "ready",
        content_id=made.content_id,
        title=made.script.title,
        video=str(made.outputs["video"]),
        duration_s=round(made.duration_s, 2),
    )


def _source(item: Any, settings: Settings, providers: Providers) -> SourceMaterial:
    kind = item.generation_type
    if kind == "text":
        return SourceMaterial(text=item.text)
    if kind == "url":
        return fetch_url(item.url, settings.outbound_policy(), settings.fetch_deadline_s)
    if not providers.takes_topics():
        raise InputError("topic", TOPIC_NEEDS_MODEL)
    return SourceMaterial(topic=item.topic)
