"""Script quality benchmark: the offline writer on the evaluation set of script_eval/.

Each text (`script_eval/*.txt`, described in `script_eval/README.md`) is written as a short
by the offline writer, the tones taken in turn, and the script is checked for what a
creator would not publish without:

- lead:   the body narrates the text's lead fact;
- clean:  no byline, date, copyright line, share prompt, related list or comment in any
          output (title, narration, on-screen text, description, hashtags);
- hook:   the hook names the topic;
- tags:   a hashtag names the topic, and none is a generic word;
- title:  the title has no site name and fits the platforms' length;
- steps:  a how-to's or list's steps are all said, in order;
- source: a web page's address is credited in the description;
- kind:   the text's kind is told right (news, how-to, list, opinion, product).

It prints a table (Markdown with --markdown, as in docs/script-quality.md) and the time
per script, measured after the Korean analyser has loaded (its one-time load is reported
on its own).

    .venv/bin/python benchmarks/script_eval.py [--markdown] [--only ID]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from autoclip.kit import korean
from autoclip.kit.text import detect_language, normalize_lines, speech_seconds
from autoclip.options import GenerateOptions, Length, Tone, Vertical
from autoclip.providers.writing.base import SourceMaterial
from autoclip.providers.writing.offline import OfflineScriptWriter
from autoclip.script.extractive import is_keyword
from autoclip.script.model import Script
from autoclip.script.offline import TITLE_MAX_CHARS
from autoclip.script.structure import analyse

CASES = Path(__file__).with_name("script_eval")
CHECKS = ("lead", "clean", "hook", "tags", "title", "steps", "source", "kind")
_TONES = list(Tone)


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    title: str | None
    origin: str | None
    vertical: Vertical
    kind: str
    lead: str
    topics: tuple[str, ...]
    boilerplate: tuple[str, ...]
    site: str
    steps: tuple[str, ...] = ()


@dataclass
class Result:
    case: Case
    tone: Tone
    script: Script
    seconds: float
    detected: str
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(self.checks.values())


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def load_case(path: Path) -> Case:
    header, _, text = path.read_text("utf-8").partition("\n---\n")
    fields = {}
    for line in header.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return Case(
        id=path.stem,
        text=text.strip(),
        title=fields.get("title") or None,
        origin=fields.get("origin") or None,
        vertical=Vertical(fields.get("vertical", "senior_health")),
        kind=fields["kind"],
        lead=fields["lead"],
        topics=_split(fields["topic"]),
        boilerplate=_split(fields.get("boilerplate", "")),
        site=fields.get("site", ""),
        steps=_split(fields.get("steps", "")),
    )


def load_cases(folder: Path = CASES) -> list[Case]:
    return [load_case(path) for path in sorted(folder.glob("*.txt"))]


def outputs(script: Script) -> list[str]:
    """Every text of a script that a viewer sees or hears."""
    texts = [script.title, script.description, *script.hashtags]
    for _, scene in script.timeline():
        texts += [scene.narration, scene.on_screen_text]
    return texts


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def check(case: Case, script: Script, detected: str) -> dict[str, bool]:
    body = _squash(" ".join(scene.narration for scene in script.scenes))
    seen = [_squash(text) for text in outputs(script)]
    hook = _squash(script.hook.narration)
    tags = [tag.lstrip("#").casefold() for tag in script.hashtags]
    topics = [topic.casefold() for topic in case.topics]
    positions = [body.find(_squash(step)) for step in case.steps]
    origin = case.origin or ""
    credited = not origin.startswith("http") or origin in script.description
    return {
        "lead": _squash(case.lead) in body,
        "clean": not any(_squash(b) in text for b in case.boilerplate for text in seen),
        "hook": any(topic in hook for topic in topics),
        "tags": any(topic in tag for topic in topics for tag in tags)
        and all(is_keyword(tag, script.language) or not tag.isalpha() for tag in tags[:4]),
        "title": case.site.casefold() not in script.title.casefold()
        and len(script.title) <= TITLE_MAX_CHARS,
        "steps": all(p >= 0 for p in positions) and positions == sorted(positions),
        "source": credited,
        "kind": detected == case.kind,
    }


def evaluate(case: Case, tone: Tone) -> Result:
    options = GenerateOptions(length=Length.SHORT, tone=tone, vertical=case.vertical)
    source = SourceMaterial(text=case.text, title_hint=case.title, origin=case.origin)
    start = time.perf_counter()
    script = OfflineScriptWriter().write(source, options)
    seconds = time.perf_counter() - start
    text = normalize_lines(case.text)
    detected = analyse(text, detect_language(text)).kind.value
    result = Result(case, tone, script, seconds, detected)
    result.checks = check(case, script, detected)
    return result


def run(cases: list[Case]) -> list[Result]:
    return [evaluate(case, _TONES[n % len(_TONES)]) for n, case in enumerate(cases)]


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def table(results: list[Result]) -> str:
    head = ["text", "kind", "tone", *CHECKS[:-1], "ms", "hook"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        kind = r.case.kind if r.checks["kind"] else f"{r.case.kind} (read as {r.detected})"
        marks = [_mark(r.checks[name]) for name in CHECKS[:-1]]
        hook = r.script.hook.narration.replace("|", "/")
        row = [r.case.id, kind, r.tone.value, *marks, f"{r.seconds * 1000:.0f}", hook]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def summary(results: list[Result]) -> str:
    lines = []
    for name in CHECKS:
        passed = sum(r.checks[name] for r in results)
        lines.append(f"{name}: {passed}/{len(results)}")
    times = [r.seconds * 1000 for r in results]
    longest = max(results, key=lambda r: len(r.case.text))
    lines.append(
        f"time per script: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms; "
        f"the longest text ({longest.case.id}, {len(longest.case.text)} characters): "
        f"{longest.seconds * 1000:.0f} ms"
    )
    over = [r.case.id for r in results if _speech(r.script) > 60]
    lines.append(f"shorts over 60 s: {', '.join(over) or 'none'}")
    return "\n".join(lines)


def _speech(script: Script) -> float:
    return sum(speech_seconds(s.narration, script.language) for _, s in script.timeline())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--only", help="one text's id (its file name without .txt)")
    args = parser.parse_args()
    cases = [c for c in load_cases() if args.only in (None, c.id)]
    start = time.perf_counter()
    korean.warm_up()
    print(f"Korean analyser loaded in {time.perf_counter() - start:.2f} s (once per process)")
    results = run(cases)
    if args.markdown:
        print(table(results))
    else:
        for r in results:
            failed = [name for name, ok in r.checks.items() if not ok]
            status = "ok" if not failed else "FAILED " + ", ".join(failed)
            print(f"{r.case.id:32} {r.seconds * 1000:5.0f} ms  {status}")
            print(f"    hook:  {r.script.hook.narration}  [{r.script.hook.on_screen_text}]")
            print(f"    title: {r.script.title}")
            print(f"    tags:  {' '.join(r.script.hashtags)}")
    print(summary(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
