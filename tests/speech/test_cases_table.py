"""The normaliser's case tables in docs/speech.md, row by row: what is written, what the
narrator is given. At least 100 Korean and 50 English cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autoclip.options import Language
from autoclip.speech.reading import read_aloud

DOC = Path(__file__).parents[2] / "docs" / "speech.md"
_ROW = re.compile(r"^\| `([^`]+)` \| `([^`]*)` \|$")


def cases(title: str) -> list[tuple[str, str]]:
    text = DOC.read_text("utf-8")
    section = text.split(f"## {title} cases\n", 1)[1].split("\n## ", 1)[0]
    return [
        (match.group(1), match.group(2))
        for line in section.splitlines()
        if (match := _ROW.match(line))
    ]


KOREAN = cases("Korean")
ENGLISH = cases("English")


def test_the_tables_are_large_enough() -> None:
    assert len(KOREAN) >= 100
    assert len(ENGLISH) >= 50
    assert len({written for written, _ in KOREAN}) == len(KOREAN)


@pytest.mark.parametrize(("written", "said"), KOREAN)
def test_korean(written: str, said: str) -> None:
    assert read_aloud(written, Language.KO).text == said


@pytest.mark.parametrize(("written", "said"), ENGLISH)
def test_english(written: str, said: str) -> None:
    assert read_aloud(written, Language.EN).text == said
