"""The report: verdict, score, disclaimer, storage, and how a reviewer's flags merge."""

from __future__ import annotations

import json
import logging
from importlib import resources

import pytest

from autoclip.options import GenerateOptions, Language, Length, Vertical
from autoclip.providers.cloud.errors import ProviderUnavailable, RefusedError
from autoclip.providers.writing.offline import OfflineScriptWriter
from autoclip.safety import (
    DISCLAIMERS,
    SAFETY_VERSION,
    DisclaimerKind,
    SafetyFlag,
    SafetyReport,
    Verdict,
    check_script,
    disclaimer_for,
    score_of,
    with_disclaimer,
)
from autoclip.safety.rules import scan
from autoclip.safety.text import segments
from autoclip.script.model import Script
from autoclip.source.loader import load_text_file
from safety.scripts import make_script

KO, EN = Language.KO, Language.EN
MEDICAL, INVESTMENT = DisclaimerKind.MEDICAL, DisclaimerKind.INVESTMENT
GENERAL = DisclaimerKind.GENERAL

CURE = "이 차를 마시면 당뇨가 100% 완치됩니다."
RETURN = "This fund offers guaranteed returns of 12% a year."


def _flag(severity: str, sentence: str = "A sentence.", category: str = "other") -> SafetyFlag:
    return SafetyFlag.model_validate(
        {
            "category": category,
            "severity": severity,
            "sentence": sentence,
            "rule": "model",
            "source": "model",
        }
    )


class Reviewer:
    """A `ModelReviewer` answering fixed flags, counting its calls."""

    def __init__(self, flags: list[SafetyFlag], name: str = "reviewer") -> None:
        self.name = name
        self.flags = flags
        self.calls = 0

    def review(self, script: Script, vertical: Vertical) -> list[SafetyFlag]:
        self.calls += 1
        return self.flags


# --- verdict and score ----------------------------------------------------------------


def test_a_clean_script_is_ok_with_a_perfect_score_and_no_disclaimer() -> None:
    report = check_script(make_script(KO), Vertical.SENIOR_HEALTH)
    assert report == SafetyReport(
        verdict=Verdict.OK, score=1.0, flags=[], checked_by=["rules"], version=SAFETY_VERSION
    )


def test_scores_fall_as_scripts_get_worse_and_verdict_bands_never_overlap() -> None:
    def score(*narrations: str) -> float:
        report = check_script(make_script(EN, " ".join(narrations)), Vertical.FINANCE)
        assert 0.0 <= report.score <= 1.0
        return report.score

    ok = score("Saving a little every month adds up.")
    one_claim = score(RETURN)
    two_claims = score(RETURN, "Double your money in 30 days.")
    one_block = score("Sign up at this online casino tonight.")
    worse = score("Sign up at this online casino tonight.", RETURN)
    assert ok == 1.0
    assert ok > one_claim > two_claims > 0.5 > 0.4 >= one_block > worse > 0.0


def test_many_claims_never_score_as_low_as_a_block() -> None:
    many = [_flag("flag", f"Claim {n}.") for n in range(50)]
    assert score_of(many) > 0.5 > 0.4 >= score_of([_flag("block")])
    assert score_of([_flag("block")] * 30) >= 0.0


# --- the disclaimer -------------------------------------------------------------------


def test_a_flagged_script_gets_the_disclaimer_of_what_was_claimed() -> None:
    report = check_script(make_script(KO, CURE), Vertical.SENIOR_HEALTH)
    assert report.verdict is Verdict.FLAGGED
    assert report.disclaimer == DISCLAIMERS[MEDICAL][KO]
    finance = check_script(make_script(EN, RETURN), Vertical.FINANCE)
    assert finance.disclaimer == DISCLAIMERS[INVESTMENT][EN]


def test_a_blocked_script_gets_no_disclaimer() -> None:
    narration = f"{RETURN} Sign up at this online casino tonight."
    report = check_script(make_script(EN, narration), Vertical.FINANCE)
    assert report.verdict is Verdict.BLOCKED
    assert report.disclaimer is None


@pytest.mark.parametrize(
    ("vertical", "categories", "kinds"),
    [
        (Vertical.FINANCE, ["cure_claim"], [MEDICAL]),  # what was claimed comes first
        (Vertical.TECH, ["guaranteed_return"], [INVESTMENT]),
        (Vertical.COMMERCE, ["cure_claim", "guaranteed_return"], [MEDICAL, INVESTMENT]),
        (Vertical.SENIOR_HEALTH, ["other"], [MEDICAL]),  # then the vertical's
        (Vertical.FINANCE, ["other"], [INVESTMENT]),
        (Vertical.HISTORY, ["other"], [GENERAL]),
    ],
)
@pytest.mark.parametrize("language", list(Language))
def test_disclaimer_choice(
    vertical: Vertical, categories: list[str], kinds: list[DisclaimerKind], language: Language
) -> None:
    expected = "\n".join(DISCLAIMERS[kind][language] for kind in kinds)
    assert disclaimer_for(language, vertical, categories) == expected


def test_the_disclaimer_is_added_to_the_description_once() -> None:
    script = make_script(KO, CURE, description="건강 정보를 전합니다.")
    report = check_script(script, Vertical.SENIOR_HEALTH)
    assert report.disclaimer is not None
    once = with_disclaimer(script, report.disclaimer)
    assert once.description == f"건강 정보를 전합니다.\n{report.disclaimer}"
    assert with_disclaimer(once, report.disclaimer) == once
    assert once.cta == script.cta  # the on-screen headline has no room for it
    assert script.description == "건강 정보를 전합니다."  # the original is untouched


