"""TextRank on crafted paragraphs whose central and stray sentences are known."""

from __future__ import annotations

from autoclip.options import Language
from autoclip.script.extractive import rank_sentences, select_key_sentences

EN_PARAGRAPH = [
    "Sleep helps the brain store memories and clear waste.",
    "Without enough sleep, memory and focus suffer the next day.",
    "Sleep, memory and the brain are closely linked in every study of sleep.",
    "The brain uses deep sleep to sort the memories of the day.",
    "My neighbour painted his fence bright orange last weekend.",
]
KO_PARAGRAPH = [
    "잠은 뇌가 기억을 정리하는 시간입니다.",
    "잠이 부족하면 다음 날 기억력과 집중력이 떨어집니다.",
    "깊은 잠을 자는 동안 뇌는 기억을 저장하고 노폐물을 씻어 냅니다.",
    "어제 동네 시장에서 고등어 두 마리를 샀습니다.",
    "좋은 잠은 뇌 건강과 기억력을 지키는 가장 쉬운 방법입니다.",
]


def test_off_topic_sentence_ranks_last() -> None:
    cases = ((EN_PARAGRAPH, Language.EN, 4), (KO_PARAGRAPH, Language.KO, 3))
    for paragraph, language, stray in cases:
        scores = rank_sentences(paragraph, language)
        assert len(scores) == len(paragraph)
        assert min(range(len(scores)), key=scores.__getitem__) == stray
        assert abs(sum(scores) - 1.0) < 1e-6


HUB_PARAGRAPH = [
    "Good sleep keeps the heart healthy.",
    "Memory grows stronger overnight.",
    "Sleep strengthens memory, protects the heart and settles the mind.",
    "A settled mind copes with stress.",
    "The bakery on the corner sells fresh bread.",
]


def test_hub_sentence_ranks_first() -> None:
    scores = rank_sentences(HUB_PARAGRAPH, Language.EN)
    # Only the third sentence shares terms with every other on-topic sentence.
    assert max(range(len(scores)), key=scores.__getitem__) == 2
    assert min(range(len(scores)), key=scores.__getitem__) == 4


def test_selection_keeps_text_order_and_drops_the_stray() -> None:
    chosen = select_key_sentences(KO_PARAGRAPH, Language.KO, 3)
    assert chosen == sorted(chosen)
    assert len(chosen) == 3
    assert 3 not in chosen


def test_near_duplicates_are_not_both_selected() -> None:
    sentences = [
        "Sleep protects memory and the brain.",
        "Sleep protects memory and the brain!",
        "Exercise strengthens the heart and the lungs.",
    ]
    chosen = select_key_sentences(sentences, Language.EN, 3)
    assert 2 in chosen
    assert len(chosen) == 2


def test_degenerate_inputs() -> None:
    assert rank_sentences([], Language.EN) == []
    assert rank_sentences(["Only one."], Language.EN) == [1.0]
    assert select_key_sentences(["Only one."], Language.EN, 5) == [0]
