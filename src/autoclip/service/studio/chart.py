"""The usage chart: cost by provider per day as stacked bars, laid out here and drawn as
inline SVG by the template (no script: it works with JavaScript off, prints, and is read
out from the table beside it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from autoclip.service.billing.usage import UsageReport

WIDTH = 600
HEIGHT = 200
LEFT = 48  # room for the axis labels
BOTTOM = 20
# Distinct at AA contrast against white, and told apart without colour by the legend order.
COLOURS = ("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490")


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass
class Chart:
    bars: list[Bar] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    top_usd: float = 0.0
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = BOTTOM
    first_day: str = ""
    last_day: str = ""


def cost_chart(report: UsageReport, start: dt.date, days: int) -> Chart:
    services = sorted({d.service for d in report.days})
    colours = {s: COLOURS[i % len(COLOURS)] for i, s in enumerate(services)}
    per_day: dict[dt.date, float] = {}
    for usage in report.days:
        per_day[usage.date] = per_day.get(usage.date, 0.0) + usage.cost_usd
    top = max(per_day.values(), default=0.0)
    chart = Chart(
        legend=[(s, colours[s]) for s in services],
        top_usd=top,
        first_day=start.isoformat(),
        last_day=(start + dt.timedelta(days=days - 1)).isoformat(),
    )
    if top <= 0:
        return chart
    slot = (WIDTH - LEFT) / days
    plot_height = HEIGHT - BOTTOM
    stacked: dict[dt.date, float] = {}
    for usage in report.days:
        index = (usage.date - start).days
        if not 0 <= index < days:
            continue
        below = stacked.get(usage.date, 0.0)
        height = usage.cost_usd / top * plot_height
        chart.bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 2),
                y=round(plot_height - (below + usage.cost_usd) / top * plot_height, 2),
                width=round(slot * 0.7, 2),
                height=round(max(height, 0.5), 2),
                colour=colours[usage.service],
                label=f"{usage.date.isoformat()} {usage.service}: ${usage.cost_usd:.4f}",
            )
        )
        stacked[usage.date] = below + usage.cost_usd
    return chart
