"""A failed video's reason in the page's language.

The engine's errors are English sentences that name the field ("url: answered HTTP
404"). The common ones a creator meets are said again here in words of the page's
language; the engine's own sentence is kept beside it, as the detail to quote when asking
for help."""

from __future__ import annotations

import re

from autoclip.service.studio.catalog import text

# (pattern of the engine's message, catalog key; the pattern's named groups fill it)
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"answered HTTP (?P<code>404|410)\b"), "reason.gone"),
    (re.compile(r"answered HTTP (?P<code>\d{3})"), "reason.http"),
    (re.compile(r"no complete answer within"), "reason.timeout"),
    (re.compile(r"could not be reached|does not resolve"), "reason.unreachable"),
    (re.compile(r"address AutoClip does not fetch"), "reason.refused"),
    (re.compile(r"has no readable text|is not a web page"), "reason.no_text"),
    (re.compile(r"rejected in review"), "reason.rejected"),
    (re.compile(r"a topic needs a language model"), "reason.topic_needs_model"),
)


def in_words(message: str, language: str) -> str | None:
    """The reason in the page's language, or None when it is not one of the common ones."""
    for pattern, key in _REASONS:
        found = pattern.search(message)
        if found:
            return text(key, language).format(**found.groupdict())
    return None


# A publication's end, said in words: the worker's sentences (publishing/service.py,
# channels/service.py, publishing/youtube.py) by what they mean to the creator.
_PUBLISH_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"gave up after (?P<attempts>\d+) attempts"), "reason.pub_gave_up"),
    (
        re.compile(r"channel is disconnected|no longer accepts|connect the channel again"),
        "reason.pub_disconnected",
    ),
    (re.compile(r"channel was removed|video or the channel is gone"), "reason.pub_removed"),
    (re.compile(r"YouTube refused"), "reason.pub_refused"),
)


def publication_in_words(message: str, language: str) -> str | None:
    """Why a publish failed, in the page's language, or None for an uncommon reason."""
    for pattern, key in _PUBLISH_REASONS:
        found = pattern.search(message)
        if found:
            return text(key, language).format(**found.groupdict())
    return None
