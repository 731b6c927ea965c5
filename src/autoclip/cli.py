"""The `autoclip` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError

from autoclip.errors import AutoclipError, ConfigurationError, InputError, MediaError
from autoclip.kit.storage import LocalStorage
from autoclip.looks.bookends import cli_bookend
from autoclip.looks.brand import LogoPosition, local_brand
from autoclip.looks.look import cli_look
from autoclip.options import Aspect, GenerateOptions, Language, Length, Tone, Vertical
from autoclip.pipeline.chains import ProviderChoice, Providers
from autoclip.pipeline.engine import Engine, GenerateRequest, GenerateResult
from autoclip.pipeline.progress import ProgressListener, SilentProgress, Stage
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.writing.base import TOPIC_NEEDS_MODEL, SourceMaterial
from autoclip.script.limits import MAX_SCRIPT_BYTES, check_limits
from autoclip.script.model import Script
from autoclip.settings import Settings
from autoclip.source.loader import fetch_url, load_text_file

app = typer.Typer(
    name="autoclip",
    help="AutoClip: turn a text, a web page or a topic into a narrated short video.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
E = TypeVar("E", bound=StrEnum)
STAGE_LABELS = {
    Stage.SCRIPT: "Writing the script",
    Stage.SAFETY: "Checking the script",
    Stage.NARRATION: "Narrating scenes",
    Stage.VISUALS: "Making scene visuals",
    Stage.CAPTIONS: "Timing captions",
    Stage.RENDER: "Rendering video",
    Stage.THUMBNAIL: "Drawing the thumbnail",
    Stage.PUBLISH: "Saving outputs",
}


@app.callback()
def _root() -> None:
    """Keeps `generate` a subcommand even while it is the only one."""


def _choice(enum: type[E], field: str, value: str | None) -> E | None:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise InputError(field, f"unknown value {value!r} (choose from {choices})") from None


class RichProgress:
    """A line per stage with a bar; reused stages say so."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            TextColumn("{task.fields[note]:>18}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._tasks: dict[Stage, TaskID] = {}
        self._started = False

    def __enter__(self) -> RichProgress:
        # The display starts with the first stage, so an input error found before any work
        # (bad --music, --assets) leaves stderr as its one `error:` line.
        return self

    def __exit__(self, *_: object) -> None:
        if self._started:
            self._progress.stop()

    def stage_started(self, stage: Stage, total: float) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
        self._tasks[stage] = self._progress.add_task(
            STAGE_LABELS[stage], total=max(total, 1e-6), note=""
        )

    def stage_advanced(self, stage: Stage, done: float) -> None:
        task = self._tasks[stage]
        note = f"{done:.1f} s" if stage is Stage.RENDER else f"{done:g}"
        self._progress.update(task, completed=done, note=note)

    def stage_finished(self, stage: Stage, seconds: float, reused: bool) -> None:
        task = self._tasks[stage]
        total = self._progress.tasks[task].total or 1
        note = "reused" if reused else f"{seconds:.1f} s"
        self._progress.update(task, completed=total, note=note)


def _source(
    text: Path | None, url: str | None, topic: str | None, settings: Settings
) -> SourceMaterial:
    given = [name for name, value in (("text", text), ("url", url), ("topic", topic)) if value]
    if len(given) != 1:
        raise InputError("source", "give exactly one of --text FILE, --url URL, --topic TEXT")
    if text is not None:
        return load_text_file(text)
    if url is not None:
        return fetch_url(url, settings.outbound_policy(), settings.fetch_deadline_s)
    assert topic is not None
    if not topic.strip():
        raise InputError("topic", "is empty")
    return SourceMaterial(topic=topic.strip())


