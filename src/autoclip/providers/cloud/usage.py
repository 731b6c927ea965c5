"""What provider calls cost: units per call, an estimated price, and a per-content budget.

Every paid call reports its units (`input_tokens`, `output_tokens`, `characters`,
`images`, `requests`) to a `UsageMeter`. The meter prices them from `PRICES` (list prices
in US dollars per unit; an estimate, not an invoice), hands each record to a sink (the
service writes them to `api_usages`), and refuses further paid calls once the content's
budget is spent — a fallback chain then moves on to a free provider.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from autoclip.providers.cloud.errors import BudgetExceededError

# USD per unit, from the providers' public price lists: gemini-2.5-flash text,
# gemini-2.5-flash-image, gpt-4o-mini, ElevenLabs' pay-as-you-go characters; OpenAI speech
# at tts-1's price per character, as an estimate for any of its speech models (the
# default gpt-4o-mini-tts bills audio tokens). Pexels is free. Override with `prices=`.
PRICES: dict[str, dict[str, float]] = {
    "gemini": {"input_tokens": 0.30e-6, "output_tokens": 2.50e-6},
    "gemini-image": {"images": 0.039},
    "openai": {"input_tokens": 0.15e-6, "output_tokens": 0.60e-6},
    "openai-speech": {"characters": 15e-6},
    "elevenlabs": {"characters": 0.30e-3},
    # Google Cloud TTS: Neural2 and WaveNet at $16 per million characters (Chirp 3 HD
    # costs $30: the estimate errs low for it). Gemini speech bills tokens (text in, 25
    # audio tokens a second out, $10 per million): about 2.5 audio tokens per character
    # of narration, so $25 per million characters. CLOVA Voice Premium: about KRW 100 per
    # 1,000 characters, so about $72 per million.
    "google-tts": {"characters": 16e-6},
    "gemini-speech": {"characters": 25e-6},
    "clova": {"characters": 72e-6},
    "pexels": {},
}


@dataclass(frozen=True)
class UsageRecord:
    service: str
    stage: str | None
    units: dict[str, float]
    usd: float
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


UsageSink = Callable[[UsageRecord], None]


class UsageMeter:
    """One content's provider usage. Thread-safe: a stage may call providers in parallel.

    `spent_usd` starts a retried content where its earlier attempts left off, so the
    budget holds across attempts.
    """

    def __init__(
        self,
        *,
        budget_usd: float | None = None,
        sink: UsageSink | None = None,
        spent_usd: float = 0.0,
        prices: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        if budget_usd is not None and budget_usd < 0:
            raise ValueError("budget_usd must not be negative")
        self.budget_usd = budget_usd
        self.prices = {**PRICES, **{k: dict(v) for k, v in (prices or {}).items()}}
        self.stage: str | None = None  # the engine says which stage is calling
        self.records: list[UsageRecord] = []
        self._sink = sink
        self._spent = spent_usd
        self._lock = threading.Lock()

    @property
    def spent_usd(self) -> float:
        with self._lock:
            return self._spent

    def price(self, service: str, units: Mapping[str, float]) -> float:
        table = self.prices.get(service, {})
        return sum(table.get(unit, 0.0) * amount for unit, amount in units.items())

    def is_paid(self, service: str) -> bool:
        return any(price > 0 for price in self.prices.get(service, {}).values())

    def check(self, service: str) -> None:
        if self.budget_usd is None or not self.is_paid(service):
            return
        spent = self.spent_usd
        if spent >= self.budget_usd:
            raise BudgetExceededError(
                service,
                f"the content's budget of ${self.budget_usd:.2f} is spent (${spent:.4f});"
                " not called",
            )

    def check_affordable(self, service: str, units: Mapping[str, float]) -> None:
        """Raise `BudgetExceededError` if work costing `units` would pass the budget: for
        work that is only worth doing whole (a narration keeps one voice)."""
        if self.budget_usd is None:
            return
        cost = self.price(service, units)
        spent = self.spent_usd
        if cost > 0 and spent + cost > self.budget_usd:
            raise BudgetExceededError(
                service,
                f"about ${cost:.4f} more would pass the content's budget of"
                f" ${self.budget_usd:.2f} (${spent:.4f} spent); not started",
            )

    def record(self, service: str, units: Mapping[str, float]) -> None:
        amounts = {unit: float(amount) for unit, amount in units.items()}
        entry = UsageRecord(service, self.stage, amounts, self.price(service, amounts))
        with self._lock:
            self._spent += entry.usd
            self.records.append(entry)
        if self._sink is not None:
            self._sink(entry)
