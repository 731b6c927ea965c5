"""The evaluation set of benchmarks/script_eval passes: every text's script narrates its lead
fact, shows no boilerplate, has a hook and hashtags naming its topic, a clean title, its
steps in order and its source credited (the table of docs/script-quality.md)."""

from __future__ import annotations

from collections import Counter

import pytest

from script_eval import CHECKS, Case, load_cases, run

CASES = load_cases()


def test_the_set_covers_both_languages_and_every_kind() -> None:
    languages = Counter(case.id[:2] for case in CASES)
    assert languages["ko"] >= 20
    assert languages["en"] >= 10
    kinds = {case.kind for case in CASES}
    assert {"news", "howto", "list", "opinion", "product"} <= kinds


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, bool]]:
    return {result.case.id: result.checks for result in run(CASES)}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_script_passes_every_check(case: Case, results: dict[str, dict[str, bool]]) -> None:
    failed = [name for name in CHECKS if not results[case.id][name]]
    assert failed == []