@app.command()
def generate(
    text: Annotated[Path | None, typer.Option(help="A UTF-8 (or EUC-KR) text file.")] = None,
    url: Annotated[str | None, typer.Option(help="A web page to turn into a video.")] = None,
    topic: Annotated[str | None, typer.Option(help="A topic (needs a language model).")] = None,
    language: Annotated[str, typer.Option(help="ko or en.")] = "ko",
    vertical: Annotated[
        str, typer.Option(help="senior_health, finance, tech, history or commerce.")
    ] = "tech",
    tone: Annotated[str, typer.Option(help="professional, casual, urgent or storytelling.")] = (
        "professional"
    ),
    length: Annotated[str, typer.Option(help="short (<=60 s), mid (1-5 min), long.")] = "short",
    aspect: Annotated[str, typer.Option(help="9:16, 16:9 or 1:1.")] = "9:16",
    voice: Annotated[str | None, typer.Option(help="A voice name or a Piper .onnx.")] = None,
    music: Annotated[Path | None, typer.Option(help="Background music, ducked.")] = None,
    narration_audio: Annotated[
        Path | None,
        typer.Option(
            help="Your own recording of the whole script (WAV, MP3, M4A...), used as the "
            "narration instead of a voice."
        ),
    ] = None,
    assets: Annotated[Path | None, typer.Option(help="A folder of your images/clips.")] = None,
    script: Annotated[
        Path | None, typer.Option(help="An edited script.json to render instead.")
    ] = None,
    draft: Annotated[bool, typer.Option(help="Fast 720p preview.")] = False,
    caption_style: Annotated[
        str | None,
        typer.Option(help="classic, bold_outline, boxed, karaoke, pop or news."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            help="calm_health, money_news, tech_pop, story_karaoke, deal_bold, "
            "or a template JSON file."
        ),
    ] = None,
    logo: Annotated[Path | None, typer.Option(help="Brand logo (PNG/JPEG/WebP).")] = None,
    logo_position: Annotated[
        str, typer.Option(help="top_left, top_right, bottom_left or bottom_right.")
    ] = "top_right",
    logo_size: Annotated[float, typer.Option(help="Logo width / frame width.")] = 0.16,
    logo_opacity: Annotated[float, typer.Option(help="0.1 to 1.")] = 0.85,
    font: Annotated[Path | None, typer.Option(help="Caption font (OTF/TTF).")] = None,
    highlight_colour: Annotated[
        str | None, typer.Option(help="Caption highlight, #RRGGBB.")
    ] = None,
    accent_colour: Annotated[str | None, typer.Option(help="Card accent, #RRGGBB.")] = None,
    music_level: Annotated[
        float, typer.Option(help="Music bed level under the voice, dB.")
    ] = -16.0,
    intro: Annotated[Path | None, typer.Option(help="Intro clip (MP4/MOV/WebM, <=10 s).")] = None,
    intro_card: Annotated[
        str | None, typer.Option(help="Intro card text (the channel's name; may be empty).")
    ] = None,
    intro_seconds: Annotated[float, typer.Option(help="Intro card length, 1-3 s.")] = 2.0,
    outro: Annotated[Path | None, typer.Option(help="Outro clip (MP4/MOV/WebM, <=10 s).")] = None,
    outro_card: Annotated[str | None, typer.Option(help="Outro card text (may be empty).")] = None,
    outro_seconds: Annotated[float, typer.Option(help="Outro card length, 1-3 s.")] = 2.0,
    writer: Annotated[
        str | None, typer.Option(help="Script writer chain: offline, gemini, openai.")
    ] = None,
    narrator: Annotated[
        str | None, typer.Option(help="Narrator chain: piper, espeak, elevenlabs, openai.")
    ] = None,
    visuals: Annotated[
        str | None, typer.Option(help="Visual chain: cards, library, gemini, pexels.")
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(help="Most to spend on paid providers, in USD (default: configured)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Storage root (default: data dir).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Make a narrated short video from a text file, a web page or a topic."""
    settings = Settings()
    options = GenerateOptions(
        language=_choice(Language, "language", language) or Language.KO,
        vertical=_choice(Vertical, "vertical", vertical) or Vertical.TECH,
        tone=_choice(Tone, "tone", tone) or Tone.PROFESSIONAL,
        length=_choice(Length, "length", length) or Length.SHORT,
        aspect=_choice(Aspect, "aspect", aspect) or Aspect.VERTICAL,
        voice=voice,
        draft=draft,
    )
    if budget is not None and budget < 0:
        raise InputError("budget", "must not be negative")
    if out is not None:
        _check_storage_root(out)
    choice = ProviderChoice.parse(writer, narrator, visuals)
    providers = Providers(
        settings,
        choice,
        UsageMeter(budget_usd=budget if budget is not None else settings.content_budget_usd),
    )
    edited = _load_script(script) if script is not None else None
    if edited is None:
        source = _source(text, url, topic, settings)
        if source.text is None and not providers.takes_topics():
            # Fail before any work: the offline writer cannot invent a script from a topic.
            raise ConfigurationError(TOPIC_NEEDS_MODEL)
    else:
        # The edited script is the whole input; no writer runs.
        source = SourceMaterial(origin=str(script))
    brand = local_brand(
        logo=logo,
        logo_position=_choice(LogoPosition, "logo_position", logo_position)
        or LogoPosition.TOP_RIGHT,
        logo_size=logo_size,
        logo_opacity=logo_opacity,
        primary_colour=highlight_colour,
        accent_colour=accent_colour,
        font=font,
        language=edited.language if edited else options.language,
        music_level_db=music_level,
        intro=cli_bookend(intro, intro_card, intro_seconds, "intro"),
        outro=cli_bookend(outro, outro_card, outro_seconds, "outro"),
    )
    look = cli_look(template, caption_style, brand)
    pictures = _script_pictures(edited, script) if edited is not None and script else {}
    request = GenerateRequest(
        source, options, music=music, assets=assets, script=edited, look=look,
        narration_audio=narration_audio, pictures=pictures,
    )  # fmt: skip
    storage = LocalStorage(out or settings.data_dir)
    console = Console(stderr=True)
    if as_json:
        result = _run(storage, providers, request, SilentProgress(), settings)
        sys.stdout.write(json.dumps(_summary(result), ensure_ascii=False) + "\n")
        return
    with RichProgress(console) as progress:
        result = _run(storage, providers, request, progress, settings)
    for flag in result.safety.flags:
        console.print(f"[yellow]Flagged[/] {flag.category}: {flag.sentence}")
    if result.safety.disclaimer:
        console.print(f"[yellow]Disclaimer added[/]: {result.safety.disclaimer}")
    served = ", ".join(f"{stage} by {who}" for stage, who in _served_summary(result).items())
    console.print(f"[bold green]Done[/]: {result.outputs['video']} ({result.duration_s:.1f} s)")
    console.print(f"{served}; estimated provider cost ${result.usage_usd:.4f}")


@app.command()
def batch(
    file: Annotated[Path, typer.Argument(help="One JSON content a line, as the API takes it.")],
    out: Annotated[Path | None, typer.Option(help="Storage root (default: data dir).")] = None,
    results: Annotated[
        Path | None,
        typer.Option(help="Where each line's result goes (default: FILE.results.jsonl)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Make a video of each line of a JSON-lines file, one after another, offline.

    A line that fails says why and the others go on; the exit status is 1 if any failed."""
    from autoclip.batch import LineResult, run_batch

    settings = Settings()
    if out is not None:
        _check_storage_root(out)
    storage = LocalStorage(out or settings.data_dir)
    target = results or file.with_name(file.name + ".results.jsonl")
    console = Console(stderr=True)
    with target.open("w", encoding="utf-8") as sink:

        def report(result: LineResult) -> None:
            sink.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
            sink.flush()
            note = result.video if result.status == "ready" else result.error
            console.print(
                f"line {result.line}: {result.status}: {note}", markup=False, soft_wrap=True
            )

        made = run_batch(file, settings, storage, report)
    summary = {
        "total": len(made),
        "ready": sum(1 for r in made if r.status == "ready"),
        "failed": sum(1 for r in made if r.status == "failed"),
        "results": str(target),
    }
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        console.print(
            f"{summary['ready']} of {summary['total']} ready, {summary['failed']} failed; "
            f"results in {target}",
            markup=False,
            soft_wrap=True,
        )
    if summary["failed"]:
        raise typer.Exit(1)


def _served_summary(result: GenerateResult) -> dict[str, str]:
    """Who served each stage, with visuals counted: {"visuals": "pexels x5, cards x2"}."""
    summary: dict[str, str] = {}
    for stage, who in result.served.items():
        if stage == "attributions":
            continue
        if isinstance(who, list):
            counts = {name: who.count(name) for name in dict.fromkeys(who)}
            summary[stage] = ", ".join(f"{name} x{count}" for name, count in counts.items())
        else:
            summary[stage] = str(who)
    return summary


def _run(
    storage: LocalStorage,
    providers: Providers,
    request: GenerateRequest,
    progress: ProgressListener,
    settings: Settings,
) -> GenerateResult:
    with providers:
        engine = Engine(
            storage,
            providers,
            progress,
            render_timeout=settings.render_timeout_s,
            work_dir=storage.temp_root,
        )
        return engine.generate(request)


def _check_storage_root(root: Path) -> None:
    """Refuse a root that a file stands in the way of (the root itself or a folder above).

    Checked before any work (a URL fetched, a stage started): otherwise the first write
    into the storage ends the run with a NotADirectoryError traceback.
    """
    for path in (root, *root.absolute().parents):
        if path.is_dir():
            return
        if path.exists() or path.is_symlink():  # a file, a device, or a broken link
            where = "is" if path == root else f"is inside {path}, which is"
            raise InputError("out", f"{root} {where} not a folder")


def _script_pictures(edited: Script, script_file: Path) -> dict[str, Path]:
    """A scene's `picture_id` in an edited script is a file's path, relative to the
    script file's folder (the engine says which scene names one that is missing)."""
    folder = script_file.parent
    named = (scene.picture_id for _, scene in edited.timeline() if scene.picture_id)
    return {name: folder / name for name in named}


def _load_script(path: Path) -> Script:
    if not path.is_file():
        raise InputError("script", f"file not found: {path}")
    try:
        with path.open("rb") as file:
            # One byte over the cap tells a file that is too large, without reading it all.
            data = file.read(MAX_SCRIPT_BYTES + 1)
    except OSError as error:
        raise InputError("script", f"cannot be read: {error.strerror}") from None
    if len(data) > MAX_SCRIPT_BYTES:
        raise InputError("script", f"is larger than {MAX_SCRIPT_BYTES // 1024} KB")
    try:
        edited = Script.model_validate_json(data.decode("utf-8"))
    except ValueError as error:
        first = str(error).splitlines()
        raise InputError("script", f"is not a valid script.json ({' '.join(first[:3])})") from None
    check_limits(edited)
    return edited


def _summary(result: GenerateResult) -> dict[str, object]:
    return {
        "content_id": result.content_id,
        "title": result.script.title,
        "outputs": result.outputs,
        "duration_s": result.duration_s,
        "timings_s": result.timings,
        "reused": result.reused,
        "served": result.served,
        "safety": result.safety.model_dump(mode="json"),
        "usage_usd": result.usage_usd,
    }


def _service_commands() -> None:
    from autoclip.service import cli as service_cli
    from autoclip.service.ops.backup import cli as backup_cli

    app.command()(service_cli.serve)
    app.command()(service_cli.worker)
    app.command()(service_cli.mcp)
    app.add_typer(service_cli.db_app, name="db")
    app.add_typer(service_cli.config_app, name="config")
    app.add_typer(service_cli.queue_app, name="queue")
    app.add_typer(service_cli.storage_app, name="storage")
    app.add_typer(service_cli.keys_app, name="keys")
    app.add_typer(service_cli.admin_app, name="admin")
    app.add_typer(service_cli.youtube_app, name="youtube")
    app.command()(backup_cli.backup)
    app.command()(backup_cli.restore)


_service_commands()


def main() -> None:
    """Entry point: every failure ends with one line on stderr and a non-zero exit."""
    try:
        # Without standalone mode, click hands a command's typer.Exit back as the code.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)
    except typer.TyperException as error:  # usage errors: unknown option, missing value
        sys.stderr.write(f"error: {error.format_message()}\n")
        sys.exit(2)
    except InputError as error:
        sys.stderr.write(f"error: {error.field}: {error.message}\n")
        sys.exit(2)
    except MediaError as error:
        # the tool's own last words say why; the full tail is kept for logs and jobs
        last = error.stderr_tail.strip().splitlines()[-1:] or [""]
        sys.stderr.write(f"error: {error.message}: {last[0]}\n".replace(": \n", "\n"))
        sys.exit(1)
    except AutoclipError as error:
        sys.stderr.write(f"error: {str(error).splitlines()[0]}\n")
        sys.exit(1)
    except SQLAlchemyError as error:  # the service commands: a database that is not there
        cause = getattr(error, "orig", None) or error
        sys.stderr.write(f"error: database: {str(cause).splitlines()[0]}\n")
        sys.exit(1)
