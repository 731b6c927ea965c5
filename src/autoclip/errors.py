"""Errors that decide what happens next.

`InputError` is the user's to fix (the CLI prints it on one line, the API turns it into a
4xx naming the field). `MediaError` is a failure of a media tool; it keeps the tool's
stderr tail so that "failed" always says why.
"""

from __future__ import annotations


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


class CancelledError(AutoclipError):
    """The work was cancelled by its owner."""
