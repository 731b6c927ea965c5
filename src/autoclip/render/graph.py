"""An ffmpeg filter graph as data.

Chains are built as Python objects and rendered to one `-filter_complex` string only at
the end, so a builder never concatenates user text into a graph, and `validate()` can
check that every labelled output is consumed exactly once. (An unconsumed output makes
ffmpeg buffer a whole clip in memory; see RENDER-NOTES.)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.+\-/]*")
_LABEL = re.compile(r"[A-Za-z0-9_:]+")
_INPUT_STREAM = re.compile(r"\d+:[va](?::\d+)?")

Value = str | int | float


def _format_value(value: Value) -> str:
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text or "0"
    text = str(value)
    if _PLAIN_VALUE.fullmatch(text):
        return text
    if "'" in text:
        # Never needed for the values we build; refusing is safer than clever escaping.
        raise ValueError(f"filter value contains a quote: {text!r}")
    # Quoted, the graph parser keeps commas, semicolons and brackets inside the value. The
    # quotes are consumed at that level, so the option parser below it would still split
    # on `:` and eat `\`; those two are backslash-escaped inside the quotes.
    escaped = text.replace("\\", "\\\\").replace(":", "\\:")
    return f"'{escaped}'"


@dataclass(frozen=True)
class Filter:
    name: str
    options: tuple[tuple[str, Value], ...] = ()

    @classmethod
    def of(cls, name: str, **options: Value) -> Filter:
        return cls(name, tuple(options.items()))

    def render(self) -> str:
        if not self.options:
            return self.name
        rendered = ":".join(f"{key}={_format_value(value)}" for key, value in self.options)
        return f"{self.name}={rendered}"


@dataclass(frozen=True)
class Chain:
    inputs: tuple[str, ...]
    filters: tuple[Filter, ...]
    outputs: tuple[str, ...]

    def render(self) -> str:
        head = "".join(f"[{label}]" for label in self.inputs)
        tail = "".join(f"[{label}]" for label in self.outputs)
        return head + ",".join(f.render() for f in self.filters) + tail


@dataclass
class FilterGraph:
    chains: list[Chain] = field(default_factory=list)

    def add(self, inputs: list[str], filters: list[Filter], outputs: list[str]) -> None:
        for label in (*inputs, *outputs):
            if not _LABEL.fullmatch(label):
                raise ValueError(f"bad pad label {label!r}")
        if not filters:
            raise ValueError("a chain needs at least one filter")
        self.chains.append(Chain(tuple(inputs), tuple(filters), tuple(outputs)))

    def validate(self, sinks: set[str]) -> None:
        """Every produced label is consumed once (or is a final sink); every consumed label
        is produced, or names an input stream such as `3:v`."""
        produced = Counter(label for chain in self.chains for label in chain.outputs)
        consumed = Counter(label for chain in self.chains for label in chain.inputs)
        for label, count in produced.items():
            if count > 1:
                raise ValueError(f"label [{label}] is produced {count} times")
            uses = consumed.get(label, 0) + (1 if label in sinks else 0)
            if uses != 1:
                raise ValueError(f"label [{label}] is used {uses} times, expected once")
        for label, count in consumed.items():
            if label in produced:
                continue
            if not _INPUT_STREAM.fullmatch(label):
                raise ValueError(f"label [{label}] is consumed but never produced")
            if count > 1:
                raise ValueError(f"input stream [{label}] is consumed {count} times; split it")
        for sink in sinks:
            if sink not in produced:
                raise ValueError(f"sink [{sink}] is never produced")

    def render(self) -> str:
        return ";".join(chain.render() for chain in self.chains)
