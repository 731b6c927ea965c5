"""Settings from the environment (`AUTOCLIP_*`).

The mode is nothing but configuration: with no database, Redis or storage URL set,
everything lives under `AUTOCLIP_DATA_DIR` (SQLite, a local folder, an in-process worker);
set `AUTOCLIP_DATABASE_URL`, `AUTOCLIP_REDIS_URL` and `AUTOCLIP_STORAGE_URL` and the same
code runs distributed.

Groups nest with `__`: `AUTOCLIP_WORKER__THREADS`, `AUTOCLIP_ELEVENLABS__STABILITY`. The
provider settings of before the groups keep their flat spelling too
(`AUTOCLIP_ELEVENLABS_STABILITY`, see `providers.config.FLAT_FIELDS`); setting both to
different values is an error. A bad value stops `Settings()` with a `BadSetting` naming
the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from email.utils import parseaddr
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote_plus

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from autoclip.errors import ConfigurationError, InputError
from autoclip.kit.mail import SmtpServer
from autoclip.kit.outbound import OutboundPolicy, parse_networks
from autoclip.kit.private import make_private_dir
from autoclip.kit.storage import S3Limits
from autoclip.providers.chain import parse_chain
from autoclip.providers.config import (
    FLAT_FIELDS,
    GROUPS,
    ClovaConfig,
    ElevenLabsConfig,
    GeminiConfig,
    GoogleTTSConfig,
    OpenAIConfig,
    PexelsConfig,
    ProviderConfig,
)
from autoclip.providers.narration.base import NarratorName
from autoclip.providers.visuals.base import VisualName
from autoclip.providers.writing.base import WriterName

ENV_PREFIX = "AUTOCLIP_"

# The largest legitimate request is a content's text: 50,000 characters, at most 6 bytes
# each once JSON-escaped (\uXXXX), so 300 kB with its options. 1 MiB leaves room; media
# uploads will get their own, larger limit on their own path (service/protection.py).
MAX_REQUEST_BYTES = 1 << 20
MAX_UPLOAD_BYTES = 20 << 20  # a full Hangul font is 4-16 MB


def _empty_is_unset(value: Any) -> Any:
    """`AUTOCLIP_X=` (set, but to nothing) means "no value" for an optional number, as the
    descriptions say ("Empty: no cap"), rather than a parse error."""
    return None if isinstance(value, str) and not value.strip() else value


# An optional number whose environment variable may be set empty to mean "none".
OptionalFloat = Annotated[float | None, BeforeValidator(_empty_is_unset)]


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "autoclip"


class BadSetting(ConfigurationError):
    """A setting from the environment does not parse, or its two spellings disagree. The
    message names the variable."""


def _chain(names: type[StrEnum], value: Any) -> Any:
    """A chain variable ("gemini,offline") as a list of `names`."""
    if not isinstance(value, str | list | tuple):
        return value  # pydantic says what is wrong with it
    try:
        return parse_chain(value, names, "")
    except InputError as error:
        raise PydanticCustomError(
            "provider_chain", "{problem}", {"problem": error.message}
        ) from None


# Shown as it is set: "piper,espeak" (`autoclip config show`).
_AS_SET = PlainSerializer(",".join, return_type=str, when_used="json")
WriterChain = Annotated[
    list[WriterName], NoDecode, BeforeValidator(partial(_chain, WriterName)), _AS_SET
]
NarratorChain = Annotated[
    list[NarratorName], NoDecode, BeforeValidator(partial(_chain, NarratorName)), _AS_SET
]
VisualChain = Annotated[
    list[VisualName], NoDecode, BeforeValidator(partial(_chain, VisualName)), _AS_SET
]


class AuthSettings(BaseModel):
    access_token_minutes: int = Field(default=15, gt=0)
    refresh_token_days: int = Field(default=7, gt=0)
    max_failed_logins: int = Field(
        default=5, gt=0, description="Failed sign-ins from one client for one email, per window."
    )
    lockout_minutes: int = Field(
        default=15, gt=0, description="The window failed sign-ins are counted in."
    )
    failures_per_client: int = Field(
        default=20, gt=0, description="Failed sign-ins from one client, any emails, per window."
    )
    failures_per_account: int = Field(
        default=50,
        gt=0,
        description="Failed sign-ins for one email from all clients per window, past which "
        "each client gets one try.",
    )
    recent_login_minutes: int = Field(
        default=10, gt=0, description="How recent a sign-in must be to create an API key."
    )
    min_password_score: int = Field(
        default=3, ge=0, le=4, description="Least zxcvbn strength score (0-4) a password needs."
    )
    caller_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long an API process trusts what it read of a signed-in user (active, "
        "plan, operator) before reading the row again; 0 reads it on every request.",
    )
    verify_email: bool = Field(
        default=True,
        description="A new account confirms its email (a link sent to it) before it can sign "
        "in or gets the plan's free credits; false: accounts count as verified at sign-up (a "
        "deployment whose operator vouches for every email).",
    )
    verify_link_hours: int = Field(
        default=24, gt=0, le=24 * 14, description="How long a verification link works."
    )
    unverified_days: int = Field(
        default=7,
        gt=0,
        le=365,
        description="An account whose email is still not verified this many days after its "
        "sign-up (or the sign-up that replaced it) is removed, and its email is free again; "
        "never before its last link has expired.",
    )
    verify_url: str = Field(
        default="",
        description="The page a verification link opens, given `?token=`: the studio's "
        "confirm page, which POSTs the token to /api/v1/auth/verify. Default: "
        "PUBLIC_URL + /verify-email.",
    )
    mails_per_address_per_hour: int = Field(
        default=5,
        gt=0,
        description="Sign-up and verification mails sent to one address per hour; past it "
        "they are dropped (logged), so nobody can flood an inbox through the API.",
    )
    resends_per_client_per_hour: int = Field(
        default=10, gt=0, description="POST /auth/verify/resend calls from one client per hour."
    )


class MediaSettings(BaseModel):
    """The media library: what one upload and one user's library may hold."""

    max_bytes: int = Field(
        default=50 * 1024 * 1024, gt=0, description="The largest file one upload may be."
    )
    max_pixels: int = Field(
        default=40_000_000,
        gt=0,
        description="The most pixels an image may have (width × height); Pillow refuses "
        "anything larger before decoding it (a decompression bomb).",
    )
    max_clip_seconds: float = Field(default=120.0, gt=0, description="The longest video clip.")
    max_music_seconds: float = Field(default=600.0, gt=0, description="The longest music file.")
    max_items: int = Field(default=200, gt=0, description="Files one user may keep.")
    max_total_bytes: int = Field(
        default=1024 * 1024 * 1024, gt=0, description="Bytes one user's files may take in all."
    )


