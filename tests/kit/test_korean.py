"""Korean analysis with Kiwi: sentences, nouns, joining, and one analyser for all threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from autoclip.kit import korean
from autoclip.kit.text import content_terms
from autoclip.options import Language


def test_sentences_split_without_periods_and_keep_quotes_whole() -> None:
    paragraph = '"잠이 보약입니다. 꼭 챙기세요"라고 박 교수는 말했다 그는 웃었다'
    assert korean.sentences(paragraph) == [
        '"잠이 보약입니다. 꼭 챙기세요"라고 박 교수는 말했다',
        "그는 웃었다",
    ]


def test_nouns_without_particles_or_adjectives() -> None:
    text = "깊은 잠을 자는 동안 뇌는 노폐물을 씻어 내고 AI 기기는 수면무호흡증을 잡아낸다."
    assert korean.nouns(text, compounds=True) == [
        "잠", "동안", "뇌", "노폐물", "AI", "기기", "수면무호흡증",
    ]  # fmt: skip
    assert "깊은" not in korean.nouns(text)
    # The vague ones ("동안") never become terms.
    assert content_terms(text, Language.KO)[:3] == ["잠", "뇌", "노폐물"]


def test_join_fits_endings_to_stems() -> None:
    assert korean.join([("줄", "VV", False), ("습니다", "EF", False)]) == "줍니다"
    assert korean.join([("빠르", "VA", False), ("어요", "EF", False)]) == "빨라요"


def test_one_analyser_serves_many_threads() -> None:
    texts = [f"하루 {n}시간 자는 사람은 치매 위험이 {n}0% 높다." for n in range(1, 9)]
    expected = [korean.nouns(text) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda text: korean.nouns(text + " 그렇다."), texts * 4))
    assert found == expected * 4
