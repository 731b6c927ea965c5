"""The rule tables: sentences per category and language → the expected verdict."""

from __future__ import annotations

import pytest

from autoclip.options import Language, Vertical
from autoclip.safety import RULES, Verdict, check_script
from autoclip.safety.text import split_sentences
from safety.scripts import make_script

KO, EN = Language.KO, Language.EN
HEALTH, FINANCE = Vertical.SENIOR_HEALTH, Vertical.FINANCE
TECH, HISTORY, COMMERCE = Vertical.TECH, Vertical.HISTORY, Vertical.COMMERCE
BLOCKED, FLAGGED, OK = Verdict.BLOCKED, Verdict.FLAGGED, Verdict.OK
CURE, GAIN = "cure_claim", "guaranteed_return"

# (sentence, language, vertical, verdict, category flagged or None)
TABLE: list[tuple[str, Language, Vertical, Verdict, str | None]] = [
    # gambling
    ("오늘 밤 온라인 카지노에서 큰돈을 벌어 보세요.", KO, TECH, BLOCKED, "gambling"),
    ("도박을 하면 인생이 바뀝니다.", KO, FINANCE, BLOCKED, "gambling"),
    ("도박은 최고의 재테크입니다.", KO, FINANCE, BLOCKED, "gambling"),
    ("사설 토토 사이트 주소를 알려 드립니다.", KO, TECH, BLOCKED, "gambling"),
    ("Sign up at this online casino tonight and win big.", EN, TECH, BLOCKED, "gambling"),
    ("Sports betting is the easiest side income.", EN, FINANCE, BLOCKED, "gambling"),
    ("Gambling is the fastest way to get out of debt.", EN, FINANCE, BLOCKED, "gambling"),
    # adult
    ("19금 성인 방송 링크는 설명란에 있습니다.", KO, TECH, BLOCKED, "adult"),
    ("조건 만남 앱을 소개합니다.", KO, TECH, BLOCKED, "adult"),
    ("Watch free porn videos at the link below.", EN, TECH, BLOCKED, "adult"),
    ("Find escort services near you tonight.", EN, COMMERCE, BLOCKED, "adult"),
    # illegal drugs
    ("필로폰을 구하는 방법을 알려 드립니다.", KO, TECH, BLOCKED, "drugs"),
    ("대마초를 피우면 잠이 잘 옵니다.", KO, HEALTH, BLOCKED, "drugs"),
    ("Here is where to buy cocaine online.", EN, TECH, BLOCKED, "drugs"),
    ("You can grow weed at home in a closet.", EN, COMMERCE, BLOCKED, "drugs"),
    # violence
    ("폭탄을 만드는 방법을 단계별로 알려 드립니다.", KO, TECH, BLOCKED, "violence"),
    ("그런 사람은 죽여 버려야 합니다.", KO, HISTORY, BLOCKED, "violence"),
    ("가장 쉬운 자살 방법을 소개합니다.", KO, HEALTH, BLOCKED, "violence"),
    ("Here is how to make a pipe bomb at home.", EN, TECH, BLOCKED, "violence"),
    ("I will kill you if you cheat me again.", EN, TECH, BLOCKED, "violence"),
    # hate
    ("짱깨들은 다 나가라.", KO, HISTORY, BLOCKED, "hate"),
    ("이민자들은 모두 벌레입니다.", KO, HISTORY, BLOCKED, "hate"),
    ("틀딱들은 투표하지 마라.", KO, HEALTH, BLOCKED, "hate"),
    ("Immigrants are vermin and should leave.", EN, HISTORY, BLOCKED, "hate"),
    ("Towelheads should not be allowed on planes.", EN, TECH, BLOCKED, "hate"),
    # cure claims in senior health
    ("이 차를 마시면 당뇨가 100% 완치됩니다.", KO, HEALTH, FLAGGED, CURE),
    ("기적의 식품으로 관절염이 싹 사라집니다.", KO, HEALTH, FLAGGED, CURE),
    ("약 없이 낫는 고혈압 비법을 공개합니다.", KO, HEALTH, FLAGGED, CURE),
    ("의사들이 숨기는 치매 예방법이 있습니다.", KO, HEALTH, FLAGGED, CURE),
    ("노화를 되돌리는 비법입니다.", KO, HEALTH, FLAGGED, CURE),
    ("This miracle juice cures diabetes in two weeks.", EN, HEALTH, FLAGGED, CURE),
    ("Doctors hate this one simple trick.", EN, HEALTH, FLAGGED, CURE),
    ("This supplement reverses aging.", EN, HEALTH, FLAGGED, CURE),
    ("You can throw away your blood pressure pills.", EN, HEALTH, FLAGGED, CURE),
    ("이 영양제는 암세포를 죽입니다.", KO, HEALTH, FLAGGED, CURE),  # 죽이 + ㅂ니다
    ("Big pharma doesn’t want you to know this.", EN, HEALTH, FLAGGED, CURE),  # ’
    # guaranteed returns in finance
    (
        "이 상품은 원금 보장에 연 20% 확정 수익을 드립니다.",
        KO,
        FINANCE,
        FLAGGED,
        "guaranteed_return",
    ),
    ("무조건 수익이 나는 종목을 알려 드립니다.", KO, FINANCE, FLAGGED, GAIN),
    ("손실이 전혀 없는 투자법입니다.", KO, FINANCE, FLAGGED, GAIN),
    ("돈을 두 배로 불려 드립니다.", KO, FINANCE, FLAGGED, GAIN),
    (
        "This fund offers guaranteed returns of 12% a year.",
        EN,
        FINANCE,
        FLAGGED,
        "guaranteed_return",
    ),
    ("It is a risk-free investment with high returns.", EN, FINANCE, FLAGGED, GAIN),
    ("Double your money in 30 days.", EN, FINANCE, FLAGGED, GAIN),
    ("Profits are guaranteed every month.", EN, FINANCE, FLAGGED, GAIN),
    # the same claims mislead in other verticals too
    ("This miracle cream cures arthritis.", EN, COMMERCE, FLAGGED, CURE),
    ("이 코인은 무조건 오릅니다.", KO, TECH, FLAGGED, GAIN),
    # near misses: history
    ("역사 속 전쟁은 수많은 사람의 목숨을 앗아 갔습니다.", KO, HISTORY, OK, None),
    ("대마도는 부산에서 가까운 섬입니다.", KO, HISTORY, OK, None),
    ("2016년은 병신년이었습니다.", KO, HISTORY, OK, None),
    ("The battle of Hastings was fought in 1066.", EN, HISTORY, OK, None),
    ("Millions were killed in the Second World War.", EN, HISTORY, OK, None),
    ("The siege found a chink in the armor of the empire.", EN, HISTORY, OK, None),
    ("조선 시대에도 도박은 큰 사회 문제였습니다.", KO, HISTORY, OK, None),
    # near misses: health
    ("꾸준한 운동은 낙상 위험을 줄여 줍니다.", KO, HEALTH, OK, None),
    ("조기 위암은 완치율이 90%가 넘습니다.", KO, HEALTH, OK, None),
    ("약을 임의로 끊지 마세요.", KO, HEALTH, OK, None),
    ("마약성 진통제는 의사의 처방대로만 드세요.", KO, HEALTH, OK, None),
    ("도박 중독은 치료가 필요한 병입니다.", KO, HEALTH, OK, None),
    ("치매를 고치는 약은 아직 없습니다.", KO, HEALTH, OK, None),
    ("Exercise lowers the risk of falls.", EN, HEALTH, OK, None),
    ("Exercise helps prevent falls.", EN, HEALTH, OK, None),
    ("There is no miracle cure for arthritis.", EN, HEALTH, OK, None),
    ("Never stop taking your medication without asking your doctor.", EN, HEALTH, OK, None),
    ("Drug addiction treatment works best with family support.", EN, HEALTH, OK, None),
    ("어르신들이 공원에서 쓰레기를 줍는 봉사를 합니다.", KO, HEALTH, OK, None),
    ("Don’t gamble with your health.", EN, HEALTH, OK, None),
    # near misses: finance
    ("예금자 보호는 1인당 5천만 원까지입니다.", KO, FINANCE, OK, None),
    ("수익률은 보장되지 않습니다.", KO, FINANCE, OK, None),
    ("원금 보장을 약속하는 곳은 사기를 의심하세요.", KO, FINANCE, OK, None),
    ("주식은 도박이 아닙니다.", KO, FINANCE, OK, None),
    ("주식을 도박처럼 하면 안 됩니다.", KO, FINANCE, OK, None),
    ("확정 금리 예금은 비교적 안전합니다.", KO, FINANCE, OK, None),
    ("대마불사라는 말은 이제 통하지 않습니다.", KO, FINANCE, OK, None),
    ("Past returns are not guaranteed.", EN, FINANCE, OK, None),
    ("Returns are not guaranteed.", EN, FINANCE, OK, None),
    ("There is no guarantee of profit.", EN, FINANCE, OK, None),
    ("There are no guaranteed returns in the stock market.", EN, FINANCE, OK, None),
    ("Investing is not gambling.", EN, FINANCE, OK, None),
    ("Putting everything in one stock is like gambling.", EN, FINANCE, OK, None),
    ("Buying a house is a gamble.", EN, FINANCE, OK, None),
    ("Beware of anyone promising risk-free profits.", EN, FINANCE, OK, None),
    # near misses: tech and commerce
    ("광장시장 마약김밥은 꼭 먹어 보세요.", KO, COMMERCE, OK, None),
    ("이 앱은 배팅 연습 기록을 보여 줍니다.", KO, TECH, OK, None),
    ("Casino Royale is the best Bond film.", EN, TECH, OK, None),
    ("Free returns are guaranteed for 30 days.", EN, COMMERCE, OK, None),
]