class WorkerSettings(BaseModel):
    threads: int = Field(default=2, gt=0, description="Threads for the content-generation queue.")
    render_threads: int = Field(default=1, gt=0, description="Threads for the render queue.")
    lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A job whose worker has not renewed it this long is retaken.",
    )
    reconcile_seconds: float = Field(default=10.0, gt=0)
    requeue_after_seconds: OptionalFloat = Field(
        default=None,
        gt=0,
        description="A queued job whose message has not arrived this long is sent again "
        "(lost between commit and send, or with a killed worker's prefetch). Default: ten "
        "leases. A broker that lost its data or was unreachable is caught sooner: "
        "everything waiting is sent again as soon as it answers.",
    )
    max_attempts: int = Field(default=3, gt=0)
    retry_base_seconds: float = Field(default=5.0, ge=0)
    render_time_limit_seconds: float = Field(default=1800.0, gt=0)


class FactorySettings(BaseModel):
    """Sources and schedules: how often the factory looks, and how it fetches."""

    poll_seconds: float = Field(
        default=15.0, gt=0, description="How often each worker looks for due sources and schedules."
    )
    clock_file: Path | None = Field(
        default=None,
        description="Read the factory's time from this file (ISO 8601 with an offset) "
        "instead of the system clock: for drills and tests that simulate a day.",
    )
    fetch_max_bytes: int = Field(
        default=2 * 2**20, gt=0, description="The largest feed or page a source may answer."
    )
    fetch_deadline_s: float = Field(
        default=20.0, gt=0, le=300, description="The whole fetch of a source."
    )
    pause_after_failures: int = Field(
        default=5, gt=0, description="A source is paused after this many failed fetches in a row."
    )
    max_items_per_fetch: int = Field(
        default=20, gt=0, le=200, description="New items taken from one fetch (the newest)."
    )
    overdue_after_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A schedule whose due time passed this long ago without a run is "
        "overdue (autoclip_schedules_overdue).",
    )


