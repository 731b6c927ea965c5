"""`autoclip serve`, `autoclip worker`, `autoclip db upgrade`, `autoclip config show`."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import signal
import socket
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from autoclip.errors import ConfigurationError, InputError
from autoclip.kit.private import make_private_dir
from autoclip.service.jobs.names import CONTENT_QUEUE, RENDER_QUEUE
from autoclip.settings import RETIRED_SECRETS_FILE, SECRET_FILE, Settings, write_private

# The service's modules (SQLAlchemy, Alembic, Dramatiq, FastAPI) are imported inside the
# commands that need them, so `autoclip generate` does not pay for them at start-up.

if TYPE_CHECKING:
    from autoclip.service.runtime import Runtime

db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
config_app = typer.Typer(help="Settings.", no_args_is_help=True)


def ensure_schema(settings: Settings) -> None:
    """Embedded mode migrates its own SQLite file; a shared database is migrated on purpose."""
    from autoclip.service.db import Database
    from autoclip.service.migrate import is_current, upgrade

    if settings.database_url is None:
        make_private_dir(settings.data_dir)  # 0700 when made here; see kit/private.py
    db = Database(
        settings.effective_database_url(),
        connect_timeout_s=settings.database_connect_timeout_s,
    )
    try:
        if is_current(db):
            return
        if db.is_sqlite:
            make_private_dir(settings.data_dir)
            upgrade(db)
            return
        raise ConfigurationError(
            "the database schema is not up to date: run `autoclip db upgrade` first"
        )
    finally:
        db.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations (SQLite and PostgreSQL alike)."""
    from autoclip.service.db import Database
    from autoclip.service.migrate import upgrade

    settings = Settings()
    make_private_dir(settings.data_dir)
    db = Database(
        settings.effective_database_url(),
        connect_timeout_s=settings.database_connect_timeout_s,
    )
    try:
        upgrade(db, revision)
    finally:
        db.dispose()
    typer.echo(f"database at {settings.masked()['database_url']} is at {revision}")


@config_app.command("show")
def config_show() -> None:
    """The effective settings, secrets masked."""
    typer.echo(json.dumps(Settings().masked(), indent=2, ensure_ascii=False))


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="API processes (distributed mode only: each needs Redis).")
    ] = 1,
) -> None:
    """The API. In embedded mode (no Redis) the worker runs inside it too."""
    import uvicorn

    from autoclip.service.logs import configure_logging

    configure_logging()
    settings = Settings()
    ensure_schema(settings)
    if workers > 1 and not settings.distributed:
        raise ConfigurationError(
            "--workers above 1 needs AUTOCLIP_REDIS_URL (the in-process queue is per process)"
        )
    if settings.distributed and settings.auth.verify_email and not settings.smtp_url:
        logging.getLogger(__name__).warning(
            "no AUTOCLIP_SMTP_URL: sign-up mails go to %s on this machine, where users will "
            "not see them; set a mail server, or confirm users with `autoclip admin verify`",
            settings.outbox_dir,
        )
    uvicorn.run(
        "autoclip.service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        # The app decides whose X-Forwarded-For to believe (AUTOCLIP_TRUSTED_PROXIES);
        # uvicorn's own default believes any local peer.
        proxy_headers=False,
    )


def mcp() -> None:
    """A Model Context Protocol server on stdio, for AI agents: make, follow and publish
    contents as the user of AUTOCLIP_API_KEY, through the API at AUTOCLIP_API_URL."""
    from autoclip.mcp_server import run

    run(Settings())


def worker(
    threads: Annotated[int | None, typer.Option(help="Content-generation threads.")] = None,
    render_threads: Annotated[int | None, typer.Option(help="Render threads.")] = None,
    queues: Annotated[
        str, typer.Option(help=f"Comma-separated: {CONTENT_QUEUE},{RENDER_QUEUE}.")
    ] = f"{CONTENT_QUEUE},{RENDER_QUEUE}",
    metrics_port: Annotated[
        int, typer.Option(help="Serve Prometheus metrics on this port (0: off).")
    ] = 9464,
) -> None:
    """A worker for distributed mode: takes jobs from Redis until SIGTERM or Ctrl-C."""
    from autoclip.service.jobs.worker import WorkerProcess
    from autoclip.service.logs import configure_logging
    from autoclip.service.runtime import build_runtime

    configure_logging()
    settings = Settings()
    if not settings.distributed:
        raise ConfigurationError(
            "`autoclip worker` needs AUTOCLIP_REDIS_URL; embedded mode runs its worker "
            "inside `autoclip serve`"
        )
    chosen = {q.strip() for q in queues.split(",") if q.strip()}
    if not chosen or not chosen <= {CONTENT_QUEUE, RENDER_QUEUE}:
        raise ConfigurationError(f"--queues: choose from {CONTENT_QUEUE}, {RENDER_QUEUE}")
    ensure_schema(settings)
    updates = {"threads": threads, "render_threads": render_threads}
    settings.worker = settings.worker.model_copy(
        update={k: v for k, v in updates.items() if v is not None}
    )
    runtime = build_runtime(settings)
    process = WorkerProcess(runtime, f"{socket.gethostname()}:{os.getpid()}", queues=chosen)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if metrics_port:
        from prometheus_client import start_http_server

        try:
            start_http_server(metrics_port, registry=runtime.registry)
        except OSError as error:
            raise ConfigurationError(
                f"--metrics-port {metrics_port}: {error.strerror}; give each worker on a "
                "machine its own port, or 0 for none"
            ) from None
    process.start()
    stop.wait()
    logging.getLogger("autoclip.worker").info("stopping: finishing the jobs in hand")
    process.stop()
    runtime.close()