@pytest.mark.parametrize(
    ("sentence", "language", "vertical", "verdict", "category"),
    TABLE,
    ids=[f"{row[3]}-{row[1]}-{index:02d}" for index, row in enumerate(TABLE)],
)
def test_sentence_verdict(
    sentence: str, language: Language, vertical: Vertical, verdict: Verdict, category: str | None
) -> None:
    report = check_script(make_script(language, sentence), vertical)
    assert report.verdict is verdict, report.flags
    if category is None:
        assert report.flags == []
    else:
        assert [flag.category for flag in report.flags] == [category]
        flag = report.flags[0]
        assert flag.sentence == sentence  # quoted verbatim
        assert flag.source == "rules"
        assert flag.rule.startswith(f"{category}.{language.value}.")
        assert flag.location == "scenes[0].narration"


def test_table_covers_every_category_in_both_languages() -> None:
    covered = {(row[4], row[1]) for row in TABLE if row[4] is not None}
    categories = {rule.category.value for rule in RULES}
    assert covered == {(category, language) for category in categories for language in Language}
    assert sum(1 for row in TABLE if row[3] is OK) >= 20


def test_rule_ids_are_unique_and_name_their_category_and_language() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.id.startswith(f"{rule.category.value}.{rule.language.value}.")
        expected = "flag" if rule.category in {"cure_claim", "guaranteed_return"} else "block"
        assert rule.severity == expected


