"""The plans the product sells. Seeded by the first migration; the names are the manual's."""

from __future__ import annotations

from typing import Any

FREE = "free"
DEFAULT_PLAN = FREE

PLANS: list[dict[str, Any]] = [
    {"id": FREE, "name": "Free trial", "monthly_credits": 0, "unlimited": False,
     "trial_credits": 3, "requests_per_minute": 60, "price_cents": 0},
    {"id": "starter", "name": "Starter", "monthly_credits": 15, "unlimited": False,
     "trial_credits": 0, "requests_per_minute": 120, "price_cents": 1900},
    {"id": "pro", "name": "Pro", "monthly_credits": 30, "unlimited": False,
     "trial_credits": 0, "requests_per_minute": 300, "price_cents": 3900},
    {"id": "business", "name": "Business", "monthly_credits": 100, "unlimited": False,
     "trial_credits": 0, "requests_per_minute": 600, "price_cents": 9900},
    {"id": "enterprise", "name": "Enterprise", "monthly_credits": 0, "unlimited": True,
     "trial_credits": 0, "requests_per_minute": 3000, "price_cents": 0},
]  # fmt: skip