queue_app = typer.Typer(
    help="The job queue: what waits, and retrying failures.", no_args_is_help=True
)
storage_app = typer.Typer(help="Object storage and scratch space.", no_args_is_help=True)
keys_app = typer.Typer(help="The signing secret.", no_args_is_help=True)
admin_app = typer.Typer(
    help="Operator accounts; confirming a user's email by hand.", no_args_is_help=True
)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, field: str) -> timedelta:
    """`90s`, `30m`, `24h`, `7d`."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise InputError(field, f"{text!r} is not a duration like 30m, 24h or 7d")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _runtime() -> Runtime:
    from autoclip.service.runtime import build_runtime

    settings = Settings()
    ensure_schema(settings)
    return build_runtime(settings)


@queue_app.command("stats")
def queue_stats_command() -> None:
    """Messages waiting per queue, contents per status, expired leases, the oldest wait."""
    from autoclip.service.ops.service import queue_stats

    runtime = _runtime()
    try:
        typer.echo(json.dumps(queue_stats(runtime), indent=2))
    finally:
        runtime.close()


@queue_app.command("retry-failed")
def queue_retry_failed(
    since: Annotated[str, typer.Option(help="Failed within this long: 30m, 24h, 7d.")] = "24h",
    dry_run: Annotated[bool, typer.Option(help="Only list what would be queued.")] = False,
) -> None:
    """Queue again the contents that failed recently (each takes a credit again)."""
    from autoclip.service.db import utcnow
    from autoclip.service.ops.service import retry_failed

    window = parse_duration(since, "since")
    runtime = _runtime()
    try:
        with runtime.db.session() as session:
            done = retry_failed(session, runtime.jobs, utcnow() - window, dry_run=dry_run)
    finally:
        runtime.close()
    for item in done:
        typer.echo(f"{item.content_id}  {item.outcome}")
    queued = sum(item.outcome == "queued" for item in done)
    typer.echo(f"{len(done)} failed since {since}; {queued} queued again")


@storage_app.command("cleanup-temp")
def storage_cleanup_temp(
    older_than: Annotated[str, typer.Option(help="Age of scratch to remove: 24h, 7d.")] = "24h",
) -> None:
    """Remove old scratch from the local work folder (workers also do this every hour).
    Scratch in S3 (`temp/`) is best expired by a bucket lifecycle rule; see the runbooks."""
    from autoclip.service.ops.service import cleanup_temp

    age = parse_duration(older_than, "older-than")
    settings = Settings()
    removed, freed = cleanup_temp(settings.work_dir, age)
    typer.echo(f"removed {removed} scratch entries older than {older_than} ({freed / 1e6:.1f} MB)")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """A new signing key; the old one stays accepted, so nobody is logged out."""
    settings = Settings()
    new_key = secrets.token_urlsafe(48)
    if settings.secret_key is not None:
        typer.echo(
            "The secret key comes from the environment, so set it there, on every API replica "
            "and worker:\n"
            f"  AUTOCLIP_SECRET_KEY={new_key}\n"
            "  AUTOCLIP_PREVIOUS_SECRET_KEYS='[\"<the current AUTOCLIP_SECRET_KEY>\"]'\n"
            "Roll the deployments; drop the previous key after a day (access tokens live "
            f"{settings.auth.access_token_minutes} minutes, download links an hour)."
        )
        return
    keys = settings.effective_secret_keys()  # creates the key file if there was none
    write_private(settings.data_dir / RETIRED_SECRETS_FILE, "\n".join(keys[:2]) + "\n")
    write_private(settings.data_dir / SECRET_FILE, new_key)
    typer.echo(
        f"rotated the key in {settings.data_dir / SECRET_FILE}; the previous one is still "
        "accepted. Restart `autoclip serve` to sign with the new key."
    )


@keys_app.command("encryption")
def keys_encryption() -> None:
    """A new key for AUTOCLIP_ENCRYPTION_KEY (stored YouTube tokens, webhook secrets)."""
    from autoclip.kit.sealing import new_key

    typer.echo(new_key())
    typer.echo(
        "Set it as AUTOCLIP_ENCRYPTION_KEY on every API replica and worker, and the key it "
        "replaces, if any, in AUTOCLIP_PREVIOUS_ENCRYPTION_KEYS (secrets sealed with the "
        "default key, derived from the secret key, stay readable).",
        err=True,
    )


@admin_app.command("grant")
def admin_grant(
    email: str, revoke: Annotated[bool, typer.Option(help="Take the right away.")] = False
) -> None:
    """Make a user an operator (the /api/v1/admin routes), or stop them being one."""
    from autoclip.service.auth.repository import UserRepository

    runtime = _runtime()
    try:
        with runtime.db.session() as session:
            changed = UserRepository(session).set_admin(email, is_admin=not revoke)
    finally:
        runtime.close()
    if not changed:
        raise InputError("email", f"no user {email!r}")
    typer.echo(f"{email}: {'no longer an operator' if revoke else 'operator'}")


@admin_app.command("verify")
def admin_verify(email: str) -> None:
    """Confirm a user's email by hand (a machine that sends no mail, or a user whose mail
    never came): they can sign in, and get their plan's free credits, once."""
    from autoclip.service.auth.repository import UserRepository
    from autoclip.service.auth.verification import mark_verified

    runtime = _runtime()
    try:
        with runtime.db.session() as session:
            user = UserRepository(session).by_email(email)
            if user is None:
                raise InputError("email", f"no user {email!r}")
            done = mark_verified(session, user)
            balance = user.credit_balance
    finally:
        runtime.close()
    if done:
        typer.echo(f"{email}: email confirmed; {balance} credits")
    else:
        typer.echo(f"{email}: was already confirmed; nothing changed")


