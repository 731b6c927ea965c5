"""Errors of cloud providers, sorted by what the caller should do next.

- `RetriableProviderError`: the service was unreachable, slow, rate-limited or failing
  (timeouts, connection errors, 429, 5xx). Trying again later may work; `retry_after`
  says when the provider asked to be called again, if it did.
- `ProviderUnavailable`: the circuit breaker is open: recent calls kept failing, so this
  one was not even sent. Retriable after `retry_after` seconds.
- `PermanentProviderError`: the provider answered and said no (bad key, no permission,
  unknown model, a refused prompt, an answer that stayed unusable after a repair).
  Retrying would fail the same way.

Messages never carry credentials: `ProviderHttp` redacts every secret it was given from
what a provider echoes back, and keys never travel in URLs.
"""

from __future__ import annotations

from autoclip.errors import AutoclipError, TransientError


class ProviderError(AutoclipError):
    """A call to `service` failed; `status` is the HTTP status when there was an answer.

    `moves_on`: whether a fallback chain should try its next provider after this error.
    """

    moves_on = False

    def __init__(
        self,
        service: str,
        message: str,
        *,
        status: int | None = None,
        detail: str = "",
    ) -> None:
        text = f"{service}: {message}"
        if status is not None:
            text += f" (HTTP {status})"
        if detail:
            text += f": {detail}"
        super().__init__(text)
        self.service = service
        self.message = message
        self.status = status
        self.detail = detail


class RetriableProviderError(ProviderError, TransientError):
    moves_on = True

    def __init__(
        self,
        service: str,
        message: str,
        *,
        status: int | None = None,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(service, message, status=status, detail=detail)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    pass


class RefusedError(PermanentProviderError):
    """The provider would not answer this content (a safety block, a content filter).
    Asked again, it refuses again; what it refused is itself a finding for the safety
    check."""


class ProviderUnavailable(RetriableProviderError):
    """The circuit breaker for `service` is open; no request was sent."""


class BudgetExceededError(PermanentProviderError):
    """The content's spending cap is reached: no more paid calls for it. A fallback chain
    moves on to a free provider; without one the stage fails, and retrying would not help."""

    moves_on = True


def moves_on(error: BaseException) -> bool:
    """Whether a fallback chain should try its next provider after `error`: the provider
    could not be reached or kept failing, the budget is spent, or it had nothing for this
    input (no stock footage for a scene). Not after a refusal or a bad key."""
    return isinstance(error, ProviderError) and error.moves_on
