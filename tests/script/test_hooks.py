"""Hooks from the strongest fact, restated per tone; titles and hashtags a channel would post."""

from __future__ import annotations

import pytest

from autoclip.kit.text import speech_seconds
from autoclip.options import Language, Tone
from autoclip.script.facts import FactKind, fact_kind
from autoclip.script.hooks import HOOK_MAX_SECONDS, count_hook, fact_hook, title_hook
from autoclip.script.metadata import clean_title, hashtags

LEAD = (
    "하루 6시간 이하로 자는 중년은 7시간 자는 사람보다 치매에 걸릴 위험이 30% 높은 것으로 나타났다."
)


@pytest.mark.parametrize(
    ("tone", "expected"),
    [
        (Tone.PROFESSIONAL, "치매에 걸릴 위험이 30% 높습니다."),
        (Tone.CASUAL, "치매에 걸릴 위험이 30% 높아요!"),
        (Tone.URGENT, "치매에 걸릴 위험이 30% 높습니다!"),
        (Tone.STORYTELLING, "치매에 걸릴 위험이 30% 높다고 해요."),
    ],
)
def test_korean_fact_is_restated_in_the_tone(tone: Tone, expected: str) -> None:
    assert fact_kind([LEAD], 0, Language.KO) is FactKind.RATIO
    hook = fact_hook(LEAD, FactKind.RATIO, Language.KO, tone, ["치매"], 28)
    assert hook is not None
    assert hook.narration == expected
    assert hook.on_screen == "치매에 걸릴 위험이 30% 높다"  # the thumbnail says it too
    assert speech_seconds(hook.narration, Language.KO) <= HOOK_MAX_SECONDS


def test_english_fact_loses_its_reporting_frame() -> None:
    sentence = "Coffee drinkers have a 20% lower risk of heart failure, a ten-year study has found."
    hook = fact_hook(sentence, FactKind.RATIO, Language.EN, Tone.PROFESSIONAL, ["coffee"], 42)
    assert hook is not None
    assert hook.narration == "Coffee drinkers have a 20% lower risk of heart failure."


def test_a_step_is_never_turned_into_a_claim() -> None:
    step = "설정에서 자동 백업을 켜세요."
    assert fact_hook(step, FactKind.STATEMENT, Language.KO, Tone.STORYTELLING, [], 28) is None


def test_headlines_and_counts() -> None:
    news = title_hook(
        "겨울철 노인 낙상 사고, 집 안에서 더 많이 난다", Language.KO, Tone.PROFESSIONAL, [], 28
    )
    assert news is not None
    assert news.narration == "겨울철 노인 낙상 사고, 집 안에서 더 많이 납니다."
    question = title_hook("한글은 어떻게 만들어졌을까", Language.KO, Tone.CASUAL, [], 28)
    assert question is not None
    assert question.narration == "한글은 어떻게 만들어졌을까?"
    steps = count_hook("숙면을 돕는 생활 습관 5가지", 5, True, Language.KO, Tone.PROFESSIONAL, 28)
    assert steps is not None
    assert steps.narration == "숙면을 돕는 생활 습관, 다섯 가지입니다."


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "하루 6시간 이하로 자면 치매 위험 30% 높다 - 건강일보",
            "하루 6시간 이하로 자면 치매 위험 30% 높다",
        ),
        ("Why sleep keeps you healthy | Example Site", "Why sleep keeps you healthy"),
        (
            "[단독] 하루 7천 보 걸으면 사망 위험 절반으로 | 시니어데일리",
            "하루 7천 보 걸으면 사망 위험 절반으로",
        ),
        (
            "10분 충전에 400km…차세대 배터리 공개 :: 테크인사이드",
            "10분 충전에 400km…차세대 배터리 공개",
        ),
        (
            "Coffee - friend or foe? The evidence so far",
            "Coffee - friend or foe? The evidence so far",
        ),
    ],
)
def test_titles_lose_the_site_name(raw: str, clean: str) -> None:
    assert clean_title(raw) == clean


def test_hashtags_topical_first_never_a_fragment_twice() -> None:
    tags = hashtags(["온열질환자", "열질환자", "폭염"], ["#shorts", "#건강정보"], Language.KO, 8, 5)
    assert tags == ["#온열질환자", "#폭염", "#shorts", "#건강정보", "#정보"]
