"""The model review: what is asked of the model, and how leniently its answer is read."""

from __future__ import annotations

import json
import logging

import pytest

from autoclip.options import Language, Vertical
from autoclip.providers.cloud.errors import RetriableProviderError
from autoclip.safety import LanguageModelReviewer, SafetyFlag, Verdict, check_script
from autoclip.script.model import Script
from safety.scripts import FakeModel, make_script

KO, EN = Language.KO, Language.EN
CLAIM = "Walking every day will make your knees twenty years younger."
NARRATION = f"Walking is good for you. {CLAIM} Start slowly."


def _answer(*flags: dict[str, str]) -> str:
    return json.dumps({"flags": list(flags)}, ensure_ascii=False)


def _claim(**changes: str) -> dict[str, str]:
    flag = {"category": "cure_claim", "severity": "flag", "sentence": CLAIM, "reason": "Too good."}
    return {**flag, **changes}


def _review(answer: str, script: Script | None = None) -> list[SafetyFlag]:
    reviewer = LanguageModelReviewer(FakeModel([answer]))
    return reviewer.review(script or make_script(EN, NARRATION), Vertical.SENIOR_HEALTH)


def test_the_request_is_one_plain_call_with_the_whole_script() -> None:
    model = FakeModel([_answer()])
    script = make_script(KO, "오늘은 걷기 이야기입니다.", hashtags=["#걷기", "#건강"])
    assert LanguageModelReviewer(model).review(script, Vertical.FINANCE) == []
    [call] = model.calls
    assert call.shape is None  # plain text: read leniently, not forced into a schema
    assert "personal finance" in call.system
    assert "in Korean" in call.system  # the reasons, in the script's language
    [turn] = call.turns
    assert turn.role == "user"
    for text in ("오늘의 이야기", "오늘은 걷기 이야기입니다.", "구독과 좋아요", "#걷기 #건강"):
        assert text in turn.text
    assert "personal finance" in call.system
    assert "Korean" in call.system  # the reasons are shown to a Korean user
    assert '"flags"' in call.system


def test_a_good_answer_gives_model_flags_quoting_the_script() -> None:
    [flag] = _review(_answer(_claim()))
    assert flag == SafetyFlag(
        category="cure_claim",
        severity="flag",
        sentence=CLAIM,
        rule="model",
        source="model",
        reason="Too good.",
        location="scenes[0].narration",
    )


def test_a_fenced_answer_with_prose_around_it_is_read() -> None:
    fenced = f"```json\n{_answer(_claim())}\n```"
    assert [flag.sentence for flag in _review(fenced)] == [CLAIM]
    chatty = f"Here is my review:\n{_answer(_claim())}\nHope this helps."
    assert [flag.sentence for flag in _review(chatty)] == [CLAIM]


@pytest.mark.parametrize(
    "answer",
    ["", "I cannot review this.", '{"flags": [', '{"verdict": "ok"}', '"flags"', "[1, 2"],
)
def test_an_unreadable_answer_gives_no_flags_and_a_warning(
    answer: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="autoclip.safety"):
        assert _review(answer) == []
    assert "could not be read" in caplog.text


def test_a_flag_quoting_a_sentence_not_in_the_script_is_dropped() -> None:
    answer = _answer(_claim(sentence="Running cures arthritis."), _claim())
    assert [flag.sentence for flag in _review(answer)] == [CLAIM]


@pytest.mark.parametrize(
    "quote",
    [
        CLAIM.upper(),  # case
        f"  “{CLAIM}”  ",  # quotes and spaces
        CLAIM.replace(" ", "   "),  # spacing
        f"[scene 1 narration] {CLAIM}",  # the label we sent
        "make your knees twenty years younger",  # a part of it
    ],
)
def test_a_loose_quote_names_the_whole_sentence_verbatim(quote: str) -> None:
    assert [flag.sentence for flag in _review(_answer(_claim(sentence=quote)))] == [CLAIM]


def test_a_quote_too_short_to_mean_anything_is_dropped() -> None:
    assert _review(_answer(_claim(sentence="knees"), _claim(sentence="."))) == []


def test_a_quote_of_two_sentences_flags_each() -> None:
    [first, second] = _review(_answer(_claim(sentence=f"{CLAIM} Start slowly.")))
    assert (first.sentence, second.sentence) == (CLAIM, "Start slowly.")


@pytest.mark.parametrize(
    ("category", "severity", "expected"),
    [
        ("gambling", "block", ("gambling", "block")),
        ("Guaranteed Return", "flag", ("guaranteed_return", "flag")),
        ("hate-speech", "BLOCK", ("hate", "block")),
        ("illegal drugs", "block", ("drugs", "block")),
        ("misinformation", "flag", ("other", "flag")),
        ("cure_claim", "high", ("cure_claim", "flag")),
        ("", "", ("other", "flag")),
    ],
)
def test_categories_and_severities_are_read_leniently(
    category: str, severity: str, expected: tuple[str, str]
) -> None:
    [flag] = _review(_answer(_claim(category=category, severity=severity)))
    assert (flag.category, flag.severity) == expected


def test_malformed_items_are_skipped_and_duplicates_merged() -> None:
    answer = json.dumps(
        {"flags": ["text", 3, {"severity": "block"}, _claim(), _claim(reason="again"), _claim()]}
    )
    [flag] = _review(answer)
    assert flag.reason == "Too good."


def test_a_long_reason_is_shortened_and_a_missing_one_is_empty() -> None:
    [flag] = _review(_answer(_claim(reason="word " * 200)))
    assert len(flag.reason) == 300
    [flag] = _review(json.dumps({"flags": [{"category": "other", "sentence": CLAIM}]}))
    assert flag.reason == ""


def test_a_bare_list_of_flags_is_accepted() -> None:
    assert [flag.sentence for flag in _review(json.dumps([_claim()]))] == [CLAIM]


def test_korean_flags_match_korean_sentences() -> None:
    sentence = "이 운동을 하면 무릎이 스무 살로 돌아갑니다."
    script = make_script(KO, f"걷기는 좋습니다. {sentence}")
    [flag] = _review(_answer(_claim(sentence=sentence, reason="과장된 효능")), script)
    assert (flag.sentence, flag.reason) == (sentence, "과장된 효능")


def test_provider_errors_propagate() -> None:
    error = RetriableProviderError("fakemodel", "rate limited", status=429)
    reviewer = LanguageModelReviewer(FakeModel([error]))
    with pytest.raises(RetriableProviderError):
        reviewer.review(make_script(EN), Vertical.TECH)


def test_the_reviewer_names_its_model_and_prompt() -> None:
    reviewer = LanguageModelReviewer(FakeModel([]))
    assert reviewer.name == "fakemodel"
    assert reviewer.identity() == "fakemodel/v1/safety-1"


def test_check_script_with_the_model_reviewer() -> None:
    model = FakeModel([_answer(_claim())])
    script = make_script(EN, NARRATION)
    report = check_script(script, Vertical.SENIOR_HEALTH, reviewer=LanguageModelReviewer(model))
    assert report.verdict is Verdict.FLAGGED
    assert report.checked_by == ["rules", "fakemodel"]
    assert [(flag.sentence, flag.source) for flag in report.flags] == [(CLAIM, "model")]
    assert "not medical advice" in (report.disclaimer or "")
