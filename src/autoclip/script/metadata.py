"""What goes under the video: a title a channel would post, a description, hashtags.

- The title is the article's headline without the site's name and the separator before
  it ("… - 건강일보", "… | Example Site"), without desk labels ("[단독]"), and short
  enough for the platforms' listings (`TITLE_MAX_CHARS`).
- The description summarises in the text's own sentences (a how-to lists its steps),
  then the call to action, then the source when it was a web page. The safety stage adds
  its disclaimer below when it asks for one.
- Hashtags are the text's topical nouns, then the format's and the vertical's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autoclip.kit.text import normalize
from autoclip.options import Language

TITLE_MAX_CHARS = 60
# A site name or a section label: short, and shorter than the headline it is stuck to.
_SITE_PART_MAX = 25
_SEPARATOR = re.compile(r"\s+[-|–—·•:]{1,2}\s+|\s*[|｜]\s*")
_LABELS = re.compile(r"^\s*(?:[\[【〈<][^\]】〉>]{1,12}[\]】〉>]\s*)+")
_TRAILING_LABELS = re.compile(
    r"\s*[(\[](?:종합|속보|단독|영상|사진|포토|인터뷰|update[ds]?)[)\]]\s*$", re.I
)
_TRAILING_PUNCTUATION = " .,;:!?…。"
_SOURCE = {Language.KO: "출처", Language.EN: "Source"}
_GENERIC_TAGS = {
    Language.KO: ("#정보", "#꿀팁", "#상식"),
    Language.EN: ("#learn", "#explained", "#facts"),
}
_TAG_CHARACTERS = re.compile(r"[^\w]", re.UNICODE)


def clean_title(title: str) -> str:
    """A headline without the site's name, desk labels and surrounding punctuation."""
    title = normalize(title).replace("\n", " ")
    title = _TRAILING_LABELS.sub("", _LABELS.sub("", title))
    parts = [part.strip() for part in _SEPARATOR.split(title) if part.strip()]
    if len(parts) > 1:
        longest = max(parts, key=len)
        # Site names hang at either end; a separator inside the headline stays.
        while len(parts) > 1 and parts[-1] != longest and len(parts[-1]) <= _SITE_PART_MAX:
            parts.pop()
        # A site name before the headline is set off by a bar ("Site | Headline").
        barred = bool(re.match(r"^[^|｜]{1,25}[|｜]", title))
        while barred and len(parts) > 1 and parts[0] != longest and len(parts[0]) <= _SITE_PART_MAX:
            parts.pop(0)
        title = " - ".join(parts)
    return title.strip().rstrip(_TRAILING_PUNCTUATION.replace("!", "").replace("?", ""))


def trim(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(_TRAILING_PUNCTUATION) + "…"


def title(hint: str | None, fallback: str) -> str:
    """The video's title: the cleaned headline, else `fallback` (the hook's headline)."""
    cleaned = clean_title(hint or "")
    return trim(cleaned or fallback.rstrip(_TRAILING_PUNCTUATION), TITLE_MAX_CHARS)


def description(
    summary: Sequence[str], steps: Sequence[str], cta: str, origin: str | None, language: Language
) -> str:
    """Summary sentences, the steps as a numbered list, the call to action, the source."""
    parts = [" ".join(summary)]
    if steps:
        parts.append("\n".join(f"{n}. {step}" for n, step in enumerate(steps, start=1)))
    parts.append(cta)
    if origin and origin.startswith(("http://", "https://")):
        parts.append(f"{_SOURCE[language]}: {origin}")
    return "\n\n".join(part for part in parts if part)


def hashtags(
    terms: Sequence[str], fixed: Sequence[str], language: Language, most: int, least: int
) -> list[str]:
    """Topical terms first, then the format's and vertical's tags; generic ones only pad."""
    topical: list[str] = []
    for term in (_TAG_CHARACTERS.sub("", term) for term in terms):
        # One of "온열질환자" and "열질환자", "수면" and "수면시간": the longer says more.
        if term and not any(term in kept or kept in term for kept in topical):
            topical.append(term)
    topical = [f"#{term}" for term in topical]
    tags: list[str] = []
    for tag in [*topical[: most - len(fixed)], *fixed]:
        _add(tags, tag)
    for tag in _GENERIC_TAGS[language]:
        if len(tags) >= least:
            break
        _add(tags, tag)
    return tags[:most]


def _add(tags: list[str], tag: str) -> None:
    if len(tag) > 1 and tag.lower() not in {seen.lower() for seen in tags}:
        tags.append(tag)