def test_a_disclaimer_line_already_there_is_not_repeated() -> None:
    both = disclaimer_for(EN, Vertical.COMMERCE, ["cure_claim", "guaranteed_return"])
    medical, investment = both.splitlines()
    script = make_script(EN, description=f"Great deals.\n{medical}")
    assert with_disclaimer(script, both).description == f"Great deals.\n{medical}\n{investment}"
    empty = make_script(EN, description="")
    assert with_disclaimer(empty, medical).description == medical


@pytest.mark.parametrize("vertical", list(Vertical))
@pytest.mark.parametrize("language", list(Language))
def test_disclaimers_themselves_pass_the_rules(vertical: Vertical, language: Language) -> None:
    for texts in DISCLAIMERS.values():
        script = with_disclaimer(make_script(language), texts[language])
        assert scan(segments(script), vertical) == []


# --- storage --------------------------------------------------------------------------


def test_the_report_survives_a_json_round_trip() -> None:
    reviewer = Reviewer([_flag("flag", "Double your money in 30 days.", "other")], "gemini")
    narration = f"{RETURN} Double your money in 30 days."
    report = check_script(make_script(EN, narration), Vertical.FINANCE, reviewer=reviewer)
    assert report.checked_by == ["rules", "gemini"]
    assert SafetyReport.model_validate_json(report.model_dump_json()) == report
    stored = json.loads(json.dumps(report.model_dump(mode="json")))  # a JSON column
    assert stored["verdict"] == "flagged"
    assert SafetyReport.model_validate(stored) == report


def test_a_report_with_unknown_keys_still_loads() -> None:
    stored = {"verdict": "ok", "score": 1, "checked_by": ["rules"], "version": "9", "new": 1}
    assert SafetyReport.model_validate(stored).verdict is Verdict.OK


# --- a reviewer's flags ---------------------------------------------------------------


def test_a_blocked_script_is_not_sent_to_the_reviewer() -> None:
    reviewer = Reviewer([])
    script = make_script(EN, "Sign up at this online casino tonight.")
    report = check_script(script, Vertical.TECH, reviewer=reviewer)
    assert reviewer.calls == 0
    assert report.checked_by == ["rules"]


def test_reviewer_flags_are_merged_as_model_flags() -> None:
    sentence = "Let us take it step by step."
    flag = _flag("flag", sentence, "other").model_copy(update={"source": "rules", "rule": "x"})
    reviewer = Reviewer([flag])
    report = check_script(make_script(EN), Vertical.HISTORY, reviewer=reviewer)
    assert reviewer.calls == 1
    assert report.verdict is Verdict.FLAGGED
    assert [(f.sentence, f.source, f.rule) for f in report.flags] == [(sentence, "model", "model")]
    assert report.disclaimer == DISCLAIMERS[GENERAL][EN]
    assert report.checked_by == ["rules", "reviewer"]


def test_a_reviewer_can_block() -> None:
    reviewer = Reviewer([_flag("block", "Let us take it step by step.", "hate")])
    report = check_script(make_script(EN), Vertical.HISTORY, reviewer=reviewer)
    assert report.verdict is Verdict.BLOCKED
    assert report.disclaimer is None


def test_reviewer_flags_repeating_the_rules_or_quoting_nothing_are_dropped() -> None:
    reviewer = Reviewer(
        [
            _flag("flag", RETURN, "guaranteed_return"),  # the rules found it already
            _flag("block", "A sentence this script does not have.", "hate"),
        ]
    )
    report = check_script(make_script(EN, RETURN), Vertical.FINANCE, reviewer=reviewer)
    assert [(f.category, f.source) for f in report.flags] == [("guaranteed_return", "rules")]
    assert report.verdict is Verdict.FLAGGED


# --- real scripts ---------------------------------------------------------------------


@pytest.mark.parametrize("vertical", list(Vertical))
@pytest.mark.parametrize("sample", ["ko_sleep.txt", "en_sleep.txt"])
def test_the_shipped_samples_are_ok_in_every_vertical(sample: str, vertical: Vertical) -> None:
    with resources.as_file(resources.files("autoclip") / "samples" / sample) as path:
        source = load_text_file(path)
    language = KO if sample.startswith("ko") else EN
    options = GenerateOptions(language=language, vertical=vertical, length=Length.LONG)
    script = OfflineScriptWriter().write(source, options)
    report = check_script(script, vertical)
    assert report.verdict is Verdict.OK, report.flags


def test_a_reviewer_that_is_down_leaves_the_rules_to_decide(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Down:
        name = "gemini"

        def review(self, script: Script, vertical: Vertical) -> list[SafetyFlag]:
            raise ProviderUnavailable("gemini", "circuit open")

    with caplog.at_level(logging.WARNING, logger="autoclip.safety"):
        report = check_script(make_script(EN, RETURN), Vertical.FINANCE, reviewer=Down())
    assert report.verdict is Verdict.FLAGGED
    assert report.checked_by == ["rules"]
    assert "rules only" in caplog.text


def test_a_model_that_refuses_to_review_flags_the_script() -> None:
    class Refusing:
        name = "gemini"

        def review(self, script: Script, vertical: Vertical) -> list[SafetyFlag]:
            raise RefusedError("gemini", "the provider refused to answer", detail="SAFETY")

    report = check_script(make_script(EN), Vertical.TECH, reviewer=Refusing())
    assert report.verdict is Verdict.FLAGGED
    assert report.checked_by == ["rules", "gemini"]
    [flag] = report.flags
    assert (flag.category, flag.source) == ("other", "model")
    assert "refused to review" in flag.reason
    assert report.disclaimer  # a general one, and a person's look when the project asks
