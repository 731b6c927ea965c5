"""What a page or a pasted article carries besides the article: bylines, dates, copyright
lines, photo credits, "related articles" and "most read" lists, share prompts, comments.

None of it may reach a script, a description or a hashtag: a narrator reading "김건강 기자
입력 2026.12.01 09:30" or "Share on Facebook" is the surest sign of a machine at work.
`strip_boilerplate` works on a normalized text (one paragraph a line), in both languages at
once: the patterns of one never match the other's prose.

Three kinds of cut:
- a whole line that is boilerplate (a byline, a date, "무단전재 및 재배포 금지");
- a part of a line: the dateline before a lead ("(서울=연합뉴스) 김건강 기자 = "), a
  reporter's e-mail, a photo credit ("/사진=게티이미지뱅크");
- a section: after a "related articles" or "most read" heading, the short headline-like
  lines that list other articles; after a comments heading, everything (comments are last).
"""

from __future__ import annotations

import re

# A line this short, with no sentence ending, is a label or a headline, not prose.
_SHORT_LINE = 60

_I = re.IGNORECASE
_KO_REPORTER = r"[가-힣]{2,4}\s?(?:기자|특파원|객원기자|선임기자|논설위원|통신원|에디터|리포터)"
_DATE = r"\d{4}\s?[.\-/년]\s?\d{1,2}\s?[.\-/월]\s?\d{1,2}\s?[.일]?"
_EN_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"  # May, Sept., December
)

# (pattern, longest line it may condemn): a byline is short, a footer of notices is not,
# and a long sentence that merely starts like a label is still prose.
_WHOLE_LINE: list[tuple[re.Pattern[str], int]] = [
    # Bylines and the time stamps news sites print with them.
    (re.compile(rf"^[\[(<]?\s*(?:[가-힣A-Za-z]+\s)?{_KO_REPORTER}(?:[\s=\]>),·|]|$)"), 80),
    (re.compile(rf"(?:입력|수정|등록|승인|송고|업데이트|게재)\s*[:：]?\s*{_DATE}"), 100),
    (re.compile(r"^[Bb]y\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*(?:[,|·]|$)"), 80),
    (re.compile(r"^(?:published|updated|posted|last updated|first published)\b", _I), 80),
    (re.compile(r"^(?:staff writer|senior reporter|reporter|correspondent)\b", _I), 60),
    (
        re.compile(
            rf"^\s*{_DATE}\s*(?:\([월화수목금토일]\))?\s*(?:\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*$"
        ),
        40,
    ),
    (re.compile(rf"^\s*{_EN_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b", _I), 50),
    (re.compile(rf"^\s*\d{{1,2}}\s+{_EN_MONTH}\s+\d{{4}}\b", _I), 50),
    (re.compile(r"^\s*\d+\s*(?:min(?:ute)?s?\s+read|분\s*읽기)\s*$", _I), 30),
    # Copyright and reprint notices, alone or in a footer of notices.
    (
        re.compile(
            r"ⓒ|©|\(c\)\s*\d{4}|copyright|all rights reserved|저작권자|무단\s?전재|재배포\s?금지",
            _I,
        ),
        200,
    ),
    # Link arrows Korean news sites put before other articles' headlines.
    (re.compile(r"^\s*[▶☞►▷]"), 120),
    # Share, follow and subscribe prompts; ads.
    (
        re.compile(
            r"^(?:share(?: this)?(?: article| story| post)?|share on \w+|tweet|email this|print"
            r"|subscribe(?: to| now| for)?|sign up for|follow us|click here|advertisement"
            r"|sponsored(?: content)?|see more|view comments|read the full)\b",
            _I,
        ),
        60,
    ),
    (
        re.compile(
            r"^(?:공유하기|기사\s?공유|공유|구독하기|구독|좋아요|기사\s?제보|제보하기|후원하기|"
            r"글자\s?크기|인쇄하기|인쇄|스크랩|URL\s?복사|링크\s?복사|광고|기사\s?원문)",
            _I,
        ),
        30,
    ),
    # Shop furniture: carts, delivery, reviews, coupons.
    (
        re.compile(
            r"^(?:장바구니|바로\s?구매|구매하기|찜하기|할인\s?쿠폰|무료\s?배송|배송\s?안내|상품\s?문의|"
            r"리뷰(?:\s?쓰기|\s?\d+|\s?보기)?|Q&A|add to (?:cart|basket|wishlist)|buy now|"
            r"free (?:delivery|shipping)|reviews?\s*\(?\d*\)?|in stock|out of stock|"
            r"(?:customer )?reviews?)\b",
            _I,
        ),
        60,
    ),
    # Photo and image credits on a line of their own.
    (re.compile(r"^[\[(]?\s*(?:사진|그래픽|이미지|자료|영상)\s*(?:제공)?\s*[=:：/]"), 60),
    (re.compile(r"^[\[(]?\s*(?:photo|image|illustration|graphic)\s*(?:by|credit)?\s*[:/]", _I), 80),
    # Breadcrumbs: "홈 > 건강 > 수면".
    (re.compile(r"^\S{1,12}(?:\s*[>›»]\s*\S{1,12}){2,}\s*$"), 60),
]
_SHARE_WORDS = re.compile(
    r"페이스북|트위터|카카오톡|카카오스토리|네이버\s?블로그|밴드|URL\s?복사|링크\s?복사|"
    r"facebook|twitter|linkedin|whatsapp|pinterest|reddit|email|print",
    _I,
)

