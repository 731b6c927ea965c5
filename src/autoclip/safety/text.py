"""The text a safety check reads: the script's shown and spoken fields, cut into sentences.

Each sentence keeps its exact text from the script (a flag quotes it verbatim) and a
`probe`, the form the rules search: NFC-normalised, typographic apostrophes made plain
("don’t" → "don't", as the rules spell it), and for a hashtag its words split apart
("#OnlineCasino" → "#Online Casino") so that word-bounded English rules see them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from autoclip.script.model import SceneKind, Script

# A sentence ends after . ! ? … (and any closing quotes or brackets) followed by a space,
# or after the full-width 。！？ with or without one; "3.5%" and "e.g.x" do not end one.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|[。！？]+[\"'”’)\]]*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Segment:
    location: str  # "title", "hook.narration", "scenes[0].on_screen_text", "hashtags[3]"
    sentence: str  # verbatim from the script
    probe: str  # what the rules search


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each an exact slice of it; a line break always ends one."""
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for end in _SENTENCE_END.finditer(line):
            sentences.append(line[start : end.end()].strip())
            start = end.end()
        sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _fields(script: Script) -> list[tuple[str, str]]:
    """The checked fields, in the order a viewer meets them. The visual descriptions and
    keywords are prompts for image search and generation, never shown, so not checked."""
    fields = [("title", script.title)]
    body = 0
    for kind, scene in script.timeline():
        if kind is SceneKind.BODY:
            name = f"scenes[{body}]"
            body += 1
        else:
            name = kind.value
        fields += [(f"{name}.narration", scene.narration)]
        fields += [(f"{name}.on_screen_text", scene.on_screen_text)]
    fields += [("description", script.description)]
    fields += [(f"hashtags[{index}]", tag) for index, tag in enumerate(script.hashtags)]
    return fields


def _hashtag_probe(tag: str) -> str:
    return _CAMEL.sub(" ", tag.replace("_", " "))


def segments(script: Script) -> list[Segment]:
    """Every checked sentence of `script`; a hashtag is one sentence."""
    found: list[Segment] = []
    for location, text in _fields(script):
        if location.startswith("hashtags"):
            tag = text.strip()
            if tag:
                found.append(Segment(location, tag, _probe(_hashtag_probe(tag))))
            continue
        for sentence in split_sentences(text):
            found.append(Segment(location, sentence, _probe(sentence)))
    return found


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _probe(text: str) -> str:
    return _nfc(text).replace("’", "'").replace("‘", "'")


def comparable(text: str) -> str:
    """`text` for a loose comparison: NFC, case-folded, runs of spaces as one."""
    return _SPACES.sub(" ", _nfc(text)).strip().casefold()
