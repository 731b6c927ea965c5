"""Errors that decide what happens next.

`InputError` is the user's to fix (the CLI prints it on one line, the API turns it into a
4xx naming the field). `MediaError` is a failure of a media tool; it keeps the tool's
stderr tail so that "failed" always says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autoclip.safety import SafetyReport


class AutoclipError(Exception):
    """Base of every error AutoClip raises on purpose."""


class InputError(AutoclipError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConfigurationError(AutoclipError):
    """A capability needs a setting that is not given (for example a language model)."""


class MediaError(AutoclipError):
    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(message if not stderr_tail else f"{message}\n{stderr_tail}")
        self.message = message
        self.stderr_tail = stderr_tail


class TransientError(AutoclipError):
    """A failure that may pass: trying again later may work (a provider's rate limit or
    outage, a full disk). A job queue retries it, after `retry_after` seconds when the
    cause said how long to wait."""

    retry_after: float | None = None


class DiskFullError(TransientError):
    """The local disk filled up while writing (a render's output, a stage's files).

    Not the input's fault, and not final: space may be freed (the scratch cleanup, another
    job finishing) or the retry may land on a worker with room. Says no path: it may reach
    a user as a content's error."""

    def __init__(self, what: str) -> None:
        super().__init__(f"the worker's disk is full ({what}: no space left on device)")
        self.what = what


class CancelledError(AutoclipError):
    """The work was cancelled by its owner."""


class ContentBlockedError(AutoclipError):
    """The safety check found a banned category (gambling, adult, drugs, violence, hate).

    Final: the same script would be blocked again. `report` is the `SafetyReport`.
    """

    def __init__(self, report: SafetyReport) -> None:
        first = next((flag for flag in report.flags if flag.severity == "block"), None)
        why = f"{first.category}: “{first.sentence}”" if first else "banned content"
        super().__init__(f"blocked by the safety check ({why})")
        self.report = report
