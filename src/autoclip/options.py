"""The choices a user makes for one generation, as enums so that typos fail loudly."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    KO = "ko"
    EN = "en"


class Vertical(StrEnum):
    SENIOR_HEALTH = "senior_health"
    FINANCE = "finance"
    TECH = "tech"
    HISTORY = "history"
    COMMERCE = "commerce"


class Tone(StrEnum):
    PROFESSIONAL = "professional"
    CASUAL = "casual"
    URGENT = "urgent"
    STORYTELLING = "storytelling"


class Length(StrEnum):
    SHORT = "short"  # up to 60 s
    MID = "mid"  # 1 to 5 min
    LONG = "long"  # over 5 min


class Aspect(StrEnum):
    VERTICAL = "9:16"
    LANDSCAPE = "16:9"
    SQUARE = "1:1"

    @property
    def size(self) -> tuple[int, int]:
        """Full-quality output size in pixels (width, height)."""
        return _SIZES[self]

    def draft_size(self) -> tuple[int, int]:
        """Two-thirds size for previews: 720x1280, 1280x720, 720x720."""
        width, height = self.size
        return width * 2 // 3, height * 2 // 3


_SIZES = {
    Aspect.VERTICAL: (1080, 1920),
    Aspect.LANDSCAPE: (1920, 1080),
    Aspect.SQUARE: (1080, 1080),
}


@dataclass(frozen=True)
class GenerateOptions:
    language: Language = Language.KO
    vertical: Vertical = Vertical.TECH
    tone: Tone = Tone.PROFESSIONAL
    length: Length = Length.SHORT
    aspect: Aspect = Aspect.VERTICAL
    voice: str | None = None
    draft: bool = False
    # The project's pronunciation dictionary: (written word, reading) pairs.
    pronunciations: tuple[tuple[str, str], ...] = ()

    @property
    def frame_size(self) -> tuple[int, int]:
        return self.aspect.draft_size() if self.draft else self.aspect.size