# Headings that open a list of other articles: its short lines are skipped.
_LIST_HEADING = re.compile(
    r"^(?:관련\s?기사|관련\s?뉴스|관련\s?글|함께\s?(?:보면|읽으면)\s?좋은|추천\s?기사|많이\s?본\s?(?:뉴스|기사)|"
    r"인기\s?기사|오늘의\s?인기|실시간\s?인기|이\s?시각\s?주요\s?뉴스|다른\s?기사|기사\s?더\s?보기|"
    r"related(?: articles| stories| posts| coverage| reading)?|read more|read next|more from|"
    r"more stories|you (?:may|might) also like|most (?:read|popular|viewed)|recommended|"
    r"trending(?: now)?|see also|also read|popular now)\b",
    _I,
)
# Headings that open the comments: everything after them is cut.
_COMMENTS_HEADING = re.compile(
    r"^(?:댓글|전체\s?댓글|독자\s?의견|의견\s?쓰기|로그인\s?후|"
    r"\d*\s*comments?|leave a (?:comment|reply)|join the (?:conversation|discussion)|"
    r"sign in to comment|reader comments|responses)\b",
    _I,
)

# Parts of a line.
_INLINE = [
    # "(서울=연합뉴스) 김건강 기자 = ", "[건강일보 김건강 기자] ", "SEOUL (Reuters) - ".
    re.compile(r"^\s*\([^()]{1,20}=[^()]{1,20}\)\s*"),
    re.compile(rf"^\s*\[[^\[\]]{{0,20}}{_KO_REPORTER}\]\s*"),
    re.compile(rf"^\s*{_KO_REPORTER}\s*=\s*"),
    re.compile(r"^\s*[A-Z][A-Z .,]{2,30}(?:\([A-Za-z .]{2,20}\))?\s*[—–-]\s+"),
    # A reporter's sign-off after the last sentence: "김건강 기자 kim@example.com".
    re.compile(rf"\s*(?:/\s*)?{_KO_REPORTER}\s*(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+)?\s*$"),
    re.compile(r"\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # Photo credits inside a line: "/사진=게티이미지뱅크", "(사진=연합뉴스)", "(Photo: Getty)".
    re.compile(r"\s*/\s*(?:사진|그래픽|자료)\s*=\s*\S+"),
    re.compile(r"\s*[\[(]\s*(?:사진|그래픽|자료|이미지)\s*(?:제공)?\s*[=:：][^\])]{0,40}[\])]"),
    re.compile(r"\s*\(\s*(?:photo|image|credit)s?\s*(?:by)?\s*:[^)]{0,60}\)", _I),
]
_SENTENCE_END = re.compile(r"[.!?。！？…\"'”’)]\s*$|(?:다|요|죠|까)\s*$")


def _is_prose(line: str) -> bool:
    """A line that reads as a sentence: long enough, or closed by a sentence ending."""
    return len(line) > _SHORT_LINE or bool(_SENTENCE_END.search(line))


def is_boilerplate(line: str) -> bool:
    """Whether a whole line is page furniture rather than article text."""
    line = line.strip()
    if not line:
        return True
    if any(pattern.search(line) and len(line) <= longest for pattern, longest in _WHOLE_LINE):
        return True
    if len(line) <= _SHORT_LINE and len(_SHARE_WORDS.findall(line)) >= 2:
        return True
    return bool(_LIST_HEADING.match(line) or _COMMENTS_HEADING.match(line)) and (
        len(line) <= _SHORT_LINE
    )


def strip_inline(line: str) -> str:
    """`line` without its dateline, e-mail addresses and photo credits."""
    for pattern in _INLINE:
        line = pattern.sub("", line)
    return line.strip()


def strip_boilerplate(text: str) -> str:
    """A normalized text (one paragraph a line) with its boilerplate removed."""
    kept: list[str] = []
    in_list = False
    for raw in text.split("\n"):
        line = raw.strip()
        if _COMMENTS_HEADING.match(line) and len(line) <= _SHORT_LINE:
            break
        if _LIST_HEADING.match(line) and len(line) <= _SHORT_LINE:
            in_list = True
            continue
        if in_list:
            # Headlines of other articles: short, and never closed with a period.
            headline = len(line) <= _SHORT_LINE and not line.endswith((".", "!", "。"))
            if headline or is_boilerplate(line):
                continue
            in_list = False
        # The dateline first: "[건강일보 김건강 기자] 한국은행이 …" is a lead, not a byline.
        line = strip_inline(line)
        if is_boilerplate(line):
            continue
        if line and any(ch.isalnum() for ch in line):
            kept.append(line)
    return "\n".join(kept)
