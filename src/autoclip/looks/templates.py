"""Templates: a named bundle of layout, card design, caption style and pacing.

A template says, for each aspect ratio, where the card's title sits and where the
captions go; which caption style the captions use; the card's accent colour and whether it
shows the progress bar; and the pacing (the crossfade between scenes, how long a caption
page may stay). Each vertical has a built-in template that fits it; users save their own
(the service keeps those, `service/templates/`).

Templates are data (pydantic models), so a user's saved template is validated field by
field exactly like a built-in one, and the JSON the API shows is the model itself.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, model_validator

from autoclip.captions.presets import COLOUR_PATTERN, CaptionPosition, CaptionStyleName
from autoclip.options import Aspect, Vertical

Colour = Annotated[
    str, Field(pattern=COLOUR_PATTERN, description="#RRGGBB, or #RRGGBBAA with opacity")
]
# Strict: JSON's numbers and booleans as they are ("0.5" is not a number, "yes" not true).
Number = Annotated[float, Strict(), AllowInfNan(False)]
Flag = Annotated[bool, Strict()]
Fraction = Annotated[Number, Field(ge=0.0, le=1.0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TitleBox(_Frozen):
    """Where a card's title (its on-screen text) sits, as fractions of the frame."""

    left: Fraction
    top: Fraction
    right: Fraction
    bottom: Fraction

    @model_validator(mode="after")
    def _has_room(self) -> TitleBox:
        if self.right - self.left < 0.3:
            raise ValueError("right must be at least 0.3 past left")
        if self.bottom - self.top < 0.15:
            raise ValueError("bottom must be at least 0.15 below top")
        return self

    def pixels(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        width, height = size
        return (
            round(width * self.left),
            round(height * self.top),
            round(width * self.right),
            round(height * self.bottom),
        )


class Layout(_Frozen):
    """One aspect ratio's layout: the title's box and the captions' place."""

    title: TitleBox
    captions: CaptionPosition | None = Field(
        default=None, description="None: where the caption style puts them."
    )


class CardDesign(_Frozen):
    accent: Colour | None = Field(default=None, description="None: the vertical's accent.")
    progress: Flag = Field(default=True, description="The segmented progress bar on top.")


class Pacing(_Frozen):
    crossfade: Number = Field(default=0.5, ge=0.0, le=1.0, description="Seconds per scene cut.")
    caption_page_seconds: Number = Field(
        default=3.0, ge=1.0, le=5.0, description="Longest a caption page stays up."
    )


def _layouts(
    vertical: TitleBox, landscape: TitleBox, square: TitleBox, captions: CaptionPosition | None
) -> dict[Aspect, Layout]:
    return {
        Aspect.VERTICAL: Layout(title=vertical, captions=captions),
        Aspect.LANDSCAPE: Layout(title=landscape, captions=captions),
        Aspect.SQUARE: Layout(title=square, captions=captions),
    }


class TemplateSpec(_Frozen):
    """A template's content: what a user saves and what the engine applies."""

    caption_style: CaptionStyleName = CaptionStyleName.CLASSIC
    layouts: dict[Aspect, Layout] = Field(description="One layout for each aspect ratio.")
    card: CardDesign = Field(default_factory=CardDesign)
    pacing: Pacing = Field(default_factory=Pacing)

    @model_validator(mode="after")
    def _every_aspect(self) -> TemplateSpec:
        missing = [aspect.value for aspect in Aspect if aspect not in self.layouts]
        if missing:
            raise ValueError(f"layouts: missing {', '.join(missing)}")
        return self

    def layout(self, aspect: Aspect) -> Layout:
        return self.layouts[aspect]


class BuiltinTemplate(_Frozen):
    name: str
    title: str
    vertical: Vertical
    spec: TemplateSpec


# The title boxes AutoClip's cards have always used (cards.geometry), as fractions.
_UPPER_9_16 = TitleBox(left=0.09, top=0.15, right=0.91, bottom=0.58)
_UPPER_16_9 = TitleBox(left=0.12, top=0.15, right=0.88, bottom=0.64)
_UPPER_1_1 = TitleBox(left=0.09, top=0.15, right=0.91, bottom=0.62)

BUILTIN: dict[str, BuiltinTemplate] = {
    template.name: template
    for template in (
        # Older viewers: big boxed captions that never sit on busy pixels, slow cuts,
        # pages that stay up longer.
        BuiltinTemplate(
            name="calm_health",
            title="Calm health explainer",
            vertical=Vertical.SENIOR_HEALTH,
            spec=TemplateSpec(
                caption_style=CaptionStyleName.BOXED,
                layouts=_layouts(_UPPER_9_16, _UPPER_16_9, _UPPER_1_1, None),
                pacing=Pacing(crossfade=0.8, caption_page_seconds=3.5),
            ),
        ),
        # Finance reads like the news: a lower-third band, the title high, brisk cuts.
        BuiltinTemplate(
            name="money_news",
            title="Money news desk",
            vertical=Vertical.FINANCE,
            spec=TemplateSpec(
                caption_style=CaptionStyleName.NEWS,
                layouts=_layouts(
                    TitleBox(left=0.08, top=0.12, right=0.92, bottom=0.52),
                    TitleBox(left=0.08, top=0.10, right=0.92, bottom=0.56),
                    TitleBox(left=0.08, top=0.10, right=0.92, bottom=0.55),
                    CaptionPosition.LOWER_THIRD,
                ),
                pacing=Pacing(crossfade=0.4, caption_page_seconds=3.0),
            ),
        ),
        # Tech: one word at a time, fast cuts, short pages.
        BuiltinTemplate(
            name="tech_pop",
            title="Tech word pop",
            vertical=Vertical.TECH,
            spec=TemplateSpec(
                caption_style=CaptionStyleName.POP,
                layouts=_layouts(
                    TitleBox(left=0.09, top=0.12, right=0.91, bottom=0.50),
                    TitleBox(left=0.10, top=0.10, right=0.90, bottom=0.55),
                    TitleBox(left=0.09, top=0.10, right=0.91, bottom=0.52),
                    CaptionPosition.MIDDLE,
                ),
                pacing=Pacing(crossfade=0.3, caption_page_seconds=2.0),
            ),
        ),
        # History is told: karaoke sweep follows the storyteller, long dissolves.
        BuiltinTemplate(
            name="story_karaoke",
            title="Storyteller karaoke",
            vertical=Vertical.HISTORY,
            spec=TemplateSpec(
                caption_style=CaptionStyleName.KARAOKE,
                layouts=_layouts(_UPPER_9_16, _UPPER_16_9, _UPPER_1_1, None),
                card=CardDesign(progress=False),
                pacing=Pacing(crossfade=0.8, caption_page_seconds=3.0),
            ),
        ),
        # Commerce shouts: heavy outlined captions, quick cuts.
        BuiltinTemplate(
            name="deal_bold",
            title="Deal alert",
            vertical=Vertical.COMMERCE,
            spec=TemplateSpec(
                caption_style=CaptionStyleName.BOLD_OUTLINE,
                layouts=_layouts(_UPPER_9_16, _UPPER_16_9, _UPPER_1_1, None),
                pacing=Pacing(crossfade=0.3, caption_page_seconds=2.5),
            ),
        ),
    )
}


def builtin_for(vertical: Vertical) -> BuiltinTemplate:
    return next(t for t in BUILTIN.values() if t.vertical is vertical)


def builtin(name: str) -> BuiltinTemplate:
    """The built-in template called `name`; ValueError naming the choices for another."""
    try:
        return BUILTIN[name]
    except KeyError:
        choices = ", ".join(BUILTIN)
        raise ValueError(f"unknown template {name!r} (choose from {choices})") from None