youtube_app = typer.Typer(
    help="YouTube: connect a channel without the studio, publish a local video.",
    no_args_is_help=True,
)


def _user_id(runtime: Runtime, email: str) -> uuid.UUID:
    from autoclip.service.auth.repository import UserRepository

    with runtime.db.session(write=False) as session:
        found = UserRepository(session).by_email(email)
        if found is None:
            raise InputError("email", f"no user {email!r}")
        return found.id


@youtube_app.command("connect")
def youtube_connect(
    email: Annotated[str, typer.Option(help="The AutoClip user the channel is for.")],
    redirect_uri: Annotated[
        str,
        typer.Option(
            help="Registered with the OAuth client; nothing needs to listen there: the "
            "browser's address bar is what you paste back."
        ),
    ] = "http://127.0.0.1:8765/",
) -> None:
    """Print the consent page's URL; open it as the channel's owner, then paste the
    address the browser lands on."""
    from autoclip.service.channels import service

    runtime = _runtime()
    try:
        user_id = _user_id(runtime, email)
        url, _, _ = service.start_connect(runtime.settings, runtime.sealer, user_id, redirect_uri)
        typer.echo("Open this address in a browser and allow AutoClip to upload:\n")
        typer.echo(url)
        pasted = typer.prompt("\nThe address the browser landed on")
        with runtime.db.session() as session:
            channel = service.finish_from_redirect(
                session, runtime.settings, runtime.sealer, pasted, user_id
            )
            typer.echo(f"connected {channel.title} ({channel.channel_id}) for {email}")
    finally:
        runtime.close()


@youtube_app.command("publish")
def youtube_publish(
    video: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An MP4 file.")],
    email: Annotated[str, typer.Option(help="Whose connected channel.")],
    title: Annotated[str, typer.Option(help="The video's title (100 characters at most).")],
    description: Annotated[str, typer.Option(help="Its description.")] = "",
    tags: Annotated[str, typer.Option(help="Comma-separated tags (or #hashtags).")] = "",
    privacy: Annotated[str, typer.Option(help="public, unlisted or private.")] = "private",
    language: Annotated[str, typer.Option(help="Its language: ko or en.")] = "ko",
    category: Annotated[str, typer.Option(help="YouTube's category id.")] = "22",
    made_for_kids: Annotated[bool, typer.Option(help="Made for children.")] = False,
) -> None:
    """Upload a finished local video (`autoclip generate`'s) to the user's channel, here
    and now, by the same resumable upload as the service (quota counted)."""
    from autoclip.service.publishing import service
    from autoclip.service.publishing.schemas import Privacy

    if privacy not in {p.value for p in Privacy}:
        raise InputError("privacy", "choose public, unlisted or private")
    if not 0 < len(title) <= 100:
        raise InputError("title", "1 to 100 characters")
    runtime = _runtime()
    try:
        user_id = _user_id(runtime, email)
        with runtime.db.session(write=False) as session:
            channel = service.pick_channel(session, user_id, None)
            session.expunge(channel)
        meta = service.resource(
            title=title,
            description=description,
            tags=[t.strip().lstrip("#") for t in tags.split(",") if t.strip().lstrip("#")],
            category_id=category,
            language=language,
            privacy=Privacy(privacy),
            publish_at=None,
            made_for_kids=made_for_kids,
        )
        done = service.publish_file(runtime, user_id, channel, video, meta)
    finally:
        runtime.close()
    if done.status.value != "published":
        raise ConfigurationError(f"not published: {done.error}")
    typer.echo(f"published: {done.url}")
