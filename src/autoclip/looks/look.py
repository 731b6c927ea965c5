"""A generation's look: its template, caption style and brand kit, resolved per aspect.

The engine asks a `Look` what to draw. The answer comes from the template, then the
caption style the user picked over the template's, then the brand's colours over both.
The default look (no template, style or brand) is AutoClip's classic one, so a video
made without any of them is drawn exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from autoclip.captions.presets import CaptionLook, CaptionStyleName, preset
from autoclip.errors import InputError
from autoclip.looks.bookends import Bookend
from autoclip.looks.brand import BrandKit
from autoclip.looks.templates import BUILTIN, TemplateSpec
from autoclip.options import Aspect
from autoclip.providers.visuals.base import CardLayout

DEFAULT_CROSSFADE = 0.5
DEFAULT_PAGE_SECONDS = 3.0


@dataclass(frozen=True)
class Look:
    template: TemplateSpec | None = None
    template_name: str | None = None  # for the record; the spec is what is applied
    caption_style: CaptionStyleName | None = None  # the user's pick, over the template's
    brand: BrandKit | None = None

    @property
    def is_default(self) -> bool:
        return self.template is None and self.caption_style is None and self.brand is None

    def caption_look(self, aspect: Aspect) -> CaptionLook:
        name = self.caption_style or (
            self.template.caption_style if self.template else CaptionStyleName.CLASSIC
        )
        look = preset(name)
        if self.template is not None and self.caption_style is None:
            position = self.template.layout(aspect).captions
            if position is not None:
                look = replace(look, position=position)
        if self.brand is not None:
            look = look.with_colours(
                highlight=self.brand.primary_colour, accent=self.brand.accent_colour
            )
        return look

    def card_layout(self, aspect: Aspect, size: tuple[int, int]) -> CardLayout | None:
        """How cards are drawn; None for AutoClip's own design (no template, no brand)."""
        accent = self.brand.accent_colour if self.brand else None
        if self.template is None:
            return CardLayout(accent=accent) if accent else None
        card = self.template.card
        return CardLayout(
            title_box=self.template.layout(aspect).title.pixels(size),
            accent=accent or card.accent,
            progress=card.progress,
        )

    @property
    def crossfade(self) -> float:
        return self.template.pacing.crossfade if self.template else DEFAULT_CROSSFADE

    @property
    def caption_page_seconds(self) -> float:
        return self.template.pacing.caption_page_seconds if self.template else DEFAULT_PAGE_SECONDS

    def fingerprint(self) -> dict[str, Any]:
        """What distinguishes this look, as JSON-able data (cache keys, content ids)."""
        brand = self.brand
        return {
            "template": self.template.model_dump(mode="json") if self.template else None,
            "caption_style": self.caption_style,
            "brand": None
            if brand is None
            else {
                "logo": str(brand.logo) if brand.logo else None,
                "logo_position": brand.logo_position.value,
                "logo_size": brand.logo_size,
                "logo_opacity": brand.logo_opacity,
                "primary": brand.primary_colour,
                "accent": brand.accent_colour,
                "font": str(brand.font) if brand.font else None,
                "music": str(brand.music) if brand.music else None,
                "music_level_db": brand.music_level_db,
                "intro": _bookend_print(brand.intro),
                "outro": _bookend_print(brand.outro),
            },
        }


def _bookend_print(bookend: Bookend | None) -> dict[str, Any] | None:
    if bookend is None:
        return None
    return {
        "kind": bookend.kind.value,
        "seconds": bookend.seconds,
        "text": bookend.text,
        "clip": str(bookend.clip) if bookend.clip else None,
    }


def cli_look(template: str | None, caption_style: str | None, brand: BrandKit | None) -> Look:
    """The look the CLI's flags ask for: a built-in template by name or a template JSON
    file, a caption style, a brand; each refused naming its flag."""
    style: CaptionStyleName | None = None
    if caption_style is not None:
        try:
            style = CaptionStyleName(caption_style)
        except ValueError:
            choices = ", ".join(CaptionStyleName)
            message = f"unknown value {caption_style!r} (choose from {choices})"
            raise InputError("caption_style", message) from None
    spec, name = None, None
    if template is not None:
        spec, name = _template_from(template)
    return Look(template=spec, template_name=name, caption_style=style, brand=brand)


def _template_from(value: str) -> tuple[TemplateSpec, str]:
    if value in BUILTIN:
        return BUILTIN[value].spec, value
    path = Path(value)
    if not value.endswith(".json"):
        raise InputError(
            "template",
            f"unknown value {value!r} (choose from {', '.join(BUILTIN)}, or a .json file)",
        )
    try:
        data = path.read_text("utf-8")
    except OSError as exc:
        raise InputError("template", f"cannot read {path}: {exc.strerror}") from None
    try:
        return TemplateSpec.model_validate_json(data), path.stem
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"template.{where}" if where else "template", first["msg"]) from None
