"""Object storage with the operations manual's key layout.

    videos/{content_id}/original.mp4 | thumbnail.jpg | audio.mp3 | captions.srt | ...
    images/{content_id}/scene_{n}.png
    exports/{user_id}/...
    temp/...                      (scratch; cleaned periodically)

Two backends share one interface (`Storage`) and one key check (`check_key`):

- `LocalStorage` keeps objects as files under a root folder. An object is written under a
  temporary name and renamed into place, so a reader never sees half a file.
- `S3Storage` keeps objects in an S3 bucket (AWS or any S3-compatible endpoint), optionally
  under a key prefix. S3 writes are atomic by nature: an upload cut off half-way leaves no
  object (and a multipart one none until it completes). An endpoint that cannot be reached
  (refused, reset, timed out, 5xx) is tried again with bounded backoff for
  `S3Limits.outage_retry_s`, so an outage of about a minute costs a job a wait, not a
  failure.

`storage_from_url` picks the backend from AUTOCLIP_STORAGE_URL (`file:///abs/path`,
`s3://bucket` or `s3://bucket/prefix`).
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from autoclip.errors import AutoclipError, ConfigurationError
from autoclip.kit.private import make_private_dir

STAGING_SUFFIX = ".partial"
# Waits between tries of an unreachable S3 endpoint: 1, 2, 4, 8, 15, 15, ... seconds.
RETRY_FIRST_WAIT_S = 1.0
RETRY_MAX_WAIT_S = 15.0
T = TypeVar("T")
log = logging.getLogger("autoclip.storage")

# Types the operations manual relies on, whatever the host's mimetypes tables say.
CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".srt": "application/x-subrip",
    ".ass": "text/x-ssa",
    ".json": "application/json",
    ".mp3": "audio/mpeg",
    # the media library's files (the system's MIME table varies: these are fixed)
    ".webp": "image/webp",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
}

STORAGE_URL_FORMS = "file:///absolute/path, s3://bucket or s3://bucket/key/prefix"

_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,254}")


def video_key(content_id: str, name: str) -> str:
    return f"videos/{content_id}/{name}"


def image_key(content_id: str, number: int) -> str:
    return f"images/{content_id}/scene_{number}.png"


def export_key(user_id: str, name: str) -> str:
    return f"exports/{user_id}/{name}"


def check_key(key: str) -> str:
    """Return `key` if it is a well-formed relative object key, else raise ValueError.

    A key is '/'-separated, with no leading '/', no empty, '.' or '..' parts, no
    backslashes and no NUL: it can neither leave a local root nor alias another key.
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"bad storage key {key!r}: empty")
    if "\\" in key or "\x00" in key:
        raise ValueError(f"bad storage key {key!r}: backslashes and NUL are not allowed")
    if key.startswith("/"):
        raise ValueError(f"bad storage key {key!r}: must not start with '/'")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"bad storage key {key!r}: empty, '.' or '..' part")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: '' (everything), or the start of a key (a trailing '/' is fine)."""
    if prefix:
        check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def guess_content_type(name: str) -> str | None:
    suffix = os.path.splitext(name)[1].lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name, strict=False)[0]


class StorageUnavailableError(AutoclipError):
    """The storage cannot be reached or written (raised by `ping`)."""


class Storage(Protocol):
    """Objects under keys (`videos/{id}/original.mp4`). What a backend can do beyond the
    common calls it says by `shared` and `local_path`, so callers need not know which
    backend they hold."""

    @property
    def shared(self) -> bool:
        """Whether every machine of the deployment sees the same objects (S3); a local
        folder is one machine's own."""
        ...

    @property
    def local_root(self) -> Path | None:
        """The folder that holds the objects as plain files on this machine; None for a
        remote store."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The object's file under `local_root` (read, link or copy it directly); None for
        a remote store."""
        ...

    def put_file(self, key: str, source: Path) -> str:
        """Store a copy of `source` under `key`; return where it can be read
        (a local path, or `s3://bucket/prefix/key`)."""
        ...

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        """Store `data` under `key`; return where it can be read."""
        ...

    def get_bytes(self, key: str) -> bytes:
        """The object's content; KeyError(key) if there is none."""
        ...

    def download(self, key: str, target: Path) -> None:
        """Copy the object to `target` atomically; KeyError(key) if there is none."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None:
        """The object's size in bytes, or None if there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...

    def list_keys(self, prefix: str) -> list[str]:
        """The keys starting with `prefix` ('' for all), sorted."""
        ...

    def presigned_url(self, key: str, expires_in: int) -> str | None:
        """A time-limited GET URL, or None if the backend has none (local files)."""
        ...

    def ping(self) -> None:
        """Raise StorageUnavailableError unless the storage is reachable and usable."""
        ...

    def describe(self) -> str:
        """Where the objects live, for logs and health pages; never contains secrets."""
        ...


