"""The HTTP kit every cloud provider shares: timeouts, retries, a circuit breaker, and
errors sorted into retriable and permanent.

One `ProviderHttp` talks to one service (one base URL and its credentials):

- every attempt has a timeout (`timeout_s`, the whole answer included, not only the wait
  for the first byte), and all attempts together a deadline (`RetryPolicy.deadline_s`);
- timeouts, connection errors, 408/425/429 and 5xx (but 501) are retried, up to
  `max_attempts`, after an exponential backoff with full jitter, or after exactly the
  wait the provider asked for (`Retry-After` in seconds or as an HTTP date,
  `retry-after-ms`, or Google's `RetryInfo.retryDelay`), unless that wait is longer
  than `max_retry_after_s` or would pass the deadline — then the error is raised at
  once with its `retry_after`, for a job queue to reschedule;
- any other 4xx is permanent and carries the provider's own message from its JSON error
  body (`{"error": {"message", "status"|"type", ...}}`, Ollama's `{"error": "..."}`, or
  FastAPI-style `{"detail": {"status", "message"}}` and `{"detail": [{"loc", "msg"}]}`);
- a circuit breaker shared by the callers of the endpoint skips the call when it is open;
- callers report what a successful call consumed through `report_usage`, which feeds the
  `meter` (`autoclip.providers.cloud.usage.UsageMeter`); before each call the meter may refuse
  it (`BudgetExceededError`: the content's budget is spent);
- `get_json`, `post_json` and `post_bytes` talk to the service with its credentials;
  `download` fetches a file the service pointed to (a CDN link) without them.

Credentials go in headers only, never in URLs; every secret the kit knows of (the values
of `auth_headers` and `secrets`) is replaced by `***` in error messages and logs, and
`repr()` shows neither.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Generic, Protocol, TypeVar, overload

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from autoclip.providers.cloud.breaker import CircuitBreaker, shared_breaker
from autoclip.providers.cloud.errors import (
    PermanentProviderError,
    ProviderUnavailable,
    RetriableProviderError,
)

log = logging.getLogger("autoclip.providers")
T = TypeVar("T")


class Meter(Protocol):
    """Accounts for provider calls: `check` before a call, `record` after a paid one."""

    def check(self, service: str) -> None:
        """Raise `BudgetExceededError` if no more may be spent on `service`."""
        ...

    def record(self, service: str, units: Mapping[str, float]) -> None:
        """What one successful call consumed, e.g. `{"input_tokens": 812.0}`."""
        ...


MAX_RESPONSE_BYTES = 16 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024  # a stock clip in HD runs 5-50 MB
CONNECT_TIMEOUT_S = 10.0
DETAIL_MAX_CHARS = 500
REDACTED = "***"

_RETRY_STATUSES = frozenset({408, 425, 429})
_STATUS_MESSAGES = {
    400: "request rejected",
    401: "authentication failed (check the API key)",
    403: "permission denied (check the API key and its access to this model)",
    404: "not found (check the model name and the base URL)",
    408: "request timed out at the provider",
    413: "request too large",
    422: "request rejected",
    429: "rate limited or out of quota",
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay_s: float = 1.0  # the first backoff is drawn from [0, base], then doubles
    max_delay_s: float = 20.0
    deadline_s: float = 300.0  # for all attempts and waits of one call together
    max_retry_after_s: float = 60.0  # a provider asking to wait longer is not waited for

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.deadline_s <= 0:
            raise ValueError("deadline_s must be positive")


class CallSettings(BaseModel):
    """Settings every provider has: how long to wait and how often to try."""

    model_config = ConfigDict(extra="forbid")

    timeout_s: float = Field(default=120.0, gt=0, description="One attempt, answer included.")
    max_attempts: int = Field(default=3, ge=1, le=10)
    deadline_s: float = Field(default=300.0, gt=0, description="All attempts of one call.")

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(max_attempts=self.max_attempts, deadline_s=self.deadline_s)


class ServiceSettings(CallSettings):
    """Settings of a provider at a base URL (an http(s) URL, kept without a trailing /)."""

    base_url: str

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("an http(s) URL")
        return value


S = TypeVar("S", bound=ServiceSettings)


class HttpProvider(Generic[S]):
    """A provider that talks to one service: its settings and the `ProviderHttp` built from
    them, with one circuit breaker per service and base URL shared by the process.

    The keyword arguments are for tests: an HTTP client, a breaker of their own, and
    stand-ins for sleeping, the clock and the backoff's jitter.
    """

    service: ClassVar[str]  # what usage and errors are reported under

    def __init__(
        self,
        settings: S,
        *,
        client: httpx.Client | None = None,
        breaker: CircuitBreaker | None = None,
        meter: Meter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.http = ProviderHttp(
            self.service,
            settings.base_url,
            auth_headers=self.auth_headers(),
            timeout_s=settings.timeout_s,
            retry=settings.retry_policy(),
            breaker=breaker or shared_breaker(f"{self.service} {settings.base_url}"),
            client=client,
            meter=meter,
            sleep=sleep,
            clock=clock,
            jitter=jitter,
        )

    def auth_headers(self) -> dict[str, str]:
        """The headers that carry the credentials (never the URL)."""
        return {}

    def __repr__(self) -> str:
        model = getattr(self.settings, "model", None)
        shown = f"model={model!r}, " if model is not None else ""
        return f"{type(self).__name__}({shown}base_url={self.http.base_url!r})"

    def close(self) -> None:
        self.http.close()


def bearer(key: SecretStr | None) -> dict[str, str]:
    """`Authorization: Bearer <key>`, or nothing for a server that needs no key."""
    value = key.get_secret_value() if key is not None else ""
    return {"Authorization": f"Bearer {value}"} if value else {}


def is_retriable_status(status: int) -> bool:
    return status in _RETRY_STATUSES or (status >= 500 and status != 501)


class ProviderHttp:
    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        auth_headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        timeout_s: float = 120.0,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        client: httpx.Client | None = None,
        meter: Meter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self._files_breaker = CircuitBreaker()
        self._headers = dict(auth_headers or {})
        self._secrets = _secret_forms([*secrets, *self._headers.values()])
        self._owns_client = client is None
        self._client = client or httpx.Client(follow_redirects=False)
        self.meter = meter
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter

    def __repr__(self) -> str:
        return f"ProviderHttp(service={self.service!r}, base_url={self.base_url!r})"

    def __enter__(self) -> ProviderHttp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this kit made it (an injected one is the caller's)."""
        if self._owns_client:
            self._client.close()

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced by `***`."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def report_usage(self, units: Mapping[str, float]) -> None:
        """Hand what one successful call consumed to the usage hook.

        A failing meter is logged, not raised: the answer it accounts for is already paid for.
        """
        if self.meter is None:
            return
        try:
            self.meter.record(self.service, {key: float(value) for key, value in units.items()})
        except Exception:
            log.exception("%s: the usage meter failed", self.service)

    def post_json(
        self, path: str, body: Mapping[str, Any], *, timeout_s: float | None = None
    ) -> dict[str, Any]:
        """POST `body` as JSON to `base_url + path` and return the JSON object answered.

        Raises `PermanentProviderError`, `RetriableProviderError` (attempts or deadline
        exhausted) or `ProviderUnavailable` (the breaker is open).
        """
        return self._call(
            lambda timeout: self._json_attempt("POST", path, timeout, body=body), timeout_s
        )

    def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        """GET `base_url + path?params` and return the JSON object answered."""
        return self._call(lambda timeout: self._json_attempt("GET", path, timeout, params=params))

    def post_bytes(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        params: Mapping[str, str | int] | None = None,
        accept: str = "audio/",
        form: bool = False,
    ) -> bytes:
        """POST `body` as JSON (or, with `form`, as `application/x-www-form-urlencoded`
        fields) and return the binary answer (audio), whose Content-Type must start with
        `accept`: a JSON or HTML page in its place is an error, not audio."""

        def attempt(timeout: float) -> bytes:
            response, content = self._exchange(
                "POST",
                self._url(path),
                timeout,
                body=None if form else body,
                form=body if form else None,
                params=params,
            )
            kind = response.headers.get("content-type", "")
            if not kind.startswith(accept) or not content:
                raise PermanentProviderError(
                    self.service,
                    f"expected {accept}* content, got {kind or 'no content type'}"
                    f" ({len(content)} bytes)",
                    status=response.status_code,
                    detail=self._clip(content[:200].decode("utf-8", "replace")),
                )
            return content

        return self._call(attempt)

    def download(self, url: str, dest: Path, *, max_bytes: int = MAX_DOWNLOAD_BYTES) -> int:
        """Fetch `url` (a file the service pointed to, usually on a CDN) into `dest`,
        without this service's credentials. Returns the size in bytes; a partial file is
        never left behind."""

        def attempt(timeout: float) -> int:
            part = dest.with_name(dest.name + ".part")
            try:
                _, size = self._exchange(
                    "GET", url, timeout, credentials=False, into=part, limit=max_bytes
                )
                if size == 0:
                    raise RetriableProviderError(self.service, "empty download", detail=url)
                part.replace(dest)
                return size
            finally:
                part.unlink(missing_ok=True)

        # The files' host (a CDN) fails on its own: its faults must not open the API's breaker.
        return self._call(attempt, breaker=self._files_breaker)

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _call(
        self,
        attempt: Callable[[float], T],
        timeout_s: float | None = None,
        *,
        breaker: CircuitBreaker | None = None,
    ) -> T:
        """Run `attempt(timeout)` under the retry policy, the deadline and the breaker
        (the service's, unless another is given)."""
        breaker = breaker or self.breaker
        if self.meter is not None:
            self.meter.check(self.service)
        policy = self.retry
        deadline = self._clock() + policy.deadline_s
        last: RetriableProviderError | None = None
        attempts = 0
        while attempts < policy.max_attempts:
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            if not breaker.acquire():
                raise ProviderUnavailable(
                    self.service,
                    "circuit open after repeated failures; not called",
                    detail=last.detail if last else "",
                    retry_after=breaker.retry_after(),
                )
            attempts += 1
            try:
                answer = attempt(min(timeout_s or self.timeout_s, remaining))
            except RetriableProviderError as error:
                breaker.record_failure()
                last = error
            except PermanentProviderError:
                breaker.record_success()  # it answered: the service is up
                raise
            except BaseException:
                breaker.release()  # says nothing about the service's health
                raise
            else:
                breaker.record_success()
                return answer
            if attempts >= policy.max_attempts:
                break
            delay = self._delay(attempts, last.retry_after)
            if delay is None or self._clock() + delay >= deadline:
                break
            log.warning(
                "%s: attempt %d of %d failed (%s), retrying in %.2f s",
                self.service,
                attempts,
                policy.max_attempts,
                last,
                delay,
            )
            self._sleep(delay)
        if last is None:
            raise RetriableProviderError(self.service, "deadline passed before any attempt")
        raise RetriableProviderError(
            self.service,
            f"{last.message}; gave up after {attempts} attempt{'s' if attempts > 1 else ''}",
            status=last.status,
            detail=last.detail,
            retry_after=last.retry_after,
        )

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        policy = self.retry
        if retry_after is not None:
            return retry_after if retry_after <= policy.max_retry_after_s else None
        ceiling = min(policy.max_delay_s, policy.base_delay_s * 2.0 ** (attempt - 1))
        return self._jitter() * ceiling  # "full jitter": anywhere in [0, ceiling)

    def _json_attempt(
        self,
        method: str,
        path: str,
        timeout_s: float,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> dict[str, Any]:
        response, content = self._exchange(
            method, self._url(path), timeout_s, body=body, params=params
        )
        return self._parse_success(response, content)

    @overload
    def _exchange(
        self,
        method: str,
        url: str,
        timeout_s: float,
        *,
        body: Mapping[str, Any] | None = ...,
        form: Mapping[str, Any] | None = ...,
        params: Mapping[str, str | int] | None = ...,
        credentials: bool = ...,
        into: None = ...,
        limit: int = ...,
    ) -> tuple[httpx.Response, bytes]: ...

    @overload
    def _exchange(
        self,
        method: str,
        url: str,
        timeout_s: float,
        *,
        body: Mapping[str, Any] | None = ...,
        form: Mapping[str, Any] | None = ...,
        params: Mapping[str, str | int] | None = ...,
        credentials: bool = ...,
        into: Path,
        limit: int = ...,
    ) -> tuple[httpx.Response, int]: ...

    def _exchange(
        self,
        method: str,
        url: str,
        timeout_s: float,
        *,
        body: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
        credentials: bool = True,
        into: Path | None = None,
        limit: int = MAX_RESPONSE_BYTES,
    ) -> tuple[httpx.Response, bytes] | tuple[httpx.Response, int]:
        """One request: the whole answer within `timeout_s`, into memory or into a file.
        A non-2xx answer raises the error it means."""
        started = self._clock()
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S))
        content = bytearray()
        size = 0
        try:
            with (
                self._client.stream(
                    method,
                    url,
                    json=body,
                    data=None if form is None else {k: str(v) for k, v in form.items()},
                    params=params,
                    headers=self._headers if credentials else None,
                    timeout=timeout,
                ) as response,
                contextlib.ExitStack() as files,
            ):
                sink = files.enter_context(into.open("wb")) if into is not None else None
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if self._clock() - started > timeout_s:
                        raise httpx.ReadTimeout("the answer took too long")
                    if size > limit:
                        raise PermanentProviderError(
                            self.service, f"answer larger than {limit} bytes"
                        )
                    if sink is not None and 200 <= response.status_code < 300:
                        sink.write(chunk)
                    elif len(content) < MAX_RESPONSE_BYTES:
                        content += chunk
        except httpx.TimeoutException:
            raise RetriableProviderError(
                self.service, f"no complete answer within {timeout_s:.1f} s"
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentProviderError(
                self.service, "bad base URL", detail=self._clip(str(exc))
            ) from None
        except httpx.HTTPError as exc:
            # Refused or dropped connections, answers cut short (RemoteProtocolError),
            # undecodable compressed bodies.
            raise RetriableProviderError(
                self.service,
                "connection failed",
                detail=self._clip(f"{type(exc).__name__}: {exc}"),
            ) from None
        if not 200 <= response.status_code < 300:
            self._raise_for(response, bytes(content))
        if into is not None:
            return response, size
        return response, bytes(content)

    def _raise_for(self, response: httpx.Response, content: bytes) -> None:
        """Raise the error a non-2xx answer means: retriable or permanent."""
        status = response.status_code
        detail, google_delay = _error_detail(content)
        detail = self._clip(detail)
        message = _STATUS_MESSAGES.get(status) or (
            "server error" if status >= 500 else f"unexpected answer {status}"
        )
        if is_retriable_status(status):
            retry_after = _retry_after(response.headers)
            if retry_after is None:
                retry_after = google_delay
            raise RetriableProviderError(
                self.service, message, status=status, detail=detail, retry_after=retry_after
            )
        raise PermanentProviderError(self.service, message, status=status, detail=detail)

    def _parse_success(self, response: httpx.Response, content: bytes) -> dict[str, Any]:
        status = response.status_code
        try:
            data = json.loads(content)
        except ValueError:
            sample = self._clip(content[:200].decode("utf-8", "replace"))
            if "json" in response.headers.get("content-type", ""):
                # A JSON answer cut short or garbled on its way: worth another try.
                raise RetriableProviderError(
                    self.service, "malformed JSON answer", status=status, detail=sample
                ) from None
            raise PermanentProviderError(
                self.service,
                "the answer is not JSON (is the base URL an API endpoint?)",
                status=status,
                detail=sample,
            ) from None
        if not isinstance(data, dict):
            raise PermanentProviderError(
                self.service, f"unexpected answer: a JSON {type(data).__name__}", status=status
            )
        return data

    def _clip(self, text: str) -> str:
        text = self.redact(" ".join(text.split()))
        return text if len(text) <= DETAIL_MAX_CHARS else text[: DETAIL_MAX_CHARS - 1] + "…"


def _secret_forms(values: Iterable[str]) -> tuple[str, ...]:
    """The strings to redact: each secret, and the token of a `Bearer <token>` value."""
    forms: set[str] = set()
    for value in values:
        for form in (value, value.split(" ", 1)[-1]):
            if len(form.strip()) >= 4:
                forms.add(form.strip())
    return tuple(sorted(forms, key=len, reverse=True))


def _error_detail(content: bytes) -> tuple[str, float | None]:
    """The provider's message from an error body, and Google's `RetryInfo` delay if any."""
    try:
        data: Any = json.loads(content)
    except ValueError:
        return content[:DETAIL_MAX_CHARS].decode("utf-8", "replace").strip(), None
    if isinstance(data, list) and data:
        data = data[0]  # Google's streaming endpoints wrap the error in a list
    if not isinstance(data, dict):
        return str(data), None
    if "error" not in data and "detail" in data:
        # FastAPI-style services (ElevenLabs): {"detail": {"status", "message"}},
        # {"detail": "..."}, or a validation list {"detail": [{"loc", "msg", "type"}]}.
        error = data["detail"]
        if isinstance(error, list):
            return _validation_detail(error), None
    else:
        error = data.get("error", data)
    if isinstance(error, str):
        return error, None
    if not isinstance(error, dict):
        return json.dumps(data, ensure_ascii=False), None
    message = str(error.get("message") or "").strip()
    # NAVER's gateway and CLOVA name theirs `errorCode` ({"error": {"errorCode": "VS05"}}).
    kind = error.get("status") or error.get("type") or error.get("code") or error.get("errorCode")
    detail = f"{kind}: {message}" if kind and message else message or str(kind or "")
    return detail, _google_retry_delay(error.get("details"))


def _validation_detail(items: list[Any]) -> str:
    """`field.path: message` for each entry of a FastAPI validation error list."""
    parts = []
    for item in items:
        if not isinstance(item, dict):
            parts.append(json.dumps(item, ensure_ascii=False))
            continue
        location = item.get("loc")
        where = ".".join(str(p) for p in location) if isinstance(location, list) else ""
        message = str(item.get("msg") or item.get("message") or item.get("type") or "")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _google_retry_delay(details: Any) -> float | None:
    if not isinstance(details, list):
        return None
    for item in details:
        if isinstance(item, dict) and str(item.get("@type", "")).endswith("RetryInfo"):
            match = _DURATION.match(str(item.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _retry_after(headers: httpx.Headers) -> float | None:
    """The wait a provider asked for: `retry-after-ms`, or `Retry-After` (seconds or date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000
        except ValueError:
            pass
        else:
            if math.isfinite(value):
                return max(0.0, value)
    header = headers.get("retry-after")
    if header is None:
        return None
    header = header.strip()
    try:
        seconds = float(header)
    except ValueError:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return max(0.0, seconds) if math.isfinite(seconds) else None
