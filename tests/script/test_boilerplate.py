"""Page furniture never reaches a script: bylines, dates, notices, share prompts, lists of
other articles, comments; the article's prose stays."""

from __future__ import annotations

import pytest

from autoclip.script.boilerplate import is_boilerplate, strip_boilerplate, strip_inline


@pytest.mark.parametrize(
    "line",
    [
        "김건강 기자 입력 2026.12.01 09:30",
        "입력 2026.12.01 09:30 수정 2026.12.01 10:15",
        "<저작권자 ⓒ 건강일보, 무단전재 및 재배포 금지>",
        "공유하기 페이스북 트위터 카카오톡 URL복사",
        "Copyright 2026 The Daily Ledger. All rights reserved. Privacy policy and cookie terms.",
        "By Jane Doe",
        "Published Dec 1, 2026, 9:30 a.m.",
        "Share this article",
        "홈 > 건강 > 수면",
        "2026.12.01",
        "5 min read",
        "Add to cart",
        "리뷰 128",
    ],
)
def test_furniture_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "하루 6시간 이하로 자는 중년은 치매에 걸릴 위험이 30% 높은 것으로 나타났다.",
        "구독 서비스가 늘면서 한 사람이 내는 요금도 해마다 오르고 있다는 분석이 나왔다.",
        "Researchers followed 40,000 adults and recorded what they drank every year.",
        "Share prices fell after the company said its profits would halve, analysts said.",
    ],
)
def test_prose_is_kept(line: str) -> None:
    assert not is_boilerplate(line)


def test_datelines_emails_and_credits_are_cut_from_a_line() -> None:
    assert strip_inline("(서울=건강뉴스) 박하늘 기자 = 하루 7천 보 걸으면 좋다.") == (
        "하루 7천 보 걸으면 좋다."
    )
    assert strip_inline("[머니뉴스 한경제 기자] 금리가 동결됐다.") == "금리가 동결됐다."
    assert strip_inline("잠이 보약이다./사진=게티이미지뱅크") == "잠이 보약이다."
    assert strip_inline("LONDON (Market Wire) - Rates were held.") == "Rates were held."


def test_related_lists_and_comments_are_cut() -> None:
    text = "\n".join(
        [
            "잠이 부족하면 치매 위험이 커진다.",
            "관련기사",
            "커피 끊으면 잠이 돌아올까",
            "불면증, 약 없이 이기는 법",
            "연구팀은 낮잠을 30분 이내로 줄이라고 권했다.",
            "댓글 3",
            "잠이보약 2026.12.01 좋은 기사 감사합니다",
            "이 댓글 뒤의 글도 모두 댓글이다.",
        ]
    )
    assert strip_boilerplate(text).split("\n") == [
        "잠이 부족하면 치매 위험이 커진다.",
        "연구팀은 낮잠을 30분 이내로 줄이라고 권했다.",
    ]
