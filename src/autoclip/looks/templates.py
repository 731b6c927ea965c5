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

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict

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
    """Where a card's title (its on-screen text) sits, as fractions of the frame: its top
    left corner and its size. Every box the schema allows has room for text (at least 0.3
    of the width and 0.15 of the height); one reaching past the frame's edge is cut at it,
    which still leaves that room, since `left` and `top` stop short of the far edges."""

    left: Annotated[Number, Field(ge=0.0, le=0.7)]
    top: Annotated[Number, Field(ge=0.0, le=0.85)]
    width: Annotated[Number, Field(ge=0.3, le=1.0)]
    height: Annotated[Number, Field(ge=0.15, le=1.0)]

    def pixels(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) in pixels, inside the frame."""
        width, height = size
        return (
            round(width * self.left),
            round(height * self.top),
            round(width * min(1.0, self.left + self.width)),
            round(height * min(1.0, self.top + self.height)),
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


class Layouts(_Frozen):
    """One layout for each aspect ratio, by its name ("9:16", "16:9", "1:1")."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    vertical: Layout = Field(alias="9:16")
    landscape: Layout = Field(alias="16:9")
    square: Layout = Field(alias="1:1")

    def of(self, aspect: Aspect) -> Layout:
        return {
            Aspect.VERTICAL: self.vertical,
            Aspect.LANDSCAPE: self.landscape,
            Aspect.SQUARE: self.square,
        }[aspect]


def _box(left: float, top: float, right: float, bottom: float) -> TitleBox:
    return TitleBox(left=left, top=top, width=round(right - left, 4), height=round(bottom - top, 4))


def _layouts(
    vertical: TitleBox, landscape: TitleBox, square: TitleBox, captions: CaptionPosition | None
) -> Layouts:
    return Layouts(
        vertical=Layout(title=vertical, captions=captions),
        landscape=Layout(title=landscape, captions=captions),
        square=Layout(title=square, captions=captions),
    )


class TemplateSpec(_Frozen):
    """A template's content: what a user saves and what the engine applies."""

    caption_style: CaptionStyleName = CaptionStyleName.CLASSIC
    layouts: Layouts = Field(description="One layout for each aspect ratio.")
    card: CardDesign = Field(default_factory=CardDesign)
    pacing: Pacing = Field(default_factory=Pacing)

    def layout(self, aspect: Aspect) -> Layout:
        return self.layouts.of(aspect)


class BuiltinTemplate(_Frozen):
    name: str
    title: str
    vertical: Vertical
    spec: TemplateSpec


# The title boxes AutoClip's cards have always used (cards.geometry), as fractions.
_UPPER_9_16 = _box(0.09, 0.15, 0.91, 0.58)
_UPPER_16_9 = _box(0.12, 0.15, 0.88, 0.64)
_UPPER_1_1 = _box(0.09, 0.15, 0.91, 0.62)

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
                    _box(0.08, 0.12, 0.92, 0.52),
                    _box(0.08, 0.10, 0.92, 0.56),
                    _box(0.08, 0.10, 0.92, 0.55),
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
                    _box(0.09, 0.12, 0.91, 0.50),
                    _box(0.10, 0.10, 0.90, 0.55),
                    _box(0.09, 0.10, 0.91, 0.52),
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
