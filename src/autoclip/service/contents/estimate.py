"""What a content would take before it is asked for: one credit, and an estimate of what
its paid providers would cost.

The estimate prices the calls the first provider of each chain would make (a fallback only
serves when the first cannot), from the length the writers aim for, with the list prices
the meter charges (`providers/cloud/usage.py`). It is an upper-bound guess, not a quote:
the generation's budget caps what is really spent, so the estimate is capped by it too.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from autoclip.kit.text import EN_WORDS_PER_SECOND, KO_SYLLABLES_PER_SECOND
from autoclip.options import Language, Length
from autoclip.providers.cloud.usage import PRICES
from autoclip.providers.narration.base import NarratorName
from autoclip.providers.visuals.base import VisualName
from autoclip.providers.writing.base import WriterName
from autoclip.service.auth.callers import Account
from autoclip.service.auth.service import user_row
from autoclip.service.billing.repository import CreditRepository
from autoclip.service.contents.chains import CHAINS, budget_usd, provider_choice
from autoclip.service.contents.schemas import ContentCreate, Estimate, EstimatedCall
from autoclip.service.contents.service import settle_options
from autoclip.service.models import GenerationType
from autoclip.service.projects.service import default_project, get_project
from autoclip.settings import Settings

# Seconds of narration each length aims for (script/offline.py plans the same), and the
# scenes (hook and call to action included) the writers make of them, about 7 s each.
TARGET_SECONDS = {Length.SHORT: 55.0, Length.MID: 210.0, Length.LONG: 720.0}
SCENE_SECONDS = 7.0
# Characters of narration per second of speech: Korean syllables plus the spaces between
# words; English words of about five letters and a space.
CHARACTERS_PER_SECOND = {
    Language.KO: KO_SYLLABLES_PER_SECOND * 1.3,
    Language.EN: EN_WORDS_PER_SECOND * 6.0,
}
# A page's text is not known before it is fetched: the writers read at most about this.
URL_SOURCE_CHARACTERS = 12_000
CHARACTERS_PER_TOKEN = 3.0  # between English (about 4) and Korean (about 1.5 to 2)
PROMPT_TOKENS = 1_500  # the writer's and the reviewer's instructions and schema
# The script as JSON is about three times its narration (on-screen text, visual, keywords).
SCRIPT_TO_NARRATION = 3.0
REVIEW_OUTPUT_TOKENS = 300
# The service name each provider's calls are priced and recorded under.
SERVICE_OF: dict[str, str] = {
    WriterName.GEMINI: "gemini",
    WriterName.OPENAI: "openai",
    NarratorName.ELEVENLABS: "elevenlabs",
    NarratorName.OPENAI: "openai-speech",
    VisualName.GEMINI: "gemini-image",
    VisualName.PEXELS: "pexels",
}


def estimate_content(
    session: Session, user: Account, data: ContentCreate, settings: Settings
) -> Estimate:
    """The credit, the estimated provider cost and whether the caller can pay, for the very
    body `POST /contents` would take (the same checks, the same errors); nothing is kept."""
    project = (
        get_project(session, user, data.project_id) if data.project_id else
        default_project(session, user)
    )  # fmt: skip
    language, options = settle_options(session, user, data, project, settings)
    choice = provider_choice(options.model_dump(include=set(CHAINS)), project.providers)
    writers = choice.writer or settings.script_writer
    narrators = choice.narrator or settings.narrator
    visuals = choice.visuals or settings.visuals

    narration_chars = TARGET_SECONDS[options.length] * CHARACTERS_PER_SECOND[language]
    scenes = max(3, round(TARGET_SECONDS[options.length] / SCENE_SECONDS))
    script_tokens = narration_chars * SCRIPT_TO_NARRATION / CHARACTERS_PER_TOKEN
    source_chars = URL_SOURCE_CHARACTERS if data.kind is GenerationType.URL else len(data.source)
    calls: list[EstimatedCall] = []
    writer = writers[0]
    if writer in SERVICE_OF:
        units = {
            "input_tokens": PROMPT_TOKENS + source_chars / CHARACTERS_PER_TOKEN,
            "output_tokens": script_tokens,
        }
        calls.append(_call("script", writer, units))
    reviewer = next((name for name in writers if name in SERVICE_OF), None)
    if settings.safety_model_review and reviewer is not None:
        units = {
            "input_tokens": PROMPT_TOKENS + script_tokens,
            "output_tokens": REVIEW_OUTPUT_TOKENS,
        }
        calls.append(_call("safety", reviewer, units))
    # A recording of the creator's own is the narration: no voice is paid for.
    if options.narration_media_id is None and narrators[0] in SERVICE_OF:
        calls.append(_call("narration", narrators[0], {"characters": narration_chars}))
    if visuals[0] in SERVICE_OF:
        unit = "images" if visuals[0] is VisualName.GEMINI else "requests"
        calls.append(_call("visuals", visuals[0], {unit: float(scenes)}))

    budget = budget_usd(options.budget_usd, project.budget_usd, settings)
    total = sum(call.cost_usd for call in calls)
    row = user_row(session, user)
    plan = CreditRepository(session).plan(row.plan_id)
    unlimited = bool(plan and plan.unlimited)
    return Estimate(
        credits=1,
        balance=None if unlimited else row.credit_balance,
        affordable=unlimited or row.credit_balance >= 1,
        estimated_cost_usd=round(total if budget is None else min(total, budget), 4),
        uncapped_cost_usd=round(total, 4),
        budget_usd=budget,
        language=language,
        calls=calls,
    )


def _call(stage: str, provider: str, units: dict[str, float]) -> EstimatedCall:
    service = SERVICE_OF[provider]
    table = PRICES.get(service, {})
    cost = sum(table.get(unit, 0.0) * amount for unit, amount in units.items())
    rounded = {unit: round(amount) for unit, amount in units.items()}
    return EstimatedCall(
        stage=stage, provider=provider, service=service, units=rounded, cost_usd=round(cost, 6)
    )