class WebhookSettings(BaseModel):
    retry_schedule: Annotated[list[float], NoDecode] = Field(
        # Standard Webhooks' advice, as Svix sends: at once, then 5 s, 5 min, 30 min, 2 h,
        # 5 h, 10 h and 10 h again, about 28 hours in all.
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0],
        description="Seconds to wait before each retry of a failed delivery, comma-separated "
        "(the first try goes at once); past the last, the delivery has failed for good.",
    )
    timeout_s: float = Field(
        default=15.0, gt=0, le=120, description="The whole of one delivery attempt."
    )
    disable_after_failures: int = Field(
        default=20,
        gt=0,
        description="Failed attempts in a row (any deliveries) after which an endpoint is "
        "disabled; its owner enables it again. A success resets the count.",
    )
    rotation_overlap_hours: float = Field(
        default=24.0,
        ge=0,
        le=24 * 7,
        description="After a secret rotation, how long deliveries carry a signature by the "
        "old secret too, so receivers can switch without losing one.",
    )

    @field_validator("retry_schedule", mode="before")
    @classmethod
    def _schedule_parses(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return [float(part) for part in value.split(",") if part.strip()]
            except ValueError:
                raise ValueError("comma-separated seconds, such as 5,300,1800") from None
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AUTOCLIP_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
        # A bad setting's error must not print its value: URLs carry passwords.
        hide_input_in_errors=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    script_writer: WriterChain = Field(
        default_factory=lambda: [WriterName.OFFLINE],
        description="Who writes scripts: offline (text and URL input only), gemini, openai, "
        "or a comma-separated fallback chain such as gemini,openai,offline.",
    )
    narrator: NarratorChain = Field(
        default_factory=lambda: [NarratorName.PIPER, NarratorName.ESPEAK],
        description="Who narrates: piper (English), espeak (Korean and English), elevenlabs, "
        "openai, google, gemini, clova, or a comma-separated fallback chain such as "
        "google,elevenlabs,espeak.",
    )
    visuals: VisualChain = Field(
        default_factory=lambda: [VisualName.CARDS],
        description="Who makes scene visuals: cards (designed), library (needs --assets), "
        "gemini (generated images), pexels (stock footage), or a chain such as pexels,cards.",
    )
    gemini: GeminiConfig = Field(default_factory=GeminiConfig)
    openai: OpenAIConfig = Field(default_factory=OpenAIConfig)
    elevenlabs: ElevenLabsConfig = Field(default_factory=ElevenLabsConfig)
    google_tts: GoogleTTSConfig = Field(default_factory=GoogleTTSConfig)
    clova: ClovaConfig = Field(default_factory=ClovaConfig)
    pexels: PexelsConfig = Field(default_factory=PexelsConfig)
    content_budget_usd: OptionalFloat = Field(
        default=1.0,
        ge=0,
        description="Most a content may spend on paid providers (estimated); past it, a "
        "fallback chain moves on to free providers. Empty: no cap.",
    )
    safety_model_review: bool = Field(
        default=True,
        description="Let the configured language model review scripts after the rules.",
    )
    render_timeout_s: float = Field(default=1800.0, gt=0)
    outbound_allow: str = Field(
        default="",
        description="Non-public hosts and networks a user-given URL may reach, comma-separated "
        "(e.g. wiki.internal,*.corp.example,10.1.0.0/16; 127.0.0.1 in local development). "
        "Default: public addresses only.",
    )
    fetch_deadline_s: float = Field(
        default=20.0, gt=0, le=300, description="The whole fetch of a user-given URL."
    )
    factory: FactorySettings = Field(default_factory=FactorySettings)

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in the data folder."
    )
    redis_url: str | None = Field(
        default=None, description="Redis for the job queue and rate limits; default: in process."
    )
    storage_url: str | None = Field(
        default=None, description="file:///path or s3://bucket/prefix; default: the data folder."
    )
    s3_endpoint_url: str | None = None
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs tokens and download links; default: a key kept in the data folder.",
    )
    previous_secret_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Keys retired by `autoclip keys rotate`: still accepted, never used to sign.",
    )
    public_url: str = Field(default="", description="Prefix for links handed out by the API.")
    smtp_url: str | None = Field(
        default=None,
        description="Mail server: smtp://user:password@host:587 (STARTTLS) or "
        "smtps://user:password@host:465 (TLS from the start); user and password "
        "percent-encoded. Default: no server, mails are written to DATA_DIR/outbox.",
    )
    smtp_starttls: bool = Field(
        default=True,
        description="For smtp:// URLs: refuse to send unless the server upgrades to TLS. "
        "false only for a relay on the same host or network (it then gets no password over "
        "plain text: a URL with a password and no TLS is refused).",
    )
    smtp_ca_file: Path | None = Field(
        default=None, description="PEM file of the CAs to trust for the mail server's TLS."
    )
    smtp_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="Connecting, and each reply of the mail server."
    )
    mail_from: str = Field(
        default="AutoClip <no-reply@localhost>",
        description="The From of the mails the service sends (a name and an address).",
    )
    # Outbound clients' bounds: none of them may wait for ever on a server that accepts a
    # connection and then says nothing (see docs/security.md, "Timeouts").
    redis_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="Connecting to Redis, and each command's reply."
    )
    redis_retries: int = Field(
        default=1, ge=0, le=5, description="Retries of a Redis command that timed out or lost "
        "its connection (short backoff), before the caller sees the error.",
    )  # fmt: skip
    database_connect_timeout_s: int = Field(
        default=10, ge=2, le=120, description="Connecting to PostgreSQL (libpq's minimum is 2)."
    )
    database_statement_timeout_s: float = Field(
        default=120.0,
        ge=0,
        description="PostgreSQL cancels a statement (or a lock wait) that runs longer; 0: "
        "never. Migrations (`autoclip db upgrade`) run without it.",
    )
    s3_connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    s3_read_timeout_s: float = Field(
        default=30.0, gt=0, le=600, description="Each read of an S3 answer (not the transfer)."
    )
    s3_max_attempts: int = Field(
        default=3, ge=1, le=10, description="Tries of an S3 call, the first included."
    )
    s3_outage_retry_s: float = Field(
        default=90.0,
        ge=0,
        le=600,
        description="How long an S3 call keeps trying an endpoint it cannot reach (waits of "
        "1 s doubling to 15 s) before its job fails and is retried: an S3 outage of about a "
        "minute costs a wait, not a failed content. 0: no retry.",
    )
    max_request_bytes: int = Field(
        default=MAX_REQUEST_BYTES,
        gt=0,
        description="Largest request body the API reads; a larger one is refused with 413 "
        "before it is read.",
    )
    max_upload_bytes: int = Field(
        default=MAX_UPLOAD_BYTES,
        gt=0,
        description="Largest file a brand-kit upload (logo, font, music) may send; a larger "
        "one is refused with 413 before it is read.",
    )
    embedded_worker: bool = Field(
        default=True, description="Run the worker inside `autoclip serve` when there is no Redis."
    )
    rate_limits: bool = True
    trusted_proxies: str = Field(
        default="",
        description="Addresses or networks of the reverse proxies in front of the API, "
        "comma-separated (e.g. 10.0.0.0/8): only their X-Forwarded-For is believed.",
    )
    maintenance_mode: bool = Field(
        default=False,
        validation_alias=AliasChoices("MAINTENANCE_MODE", "AUTOCLIP_MAINTENANCE_MODE"),
        description="Read-only API (changes answer 503); workers take no new jobs.",
    )
    encryption_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts stored secrets (YouTube tokens, webhook "
        "secrets); `autoclip keys encryption` makes one. Default: derived from the secret "
        "key(s), so rotating those keeps old secrets readable.",
    )
    previous_encryption_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Encryption keys retired: still read, never used to encrypt.",
    )
    youtube_client_id: str = Field(
        default="", description="The Google OAuth client that publishes to YouTube."
    )
    youtube_client_secret: SecretStr | None = Field(
        default=None, description="That OAuth client's secret."
    )
    youtube_api_base_url: str = Field(
        default="https://www.googleapis.com",
        description="Where the YouTube Data API (/youtube/v3) and its uploads "
        "(/upload/youtube/v3) are; a stand-in or a proxy in tests and private deployments.",
    )
    google_oauth_auth_url: str = Field(
        default="https://accounts.google.com/o/oauth2/v2/auth",
        description="Google's OAuth authorization page.",
    )
    google_oauth_token_url: str = Field(
        default="https://oauth2.googleapis.com/token", description="Google's OAuth token endpoint."
    )
    google_oauth_revoke_url: str = Field(
        default="https://oauth2.googleapis.com/revoke",
        description="Google's OAuth revocation endpoint (disconnecting a channel).",
    )
    youtube_redirect_uri: str = Field(
        default="",
        description="Where Google sends the browser back after consent. Default: "
        "PUBLIC_URL + /api/v1/channels/youtube/callback.",
    )
    youtube_daily_uploads: int = Field(
        default=100,
        ge=0,
        description="videos.insert calls the Google project may make per day (its own quota "
        "bucket; Google's default is 100). A publish past it waits for the next day.",
    )
    youtube_daily_units: int = Field(
        default=10_000,
        ge=0,
        description="The Google project's daily YouTube Data API units (Google's default: "
        "10,000). Each upload spends YOUTUBE_UPLOAD_UNITS of them before it is made, and a "
        "publish past them waits for the next day; other calls (channels.list: 1) are "
        "counted too.",
    )
    youtube_upload_units: int = Field(
        default=1600,
        ge=0,
        description="Units one upload (videos.insert) costs, by YouTube's documented costs.",
    )
    youtube_chunk_bytes: int = Field(
        default=8 * 2**20,
        ge=256 * 1024,
        description="Bytes per upload PUT; rounded down to a multiple of 256 KiB, as the "
        "resumable protocol requires of every chunk but the last.",
    )
    youtube_timeout_s: float = Field(
        default=120.0, gt=0, le=3600, description="One call to Google (a chunk PUT included)."
    )
    youtube_max_attempts: int = Field(
        default=8,
        ge=1,
        le=30,
        description="Tries of an upload across interruptions and 5xx answers (waits doubling "
        "from 1 s), before the publish is retried as a whole or fails.",
    )
    api_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where `autoclip mcp` finds the AutoClip API.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="The API key `autoclip mcp` acts with (its user's rights)."
    )
    auth: AuthSettings = Field(default_factory=AuthSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise BadSetting("; ".join(_problems(error))) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        flat = FlatProviderVariables(settings_cls)
        return init_settings, env_settings, flat, dotenv_settings, file_secret_settings

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_provider_settings(cls, data: Any) -> Any:
        return _nest_flat(data) if isinstance(data, dict) else data

    @field_validator("outbound_allow")
    @classmethod
    def _outbound_allow_parses(cls, value: str) -> str:
        OutboundPolicy.parse(value)  # a ValueError names the bad entry
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies_parse(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_from_is_an_address(cls, value: str) -> str:
        _name, address = parseaddr(value)
        if "@" not in address or any(c in value for c in "\r\n"):
            raise ValueError(f"{value!r} is not a sender such as 'AutoClip <no-reply@example.com>'")
        return value

    @model_validator(mode="after")
    def _smtp_url_parses(self) -> Settings:
        try:
            self.smtp_server()
        except ConfigurationError as error:
            raise ValueError(str(error)) from None
        return self

    def smtp_server(self) -> SmtpServer | None:
        """The mail server AUTOCLIP_SMTP_URL names, or None: mail goes to the outbox."""
        if not self.smtp_url:
            return None
        return SmtpServer.from_url(
            self.smtp_url,
            starttls=self.smtp_starttls,
            timeout_s=self.smtp_timeout_s,
            ca_file=self.smtp_ca_file,
        )

    @property
    def outbox_dir(self) -> Path:
        """Where mail goes when no server is configured (see kit/mail.py)."""
        return self.data_dir.absolute() / "outbox"

    def s3_limits(self) -> S3Limits:
        return S3Limits(
            connect_timeout_s=self.s3_connect_timeout_s,
            read_timeout_s=self.s3_read_timeout_s,
            max_attempts=self.s3_max_attempts,
            outage_retry_s=self.s3_outage_retry_s,
        )

    def outbound_policy(self) -> OutboundPolicy:
        return OutboundPolicy.parse(self.outbound_allow)

    def effective_youtube_redirect_uri(self) -> str:
        return self.youtube_redirect_uri or (
            self.public_url.rstrip("/") + "/api/v1/channels/youtube/callback"
        )

    def encryption_keys(self) -> list[bytes]:
        """Fernet keys, the one that encrypts first (kit/sealing.py)."""
        from autoclip.kit.sealing import derive_key

        derived = [derive_key(secret) for secret in self.effective_secret_keys()]
        if self.encryption_key is None:
            return derived
        given = [self.encryption_key, *self.previous_encryption_keys]
        # The derived keys still decrypt: secrets sealed before a key was set stay readable.
        return [k.get_secret_value().encode() for k in given] + derived

    @property
    def distributed(self) -> bool:
        return self.redis_url is not None

    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.absolute() / 'autoclip.db'}"

    def effective_storage_url(self) -> str:
        return self.storage_url or f"file://{self.data_dir.absolute()}"

    def effective_secret_keys(self) -> list[str]:
        """The signing key first, then retired keys still accepted. Without a configured
        key, one is generated once and kept (mode 600) in the data folder."""
        if self.secret_key is not None:
            current = self.secret_key.get_secret_value()
            return [current, *(k.get_secret_value() for k in self.previous_secret_keys)]
        path = self.data_dir / SECRET_FILE
        if not path.exists():
            write_private(path, secrets.token_urlsafe(48))
        retired = self.data_dir / RETIRED_SECRETS_FILE
        previous = retired.read_text().split() if retired.exists() else []
        return [path.read_text().strip(), *previous]

    @property
    def work_dir(self) -> Path:
        """Local scratch: the stage cache and render folders (`temp/` of the layout)."""
        return self.data_dir.absolute() / "temp"

    def masked(self) -> dict[str, Any]:
        """Effective settings for `autoclip config show`: secrets and URL credentials hidden.

        Every URL-valued setting is masked, whatever its name (database, Redis, storage, the
        S3 endpoint, provider base URLs, the public URL, and any added later): a credential
        pasted into a URL is as secret as one given in its own variable.
        """
        shown = self.model_dump(mode="json")
        shown["secret_key"] = "********" if self.secret_key else "(generated, in data_dir)"
        for group in GROUPS:
            config: ProviderConfig = getattr(self, group)
            for name, value in config:
                if isinstance(value, SecretStr) or name == "api_key":
                    shown[group][name] = "********" if value else None
        shown["previous_secret_keys"] = ["********" for _ in self.previous_secret_keys]
        shown["encryption_key"] = "********" if self.encryption_key else "(derived)"
        shown["previous_encryption_keys"] = ["********" for _ in self.previous_encryption_keys]
        shown["youtube_client_secret"] = "********" if self.youtube_client_secret else None
        shown["api_key"] = "********" if self.api_key else None
        shown["database_url"] = self.effective_database_url()
        shown["storage_url"] = self.effective_storage_url()
        shown["mode"] = "distributed" if self.distributed else "embedded"
        masked: dict[str, Any] = _mask_urls(shown)
        return masked


class FlatProviderVariables(PydanticBaseSettingsSource):
    """The provider variables of before the nested groups (`AUTOCLIP_GEMINI_API_KEY`), read
    from the environment as flat values (`gemini_api_key`) for `Settings` to nest."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # not asked: `__call__` reads them all at once

    def __call__(self) -> dict[str, Any]:
        # Variable names are case-insensitive, as for every other setting.
        environment = {name.upper(): value for name, value in os.environ.items()}
        found: dict[str, Any] = {}
        for group, names in FLAT_FIELDS.items():
            for name in names:
                variable = f"{ENV_PREFIX}{group}_{name}".upper()
                if variable in environment:
                    found[f"{group}_{name}"] = environment[variable]
        return found


def _nest_flat(data: dict[str, Any]) -> dict[str, Any]:
    """Flat provider settings (`gemini_api_key`, from the environment or given as arguments)
    moved into their group (`gemini.api_key`); `BadSetting` if the group has a different
    value for it, or if the value is bad (named as it was spelt)."""
    data = dict(data)
    for group, names in FLAT_FIELDS.items():
        given = [name for name in names if f"{group}_{name}" in data]
        nested = data.get(group)
        if isinstance(nested, BaseModel):
            nested = nested.model_dump(exclude_unset=True)
        elif nested is None:
            nested = {}
        if not given or not isinstance(nested, Mapping):
            continue  # nothing flat, or no group at all (which pydantic will say)
        nested = dict(nested)
        for name in given:
            value = data.pop(f"{group}_{name}")
            flat = f"{ENV_PREFIX}{group}_{name}".upper()
            parsed = _field(GROUPS[group], name, value, flat)
            if name not in nested:
                nested[name] = value
                continue
            nested_name = f"{ENV_PREFIX}{group}__{name}".upper()
            if parsed != _field(GROUPS[group], name, nested[name], nested_name):
                raise BadSetting(
                    f"{flat} and {nested_name} are both set, to different values; set one"
                )
        data[group] = nested
    return data


def _field(config: type[ProviderConfig], name: str, value: Any, variable: str) -> Any:
    """`value` as the field `name` of `config` holds it; `BadSetting` naming `variable`."""
    try:
        parsed = getattr(config.model_validate({name: value}), name)
    except ValidationError as error:
        raise BadSetting(f"{variable}: {error.errors()[0]['msg']}") from None
    return parsed.get_secret_value() if isinstance(parsed, SecretStr) else parsed


def _problems(error: ValidationError) -> list[str]:
    """Each problem as `AUTOCLIP_<VARIABLE>: what is wrong`. A check of several settings
    together (the SMTP URL with its options) names its variables in its own message."""
    problems = []
    for issue in error.errors():
        message = issue["msg"]
        if issue["type"] == "value_error":  # pydantic's "Value error, " says nothing here
            message = str(issue.get("ctx", {}).get("error", message))
        names = [str(part) for part in issue["loc"] if isinstance(part, str)]
        problems.append(f"{ENV_PREFIX}{'__'.join(names).upper()}: {message}" if names else message)
    return problems


SECRET_FILE = "secret.key"  # nosec B105 # a file name, not a secret
RETIRED_SECRETS_FILE = "secret.key.previous"


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically (a new name, then a rename)."""
    make_private_dir(path.parent)
    staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(staging, path)


MASK = "***"
# Query or fragment parameters whose value is a credential: key, api_key, access_token,
# X-Amz-Signature, sig (Azure SAS), password, sslpassword, client_secret, auth... Matched
# anywhere in the name: hiding a harmless value (sslkey, a path) costs nothing here.
_SECRET_PARAM = re.compile(r"key|token|sig|pass|pwd|secret|auth|credential|session", re.I)
# Schemes whose user name is an account name worth showing (postgresql+psycopg counts as
# postgresql); elsewhere (an HTTP endpoint) the whole userinfo is a credential.
_ACCOUNT_SCHEMES = frozenset(
    {"postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle", "redis", "rediss",
     "amqp", "amqps", "mongodb"}
)  # fmt: skip


def mask_url_password(url: str) -> str:
    """`url` with its credentials hidden, for showing: the userinfo (all of it, or only the
    password where the user is a database account: `postgresql://app:***@db/app`), and the
    values of query and fragment parameters named like a credential (`?key=***`).

    Not a validating parser: a malformed URL is masked more, never less.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority_end = min((i for i in (rest.find("/"), cut) if i >= 0), default=cut)
    at = rest.rfind("@", 0, authority_end)
    if at < 0 and ":" in rest[:authority_end]:
        # A raw "/" in a password (SQLAlchemy accepts `user:pa/ss@host`) ends the authority
        # early: mask up to the last "@" before the query instead.
        at = rest.rfind("@", 0, cut)
    if at >= 0:
        user, colon, _password = rest[:at].partition(":")
        if scheme.lower().split("+")[0] in _ACCOUNT_SCHEMES:
            userinfo = f"{user}:{MASK}" if colon else user
        else:
            userinfo = MASK
        rest = f"{userinfo}@{rest[at + 1 :]}"
    head, hash_mark, fragment = rest.partition("#")
    base, question, query = head.partition("?")
    fragment = _mask_params(fragment)
    return f"{scheme}{sep}{base}{question}{_mask_params(query)}{hash_mark}{fragment}"


def _mask_params(text: str) -> str:
    pairs = []
    for pair in text.split("&"):
        name, equals, value = pair.partition("=")
        if equals and value and _SECRET_PARAM.search(unquote_plus(name)):
            pair = f"{name}={MASK}"
        pairs.append(pair)
    return "&".join(pairs)


def _mask_urls(value: Any) -> Any:
    """Every string that looks like a URL, masked, however deep in the settings it is."""
    if isinstance(value, str):
        return mask_url_password(value) if "://" in value else value
    if isinstance(value, dict):
        return {key: _mask_urls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_urls(item) for item in value]
    return value
