"""Hooks and calls to action: short, in the right language, stable."""

from __future__ import annotations

import pytest

from autoclip.kit.text import hangul_ratio, speech_seconds
from autoclip.options import Language, Tone, Vertical
from autoclip.script import phrasebook


@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize(("language", "topic"), [(Language.KO, "수면"), (Language.EN, "sleep")])
def test_hooks_fit_three_seconds_and_name_the_topic(
    language: Language, topic: str, tone: Tone
) -> None:
    seen = set()
    for seed in map(str, range(40)):
        hook = phrasebook.hook_line(language, tone, topic, seed)
        assert speech_seconds(hook, language) <= phrasebook.HOOK_MAX_SECONDS
        assert topic in hook.lower()
        seen.add(hook)
    assert len(seen) > 1  # different texts do not all open alike


def test_korean_particles_follow_the_topic() -> None:
    assert phrasebook.has_final_consonant("수면")
    assert not phrasebook.has_final_consonant("커피")
    assert phrasebook.has_final_consonant("7")
    for seed in map(str, range(40)):
        hook = phrasebook.hook_line(Language.KO, Tone.PROFESSIONAL, "커피", seed)
        assert "커피이" not in hook
        assert "커피을" not in hook


def test_long_topic_falls_back_to_a_plain_hook() -> None:
    topic = "수면무호흡증후군과만성피로증후군의관계"
    hook = phrasebook.hook_line(Language.KO, Tone.CASUAL, topic, "seed")
    assert topic not in hook
    assert speech_seconds(hook, Language.KO) <= phrasebook.HOOK_MAX_SECONDS


@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize("vertical", list(Vertical))
def test_ctas_are_in_the_script_language(tone: Tone, vertical: Vertical) -> None:
    ko = phrasebook.cta_line(Language.KO, tone, vertical, "seed")
    en = phrasebook.cta_line(Language.EN, tone, vertical, "seed")
    assert hangul_ratio(ko) > 0.9
    assert hangul_ratio(en) == 0.0
    assert phrasebook.cta_line(Language.KO, tone, vertical, "seed") == ko


def test_professional_korean_is_formal_and_casual_is_polite_informal() -> None:
    for seed in map(str, range(20)):
        formal = phrasebook.cta_line(Language.KO, Tone.PROFESSIONAL, Vertical.TECH, seed)
        casual = phrasebook.cta_line(Language.KO, Tone.CASUAL, Vertical.TECH, seed)
        assert formal.rstrip(".!").endswith(("니다", "십시오"))
        assert casual.rstrip(".!").endswith("요")
