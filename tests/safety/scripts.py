"""Scripts to check, and a language model that answers what a test tells it to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from autoclip.options import Language
from autoclip.providers.cloud.errors import ProviderError
from autoclip.providers.text.base import Completion, JsonShape, Turn
from autoclip.script.model import Scene, Script

# Plain sentences no rule may flag: the filler around the sentence a test checks.
_FILLER = {
    Language.KO: {
        "title": "오늘의 이야기",
        "hook": "오늘 알아볼 이야기가 있습니다.",
        "scene": "차근차근 살펴보겠습니다.",
        "cta": "구독과 좋아요 부탁드립니다.",
        "description": "매주 새로운 이야기를 전해 드립니다.",
        "hashtags": "#오늘의이야기 #정보",
    },
    Language.EN: {
        "title": "Today's story",
        "hook": "Here is something worth knowing.",
        "scene": "Let us take it step by step.",
        "cta": "Subscribe for more stories like this.",
        "description": "A new story every week.",
        "hashtags": "#story #facts",
    },
}


def scene(narration: str, on_screen_text: str = "", visual: str = "A calm room.") -> Scene:
    return Scene(narration=narration, on_screen_text=on_screen_text, visual=visual)


def make_script(
    language: Language,
    narration: str | None = None,
    *,
    title: str | None = None,
    on_screen_text: str = "",
    visual: str = "A calm room.",
    description: str | None = None,
    hashtags: list[str] | None = None,
) -> Script:
    """A script of plain filler with `narration` as the first body scene's narration."""
    filler = _FILLER[language]
    return Script(
        language=language,
        title=title or filler["title"],
        hook=scene(filler["hook"]),
        scenes=[
            scene(narration or filler["scene"], on_screen_text, visual),
            scene(filler["scene"]),
        ],
        cta=scene(filler["cta"]),
        description=filler["description"] if description is None else description,
        hashtags=filler["hashtags"].split() if hashtags is None else hashtags,
    )


@dataclass
class Call:
    system: str
    turns: list[Turn]
    shape: JsonShape | None


@dataclass
class FakeModel:
    """A language model that answers `answers` in turn (or raises a `ProviderError` given
    as an answer). The real HTTP path is tested in tests/providers; here only what the
    reviewer sends and how it reads the answer matter."""

    answers: list[str | ProviderError]
    calls: list[Call] = field(default_factory=list)
    name: str = "fakemodel"

    def identity(self) -> str:
        return "fakemodel/v1"

    def complete(
        self, system: str, turns: Sequence[Turn], *, shape: JsonShape | None = None
    ) -> Completion:
        self.calls.append(Call(system, list(turns), shape))
        answer = self.answers.pop(0)
        if isinstance(answer, ProviderError):
            raise answer
        return Completion(answer)

    def close(self) -> None:
        pass
