"""Who serves a content and what it may spend: its own choice, else its project's, else
the configuration.

A content's options may name provider chains (`writer`, `narrator`, `visuals`, each a
comma-separated fallback chain) and a `budget_usd`; a project may name the same for its
contents. They are resolved when a worker runs the content, so a project's change applies
to what is still to be made.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from itertools import permutations
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from autoclip.errors import InputError
from autoclip.pipeline.chains import CHAIN_NAMES, ProviderChoice, unconfigured
from autoclip.providers.chain import parse_chain
from autoclip.providers.narration.base import NarratorName
from autoclip.providers.visuals.base import VisualName
from autoclip.providers.writing.base import WriterName
from autoclip.providers.writing.registry import takes_topics as chain_takes_topics
from autoclip.service.billing.repository import UsageRepository
from autoclip.service.schemas import Input, JsonNumber
from autoclip.settings import Settings

CHAINS = ("writer", "narrator", "visuals")
# A sanity cap on what one generation may be allowed to spend, estimated, in USD.
MAX_BUDGET_USD = 100.0


def _not_negative_zero(value: float) -> float:
    # `ge=0` lets -0.0 through (-0.0 >= 0 is true), and it would be stored and shown as
    # a budget of "-0.0": a negative budget is a mistake, whatever its size.
    if math.copysign(1.0, value) < 0:
        raise PydanticCustomError(
            "greater_than_equal",
            "Input should be greater than or equal to 0 (-0.0 is negative)",
            {"ge": 0},
        )
    return value


# A budget in USD, as a content's options and a project give it.
BudgetUsd = Annotated[
    JsonNumber, Field(ge=0, le=MAX_BUDGET_USD), AfterValidator(_not_negative_zero)
]


# The most providers a chain of the API may name. Seven narrators make 13,699 chains of
# any length, too many to list; four in a row is already more fallback than a video needs.
MAX_CHAIN = 4


def chains_of(names: Sequence[str]) -> list[str]:
    """Every chain of `names` as the API takes it: one to `MAX_CHAIN` of them, each at most
    once, in any order, joined by commas. (A closed set, so the OpenAPI document lists it,
    narrowed to the providers configured, and clients can offer the choices.)"""
    return [
        ",".join(chain)
        for length in range(1, min(len(names), MAX_CHAIN) + 1)
        for chain in permutations(names, length)
    ]


# The service's choices. The library visuals show the caller's own media library.
WRITER_CHAINS = chains_of(list(WriterName))
NARRATOR_CHAINS = chains_of(list(NarratorName))
VISUAL_CHAINS = chains_of(list(VisualName))
# A topic is written by a language model: a writer chain for one has a model in it.
TOPIC_WRITER_CHAINS = [
    chain
    for chain in WRITER_CHAINS
    if chain_takes_topics([WriterName(name) for name in chain.split(",")])
]
ALL_CHAINS = {
    "writer": WRITER_CHAINS,
    "narrator": NARRATOR_CHAINS,
    "visuals": VISUAL_CHAINS,
}


def _listed(chains: list[str]) -> WithJsonSchema:
    # The schema shows the closed set; the validator decides, and also takes spaces around
    # the commas ("openai, espeak"), which the list leaves out.
    return WithJsonSchema({"anyOf": [{"type": "string", "enum": chains}, {"type": "null"}]})


WriterChain = Annotated[
    str | None,
    _listed(WRITER_CHAINS),
    Field(max_length=200, description="Script writers, tried in turn: offline, gemini, openai."),
]
TopicWriterChain = Annotated[
    str | None,
    _listed(TOPIC_WRITER_CHAINS),
    Field(
        max_length=200,
        description="Script writers, tried in turn; for a topic, with a language model in it "
        "(gemini, openai).",
    ),
]
NarratorChain = Annotated[
    str | None,
    _listed(NARRATOR_CHAINS),
    Field(
        max_length=200,
        description="Narrators, tried in turn: piper, espeak, elevenlabs, openai, google, "
        "gemini, clova.",
    ),
]
VisualChain = Annotated[
    str | None,
    _listed(VISUAL_CHAINS),
    Field(
        max_length=200,
        description="Visuals, tried in turn: cards, library (your media library's images "
        "and clips, matched to scenes by the words of their names), gemini, pexels.",
    ),
]


class ProviderChains(Input):
    """Provider chains by capability, validated by name; None means "as configured".

    The OpenAPI document lists the chains each field takes, narrowed to the providers
    this server has keys for (service/openapi.py)."""

    writer: WriterChain = None
    narrator: NarratorChain = None
    visuals: VisualChain = None

    @field_validator(*CHAINS)
    @classmethod
    def _known(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else validated_chain(info.field_name or "", value)

    def given(self) -> dict[str, str]:
        """Only the chains that were chosen, as stored on a project."""
        return self.model_dump(exclude_none=True)


def configured_chains(settings: Settings, chains: list[str]) -> list[str]:
    """The chains of `chains` whose every provider has what it needs on this server."""
    return [chain for chain in chains if not unconfigured(settings, chain.split(","))]


def validated_chain(name: str, value: str) -> str:
    """`value` as a clean chain ("a,b"); `ValueError` (a 422 naming the field) if a name
    is unknown or repeated."""
    try:
        names = parse_chain(value, CHAIN_NAMES[name], name)
    except InputError as error:
        raise ValueError(error.message) from None
    if len(names) > MAX_CHAIN:
        raise ValueError(f"at most {MAX_CHAIN} providers in a chain")
    return ",".join(names)


def check_configured(settings: Settings, chains: Mapping[str, str | None], prefix: str) -> None:
    """Refuse, naming the field (`options.narrator`, `providers.visuals`), a chain with a
    provider that lacks its key on this server: every content would fail in the worker."""
    for name in CHAINS:
        chain = chains.get(name)
        if chain and (missing := unconfigured(settings, chain.split(","))):
            raise InputError(
                f"{prefix}.{name}", f"not configured on this server (needs {', '.join(missing)})"
            )


def provider_choice(options: Mapping[str, Any], project: Mapping[str, str]) -> ProviderChoice:
    """Per capability: the content's own chain, else its project's, else None (configured)."""
    return ProviderChoice.parse(**{name: options.get(name) or project.get(name) for name in CHAINS})


def takes_topics(settings: Settings, choice: ProviderChoice) -> bool:
    """Whether the writer chain that would write this content can write from a topic alone
    (has a language model in it). Names only: no writer is built for the question."""
    return chain_takes_topics(choice.writer or settings.script_writer)


def budget_usd(own: float | None, project_budget: float | None, settings: Settings) -> float | None:
    """The content's own budget, else its project's, else the configured one (None: no cap).

    The configured budget is the operator's ceiling: a user may spend less per content,
    never more."""
    chosen = own if own is not None else project_budget
    ceiling = settings.content_budget_usd
    if chosen is None:
        return ceiling
    return chosen if ceiling is None else min(chosen, ceiling)


def generation_spend(session: Session, content_id: uuid.UUID) -> float:
    """What the content's current generation has spent so far, in USD.

    A generation begins with the credit taken for it (creation, a regenerate, an operator's
    retry); its attempts, phases and an approval all belong to it. So the budget holds
    across retries, while a regenerate — a new credit — gets a budget of its own. (The
    content's `cost_usd` is the total of every generation.)
    """
    return UsageRepository(session).generation_spend(content_id)