class LocalStorage:
    """Folders it creates (the root, each key's folders, `temp/`) are owner-only: they hold
    users' media. A root that already exists keeps its mode (kit/private.py)."""

    def __init__(self, root: Path) -> None:
        # Absolute, because renders run ffmpeg inside a scratch folder (its own cwd).
        self.root = root.absolute()

    shared = False

    def path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    @property
    def local_root(self) -> Path:
        return self.root

    def local_path(self, key: str) -> Path:
        return self.path(key)

    def _staging(self, target: Path) -> Path:
        return target.parent / f".{target.name}.{uuid.uuid4().hex}{STAGING_SUFFIX}"

    def put_file(self, key: str, source: Path) -> str:
        target = self.path(key)
        make_private_dir(target.parent)
        staging = self._staging(target)
        try:
            try:
                os.link(source, staging)  # same disk as the stage cache: no copy needed
            except OSError:
                shutil.copyfile(source, staging)
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)
        return str(target)

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        target = self.path(key)
        make_private_dir(target.parent)
        staging = self._staging(target)
        try:
            staging.write_bytes(data)
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)
        return str(target)

    def get_bytes(self, key: str) -> bytes:
        path = self.path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise KeyError(key) from None

    def download(self, key: str, target: Path) -> None:
        source = self.path(key)
        if not source.is_file():
            raise KeyError(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = self._staging(target)
        try:
            try:
                shutil.copyfile(source, staging)
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                raise KeyError(key) from None  # deleted meanwhile
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int | None:
        path = self.path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> None:
        path = self.path(key)
        if path.is_dir():
            return  # a "folder" is not an object
        path.unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> list[str]:
        check_prefix(prefix)
        folder = prefix.rpartition("/")[0]
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        keys = [key for key in self._walk(start) if key.startswith(prefix)]
        return sorted(keys)

    def _walk(self, start: Path) -> Iterator[str]:
        if not start.is_dir():
            return
        for dirpath, _dirnames, filenames in os.walk(start):
            here = Path(dirpath)
            for name in filenames:
                if name.startswith(".") and name.endswith(STAGING_SUFFIX):
                    continue  # a write or download in progress
                yield (here / name).relative_to(self.root).as_posix()

    def presigned_url(self, key: str, expires_in: int) -> str | None:
        check_key(key)
        return None  # the API signs its own download URLs for local files

    def ping(self) -> None:
        try:
            make_private_dir(self.root)
            probe = self.root / f".ping.{uuid.uuid4().hex}{STAGING_SUFFIX}"
            try:
                probe.write_bytes(b"ping")
            finally:
                probe.unlink(missing_ok=True)
        except OSError as error:
            raise StorageUnavailableError(
                f"storage {self.describe()} is not writable: {error}"
            ) from error

    def describe(self) -> str:
        return self.root.as_uri()

    @property
    def temp_root(self) -> Path:
        return self.root / "temp"


def _error_code(error: Exception) -> str:
    response: Any = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _is_missing(error: Exception) -> bool:
    return _error_code(error) in ("404", "NoSuchKey", "NotFound")


def _is_unreachable(error: BaseException) -> bool:
    """An error that says nothing about the request, only that S3 did not serve it now:
    no connection (refused, or not made in time), a connection cut, or a 5xx (SlowDown,
    InternalError). Not a read that timed out: a server that hangs is bounded by
    botocore's own tries (S3Limits.deadline), which already outlast a minute."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import ClientError, ConnectionClosedError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(error, S3UploadFailedError) and error.__cause__ is not None:
        return _is_unreachable(error.__cause__)  # upload_file's wrapper of a ClientError
    if isinstance(error, BotoConnectionError | ConnectionClosedError):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return isinstance(status, int) and status >= 500
    return False


def _public_endpoint(endpoint_url: str) -> str:
    """The endpoint without user info, query or fragment (nothing secret)."""
    parts = urlsplit(endpoint_url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass(frozen=True)
class S3Limits:
    """How long an S3 call may wait. botocore's own defaults (60 s per read, its legacy
    retry mode) let a storage that accepts connections and never answers hold a worker
    for minutes; these are what `AUTOCLIP_S3_*` set (settings.py)."""

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0  # each read of the answer; a large transfer takes longer
    max_attempts: int = 3  # the first try included
    # How long a call goes on trying an endpoint it cannot reach (connection refused,
    # reset or not made in time, or a 5xx), on top of botocore's tries: an outage of about
    # a minute costs a job a wait, not a failure. 0: give up with botocore. A server that
    # takes the connection and never answers is not retried here: botocore's tries of
    # `read_timeout_s` already bound it (`deadline`).
    outage_retry_s: float = 0.0

    def deadline(self) -> float:
        """The longest one call can take against a server that never answers: each try
        waits to connect and to read, and standard-mode backoff sleeps at most 2^n s (n
        the retry's number) between tries."""
        tries = self.max_attempts
        backoff = sum(min(2.0**n, 20.0) for n in range(tries - 1))
        return tries * (self.connect_timeout_s + self.read_timeout_s) + backoff


class S3Storage:
    """Objects in an S3 bucket, under `prefix/` when a prefix is given.

    Credentials come from the standard AWS chain (environment, config files, instance
    roles); the region from that chain too, else us-east-1.
    """

    shared = True

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        client: Any = None,
        limits: S3Limits | None = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3Storage needs a bucket name")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.limits = limits or S3Limits()
        self.client: Any = (
            client if client is not None else self._make_client(endpoint_url, self.limits)
        )

    def _call(self, call: Callable[[], T]) -> T:
        """Run one S3 request, trying it again while the endpoint cannot be reached, for
        up to `limits.outage_retry_s`; then StorageUnavailableError, which names no endpoint (it
        may reach a user as a content's error) and is retried as a job like any blip.
        Every request here may be repeated: a PUT of the same key writes the same bytes."""
        retry_seconds = self.limits.outage_retry_s
        deadline = time.monotonic() + retry_seconds
        wait = RETRY_FIRST_WAIT_S
        while True:
            try:
                return call()
            except Exception as error:
                if not _is_unreachable(error):
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    if retry_seconds <= 0:
                        raise
                    raise StorageUnavailableError(
                        f"the storage could not be reached for {retry_seconds:g} s "
                        f"({type(error).__name__})"
                    ) from error
                pause = min(wait, left)
                log.warning("storage %s unreachable (%s); trying again in %.0f s",
                            self.describe(), error, pause)  # fmt: skip
                time.sleep(pause)
                wait = min(wait * 2, RETRY_MAX_WAIT_S)

    @staticmethod
    def _make_client(endpoint_url: str | None, limits: S3Limits) -> Any:
        import boto3
        from botocore.config import Config

        session = boto3.session.Session()
        config = Config(
            signature_version="s3v4",
            # "standard": retries throttling and transient errors (timeouts, 5xx) with
            # jittered backoff; total_max_attempts counts the first try too.
            retries={"total_max_attempts": limits.max_attempts, "mode": "standard"},
            connect_timeout=limits.connect_timeout_s,
            read_timeout=limits.read_timeout_s,
            # S3-compatible servers (MinIO, moto, ...) rarely have per-bucket host names.
            s3={"addressing_style": "path"} if endpoint_url else {},
        )
        return session.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=session.region_name or "us-east-1",
            config=config,
        )

    def _object(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _where(self, name: str) -> str:
        return f"s3://{self.bucket}/{name}"

    def put_file(self, key: str, source: Path) -> str:
        name = self._object(key)
        if not source.is_file():
            raise FileNotFoundError(f"no such file: {source}")
        content_type = guess_content_type(key)
        extra = {"ContentType": content_type} if content_type else None
        self._call(lambda: self.client.upload_file(str(source), self.bucket, name, ExtraArgs=extra))
        return self._where(name)

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        name = self._object(key)
        content_type = content_type or guess_content_type(key)
        extra = {"ContentType": content_type} if content_type else {}
        self._call(lambda: self.client.put_object(Bucket=self.bucket, Key=name, Body=data, **extra))
        return self._where(name)

    def get_bytes(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        name = self._object(key)

        def read() -> bytes:
            response = self.client.get_object(Bucket=self.bucket, Key=name)
            body = response["Body"]
            try:
                data: bytes = body.read()
            finally:
                body.close()
            return data

        try:
            return self._call(read)
        except ClientError as error:
            if _is_missing(error):
                raise KeyError(key) from None
            raise

    def download(self, key: str, target: Path) -> None:
        from botocore.exceptions import ClientError

        name = self._object(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.{uuid.uuid4().hex}{STAGING_SUFFIX}"
        try:
            try:
                self._call(lambda: self.client.download_file(self.bucket, name, str(staging)))
            except ClientError as error:
                if _is_missing(error):
                    raise KeyError(key) from None
                raise
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        name = self._object(key)
        try:
            head: dict[str, Any] = self._call(
                lambda: self.client.head_object(Bucket=self.bucket, Key=name)
            )
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        return head

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int | None:
        head = self._head(key)
        return None if head is None else int(head["ContentLength"])

    def delete(self, key: str) -> None:
        name = self._object(key)
        self._call(lambda: self.client.delete_object(Bucket=self.bucket, Key=name))

    def list_keys(self, prefix: str) -> list[str]:
        check_prefix(prefix)
        base = f"{self.prefix}/" if self.prefix else ""

        def listing() -> list[str]:
            paginator = self.client.get_paginator("list_objects_v2")
            keys: list[str] = []
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base + prefix):
                for item in page.get("Contents", []):
                    name = str(item["Key"])
                    if name.startswith(base):
                        keys.append(name[len(base) :])
            return sorted(keys)

        return self._call(listing)

    local_root = None

    def local_path(self, key: str) -> None:
        return None

    def presigned_url(self, key: str, expires_in: int) -> str | None:
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._object(key)},
            ExpiresIn=expires_in,
        )
        return url

    def ping(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            code = _error_code(error)
            reason = f"{code} {error}" if code and code not in str(error) else str(error)
            raise StorageUnavailableError(
                f"storage {self.describe()} is unreachable: {reason}"
            ) from error

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        if self.endpoint_url:
            where += f" (endpoint {_public_endpoint(self.endpoint_url)})"
        return where


def _redacted(url: str) -> str:
    try:
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            netloc = "***@" + parts.netloc.rpartition("@")[2]
            return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "<unparsable>"
    return url


def _bad_url(url: str, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"AUTOCLIP_STORAGE_URL {_redacted(url)!r} {why}; expected {STORAGE_URL_FORMS}"
    )


def storage_from_url(
    url: str, endpoint_url: str | None = None, limits: S3Limits | None = None
) -> Storage:
    """The storage AUTOCLIP_STORAGE_URL names; `endpoint_url` is for S3-compatible servers,
    `limits` bounds an S3 storage's calls."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # validates it
    except ValueError:
        raise _bad_url(url, "is not a URL") from None
    if parts.query or parts.fragment:
        raise _bad_url(url, "must have no query or fragment")
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise _bad_url(url, "must name a local absolute path (file:///...)")
        path = unquote(parts.path)
        if not path.startswith("/") or path == "/":
            raise _bad_url(url, "must name an absolute folder other than /")
        return LocalStorage(Path(path))
    if parts.scheme == "s3":
        if "@" in parts.netloc:
            raise _bad_url(url, "must not contain credentials (use the AWS_* variables)")
        bucket = parts.netloc
        if not _BUCKET.fullmatch(bucket):
            raise _bad_url(url, "must name a bucket")
        prefix = unquote(parts.path).strip("/")
        if prefix:
            try:
                check_key(prefix)
            except ValueError:
                raise _bad_url(url, "has a malformed key prefix") from None
        return S3Storage(bucket, prefix, endpoint_url=endpoint_url, limits=limits)
    raise _bad_url(url, "has an unsupported scheme")