def test_offending_sentence_is_quoted_verbatim_from_a_longer_narration() -> None:
    narration = "Saving is a habit.  This fund offers guaranteed returns!  Start small."
    report = check_script(make_script(EN, narration), FINANCE)
    [flag] = report.flags
    assert flag.sentence == "This fund offers guaranteed returns!"
    assert flag.sentence in narration


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "첫 문장입니다. 둘째 문장이에요! 셋째인가요?",
            ["첫 문장입니다.", "둘째 문장이에요!", "셋째인가요?"],
        ),
        ("金利は3.5%です。次の文です。", ["金利は3.5%です。", "次の文です。"]),
        ('He said "stop." Then he left', ['He said "stop."', "Then he left"]),
        ("줄바꿈은\n문장을 나눕니다", ["줄바꿈은", "문장을 나눕니다"]),
        ("Rates rose 3.5% in 2024... Then fell.", ["Rates rose 3.5% in 2024...", "Then fell."]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_each_sentence_is_reported_once_per_category() -> None:
    sentence = "카지노와 바카라, 도박의 모든 것."
    script = make_script(KO, sentence, on_screen_text=sentence, description=sentence)
    report = check_script(script, TECH)
    assert [(flag.category, flag.sentence) for flag in report.flags] == [("gambling", sentence)]


def test_a_sentence_in_two_categories_gets_a_flag_for_each() -> None:
    sentence = "Buy cocaine and gamble it all at the casino."
    report = check_script(make_script(EN, sentence), TECH)
    assert sorted(flag.category for flag in report.flags) == ["drugs", "gambling"]


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({"title": "온라인 카지노 가입 방법"}, "title"),
        ({"on_screen_text": "카지노 대박"}, "scenes[0].on_screen_text"),
        ({"description": "설명: 최고의 카지노를 소개합니다."}, "description"),
        ({"hashtags": ["#정보", "#온라인카지노"]}, "hashtags[1]"),
    ],
)
def test_every_shown_field_is_checked(fields: dict[str, object], location: str) -> None:
    script = make_script(KO, **fields)  # type: ignore[arg-type]
    report = check_script(script, TECH)
    assert report.verdict is BLOCKED
    assert [flag.location for flag in report.flags] == [location]


def test_hashtags_are_matched_word_by_word_and_quoted_as_written() -> None:
    report = check_script(make_script(EN, hashtags=["#news", "#OnlineCasino"]), TECH)
    [flag] = report.flags
    assert (flag.sentence, flag.location) == ("#OnlineCasino", "hashtags[1]")


def test_visual_descriptions_are_image_prompts_and_not_checked() -> None:
    report = check_script(make_script(EN, visual="Casino chips on a poker table."), TECH)
    assert report.verdict is OK


def test_english_rules_run_on_korean_scripts() -> None:
    report = check_script(make_script(KO, "이번 주말에는 online casino 에서 놀아요."), TECH)
    assert report.flags[0].rule == "gambling.en.casino"


def test_guaranteed_returns_mean_product_returns_in_commerce_only() -> None:
    sentence = "Every order comes with guaranteed returns."
    assert check_script(make_script(EN, sentence), COMMERCE).verdict is OK
    assert check_script(make_script(EN, sentence), FINANCE).verdict is FLAGGED
