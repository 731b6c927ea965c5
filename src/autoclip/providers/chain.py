"""Fallback chains: a capability's providers named in order ("elevenlabs,piper,espeak"),
parsed once into a list of the capability's names, and tried in turn until one serves.

A chain moves on only while `moves_on(error)` says so (`providers.cloud.errors`): the
provider could not be reached or kept failing, the budget is spent, or it had nothing for
this input. A refusal or a bad key ends the chain: the next provider would not make that
right, and a user should hear about a broken key rather than get a silent fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

from autoclip.errors import InputError
from autoclip.providers.cloud.errors import ProviderError, moves_on

N = TypeVar("N", bound=StrEnum)
P = TypeVar("P")
R = TypeVar("R")
log = logging.getLogger("autoclip.providers")


def parse_chain(value: str | Sequence[str], names: type[N], field: str) -> list[N]:
    """`"a,b"` or `["a", "b"]` as a list of `names`; `InputError(field)` for an empty
    chain, an unknown name or one named twice."""
    given = value.split(",") if isinstance(value, str) else list(value)
    given = [name.strip() for name in given if name.strip()]
    known = {member.value: member for member in names}
    unknown = [name for name in given if name not in known]
    if not given or unknown:
        raise InputError(
            field,
            f"unknown provider {', '.join(unknown) or '(none)'}; choose from "
            f"{', '.join(known)}, or a comma-separated fallback chain",
        )
    if len(set(given)) != len(given):
        raise InputError(field, "a provider appears twice in the chain")
    return [known[name] for name in given]


def first_that_serves(chain: Sequence[P], work: Callable[[P], R], what: str) -> tuple[P, R]:
    """`work(provider)` with each provider of `chain` in turn, until one serves: the
    provider that did and what it made. Moves on only while `moves_on(error)` says so;
    the last provider's error, or one that ends the chain, is raised as it is."""
    for position, provider in enumerate(chain, start=1):
        try:
            return provider, work(provider)
        except ProviderError as error:
            if position == len(chain) or not moves_on(error):
                raise
            name = getattr(provider, "name", type(provider).__name__)
            log.warning("%s %s failed (%s); trying the next", what, name, error)
    raise ValueError(f"no {what} to try: the chain is empty")
