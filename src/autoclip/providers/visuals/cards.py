"""Designed title cards: the visual every scene gets when no stock image or clip is used.

A card is a soft gradient background with blurred shapes (never flat: flat colour looks
cheap and bands badly after encoding), the scene's on-screen text set large in the
upper-middle of the frame (captions are burned in over the lower third), and a progress
mark. The hook is louder (text on an accent block) and the call to action ends on a button.
Layout details vary with the scene number, deterministically, so consecutive scenes differ
but a re-run draws the very same card.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from autoclip.options import Language
from autoclip.providers.visuals.base import Visual, VisualKind, VisualName, VisualRequest
from autoclip.script.model import SceneKind
from autoclip.visuals.colour_emoji import cache_parts
from autoclip.visuals.palette import RGB, Palette, contrast, hex_rgb, palette_for
from autoclip.visuals.typeset import clean, draw_block, fit, sans

# Bump whenever the look changes, so cached scene images are redrawn.
CARD_VERSION = "cards-3"
_BACKGROUND_SCALE = 4  # the soft background is computed at 1/4 size, then enlarged


@dataclass(frozen=True)
class Geometry:
    """Where things go on a frame of a given size."""

    width: int
    height: int
    unit: float  # 1.0 at 1080 px on the short side; everything scales with it
    box: tuple[int, int, int, int]  # text area: left, top, right, bottom
    bar_y: int  # progress bar centre line

    @property
    def box_size(self) -> tuple[int, int]:
        return self.box[2] - self.box[0], self.box[3] - self.box[1]


def geometry(size: tuple[int, int], title_box: tuple[int, int, int, int] | None = None) -> Geometry:
    """Text area per aspect: always above the lower third, where captions are burned in
    (a template may place it elsewhere: `title_box`)."""
    width, height = size
    unit = min(width, height) / 1080
    if title_box is not None:
        box = title_box
    elif height > width * 1.2:  # 9:16: keep text inside the top ~60%
        box = (round(width * 0.09), round(height * 0.15), round(width * 0.91), round(height * 0.58))
    elif width > height * 1.2:  # 16:9: narrower than the frame, so lines stay readable
        box = (round(width * 0.12), round(height * 0.15), round(width * 0.88), round(height * 0.64))
    else:
        box = (round(width * 0.09), round(height * 0.15), round(width * 0.91), round(height * 0.62))
    return Geometry(width, height, unit, box, bar_y=round(height * 0.06))


def mix(first: RGB, second: RGB, amount: float) -> RGB:
    r, g, b = (round(a + (b - a) * amount) for a, b in zip(first, second, strict=True))
    return r, g, b


def _gradient(size: tuple[int, int], palette: Palette, rng: random.Random) -> np.ndarray:
    """Three-stop diagonal gradient with a soft glow and a vignette, as float RGB."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs /= max(1, width - 1)
    ys /= max(1, height - 1)
    angle = math.radians(rng.choice((35, 55, 125, 145)))
    t = xs * math.cos(angle) + ys * math.sin(angle)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    stops = np.array(palette.stops, dtype=np.float32)
    first = np.clip(t * 2, 0, 1)[..., None]
    second = np.clip(t * 2 - 1, 0, 1)[..., None]
    image = stops[0] + (stops[1] - stops[0]) * first + (stops[2] - stops[1]) * second
    # A glow of the second hue somewhere in the frame: depth without distracting detail.
    gx, gy = rng.uniform(0.15, 0.85), rng.uniform(0.1, 0.5)
    distance = ((xs - gx) * width / height) ** 2 + (ys - gy) ** 2
    glow = (0.45 * np.exp(-distance / 0.09))[..., None]
    image = image + (np.array(palette.glow, dtype=np.float32) - image) * glow
    # Vignette draws the eye to the centre; lighter on pale palettes, which would go muddy.
    edge = (xs - 0.5) ** 2 + (ys - 0.5) ** 2
    image *= (1 - (0.55 if palette.is_dark else 0.18) * edge)[..., None]
    result: np.ndarray = np.clip(image, 0, 255).astype(np.uint8)
    return result


def _bokeh(image: Image.Image, palette: Palette, rng: random.Random) -> Image.Image:
    """Blurred translucent circles and one large ring, drawn on the small background."""
    width, height = image.size
    short = min(width, height)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(7, 11)):
        radius = short * rng.uniform(0.04, 0.2)
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        colour = rng.choice((palette.glow, palette.accent, palette.stops[0]))
        alpha = rng.randint(18, 46) if palette.is_dark else rng.randint(16, 38)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*colour, alpha))
    # A big ring partly off-frame: a calm graphic shape, softened with the circles.
    radius = short * rng.uniform(0.45, 0.7)
    cx = rng.choice((0.0, float(width)))
    cy = height * rng.uniform(0.55, 0.95)
    draw.ellipse(
        (cx - radius, cy - radius, cx + radius, cy + radius),
        outline=(*palette.accent, 40 if palette.is_dark else 56),
        width=max(2, round(short * 0.014)),
    )
    # Blur premultiplied: plain RGBA would bleed the transparent black into dark halos.
    layer = layer.convert("RGBa").filter(ImageFilter.GaussianBlur(short * 0.01)).convert("RGBA")
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def background(size: tuple[int, int], palette: Palette, seed: str) -> Image.Image:
    """The soft, never-flat card background; `seed` picks the variation deterministically."""
    rng = random.Random(seed)  # nosec B311 # a design's variation, not a secret
    small = (max(8, size[0] // _BACKGROUND_SCALE), max(8, size[1] // _BACKGROUND_SCALE))
    image = Image.fromarray(_gradient(small, palette, rng), "RGB")
    image = _bokeh(image, palette, rng)
    return image.resize(size, Image.Resampling.BICUBIC)


def _draw_progress(
    draw: ImageDraw.ImageDraw, request: VisualRequest, geo: Geometry, palette: Palette
) -> None:
    """Segmented progress bar with an "n / total" mark under its left end."""
    left, _, right, _ = geo.box
    total = max(1, request.total)
    thickness = max(3, round(8 * geo.unit))
    gap = max(2, round(10 * geo.unit)) if total <= 12 else 0
    segment = (right - left - gap * (total - 1)) / total
    track = mix(palette.muted, palette.stops[1], 0.6)
    for index in range(total):
        x0 = left + index * (segment + gap)
        colour = palette.accent if index < request.number else track
        draw.rounded_rectangle(
            (x0, geo.bar_y, x0 + segment, geo.bar_y + thickness), radius=thickness // 2, fill=colour
        )
    size = max(14, round(34 * geo.unit))
    draw.text(
        (left, geo.bar_y + thickness + round(18 * geo.unit)),
        f"{request.number} / {total}",
        font=sans(size),
        fill=palette.muted,
        anchor="la",
    )


def _display_text(request: VisualRequest) -> str:
    # Text of only emoji that cannot be drawn is empty once cleaned; the title is better
    # than a blank card.
    return clean(request.scene.on_screen_text) or clean(request.title)


def _draw_hook(draw: ImageDraw.ImageDraw, text: str, geo: Geometry, palette: Palette) -> None:
    """Big text on an accent block with an offset shadow block: a sticker that stops scrolling."""
    pad_x, pad_y = round(54 * geo.unit), round(40 * geo.unit)
    box_w, box_h = geo.box_size
    block = fit(
        text, (box_w - 2 * pad_x, box_h - 2 * pad_y), round(132 * geo.unit), round(52 * geo.unit), 4
    )
    width, height = block.width + 2 * pad_x, block.height + 2 * pad_y
    x0 = geo.box[0] + (box_w - width) // 2
    y0 = geo.box[1] + (box_h - height) // 2
    shift = round(18 * geo.unit)
    radius = round(28 * geo.unit)
    shadow = palette.outline if palette.is_dark else mix(palette.accent, palette.text, 0.55)
    draw.rounded_rectangle(
        (x0 + shift, y0 + shift, x0 + width + shift, y0 + height + shift), radius, fill=shadow
    )
    draw.rounded_rectangle((x0, y0, x0 + width, y0 + height), radius, fill=palette.accent)
    draw_block(
        draw,
        block,
        (x0 + pad_x, y0 + pad_y),
        fill=palette.on_accent,
        outline=None,
        box_width=block.width,
    )


def _draw_body(
    draw: ImageDraw.ImageDraw, text: str, request: VisualRequest, geo: Geometry, palette: Palette
) -> None:
    """Centred text with an accent rule (odd scenes) or left-aligned beside an accent bar."""
    box_w, box_h = geo.box_size
    left_aligned = request.number % 2 == 0
    indent = round(44 * geo.unit) if left_aligned else 0
    block = fit(
        text,
        (box_w - indent, box_h - round(60 * geo.unit)),
        round(104 * geo.unit),
        round(46 * geo.unit),
    )
    y0 = geo.box[1] + (box_h - block.height) // 2
    _draw_numeral(draw, request.number, geo, palette, y0, right=left_aligned)
    bar = max(4, round(12 * geo.unit))
    if left_aligned:
        x0 = geo.box[0] + indent
        draw.rounded_rectangle(
            (geo.box[0], y0, geo.box[0] + bar, y0 + block.height), bar // 2, fill=palette.accent
        )
        draw_block(draw, block, (x0, y0), fill=palette.text, outline=palette.outline, align="left")
        return
    draw_block(
        draw, block, (geo.box[0], y0), fill=palette.text, outline=palette.outline, box_width=box_w
    )
    rule_w = round(150 * geo.unit)
    rule_y = y0 + block.height + round(28 * geo.unit)
    centre = geo.box[0] + box_w // 2
    draw.rounded_rectangle(
        (centre - rule_w // 2, rule_y, centre + rule_w // 2, rule_y + bar),
        bar // 2,
        fill=palette.accent,
    )


def _draw_numeral(
    draw: ImageDraw.ImageDraw,
    number: int,
    geo: Geometry,
    palette: Palette,
    text_top: int,
    *,
    right: bool,
) -> None:
    """A faint oversized scene number above the text: editorial rhythm, too pale to compete.

    It is sized to the room between the progress mark and the text, and left out when that
    room is too small (wide frames), rather than overlapping either.
    """
    progress_bottom = geo.bar_y + round(100 * geo.unit)
    baseline = text_top - round(36 * geo.unit)
    size = min(round(300 * geo.unit), round((baseline - progress_bottom) / 0.75))
    if size < round(150 * geo.unit):
        return
    ghost = mix(palette.stops[1], palette.glow, 0.35 if palette.is_dark else 0.45)
    x = geo.box[2] if right else geo.box[0]
    draw.text(
        (x, baseline), f"{number:02d}", font=sans(size), fill=ghost, anchor="rs" if right else "ls"
    )


def _cta_label(language: Language) -> str:
    return "구독하고 다음 영상 보기" if language is Language.KO else "Subscribe for more"


def _draw_cta(
    draw: ImageDraw.ImageDraw, text: str, request: VisualRequest, geo: Geometry, palette: Palette
) -> None:
    """Text framed by an accent outline, ending on a pill button with a play triangle."""
    box_w, box_h = geo.box_size
    button_h = round(112 * geo.unit)
    gap = round(56 * geo.unit)
    pad = round(48 * geo.unit)
    block = fit(
        text,
        (box_w - 2 * pad, box_h - button_h - gap - 2 * pad),
        round(100 * geo.unit),
        round(44 * geo.unit),
        4,
    )
    total_h = block.height + 2 * pad + gap + button_h
    top = geo.box[1] + (box_h - total_h) // 2
    frame_w = block.width + 2 * pad
    x0 = geo.box[0] + (box_w - frame_w) // 2
    line = max(3, round(7 * geo.unit))
    draw.rounded_rectangle(
        (x0, top, x0 + frame_w, top + block.height + 2 * pad),
        round(36 * geo.unit),
        outline=palette.accent,
        width=line,
    )
    draw_block(
        draw,
        block,
        (x0 + pad, top + pad),
        fill=palette.text,
        outline=palette.outline,
        box_width=block.width,
    )
    _draw_button(
        draw,
        _cta_label(request.language),
        geo,
        palette,
        top + block.height + 2 * pad + gap,
        button_h,
    )


def _draw_button(
    draw: ImageDraw.ImageDraw, label: str, geo: Geometry, palette: Palette, top: int, height: int
) -> None:
    font_size = round(height * 0.38)
    icon = round(height * 0.34)
    label_w = round(sans(font_size).getlength(label))
    width = label_w + icon + round(height * 1.0)
    x0 = geo.box[0] + (geo.box_size[0] - width) // 2
    draw.rounded_rectangle((x0, top, x0 + width, top + height), height // 2, fill=palette.accent)
    ix = x0 + round(height * 0.42)
    cy = top + height // 2
    draw.polygon(
        [(ix, cy - icon // 2), (ix, cy + icon // 2), (ix + round(icon * 0.87), cy)],
        fill=palette.on_accent,
    )
    draw.text(
        (ix + icon + round(height * 0.22), cy),
        label,
        font=sans(font_size),
        fill=palette.on_accent,
        anchor="lm",
        stroke_width=max(1, font_size // 28),
        stroke_fill=palette.on_accent,
    )


def _palette(request: VisualRequest) -> Palette:
    """The vertical's palette, in the brand's or template's accent when one is given; text
    on the accent turns black or white, whichever reads better."""
    palette = palette_for(request.vertical)
    accent = request.card.accent if request.card else None
    if not accent:
        return palette
    colour = hex_rgb(accent)
    on_accent = max(((0, 0, 0), (255, 255, 255)), key=lambda ink: contrast(colour, ink))
    return replace(palette, accent=colour, on_accent=on_accent)


def render_card(request: VisualRequest) -> Image.Image:
    """The card for `request` as an RGB image of exactly `request.size`."""
    palette = _palette(request)
    geo = geometry(request.size, request.card.title_box if request.card else None)
    image = background(request.size, palette, f"{request.vertical}:{request.number}:{request.kind}")
    draw = ImageDraw.Draw(image)
    if request.card is None or request.card.progress:
        _draw_progress(draw, request, geo, palette)
    text = _display_text(request)
    if request.kind is SceneKind.HOOK:
        _draw_hook(draw, text, geo, palette)
    elif request.kind is SceneKind.CTA:
        _draw_cta(draw, text, request, geo, palette)
    else:
        _draw_body(draw, text, request, geo, palette)
    return image


def save_png(image: Image.Image, path: Path) -> None:
    # Fast compression: these are intermediates for the renderer as well as published files.
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", compress_level=1)


class CardVisualSource:
    """A designed card per scene; needs nothing but Pillow and the bundled font."""

    name = VisualName.CARDS

    def identity(self, request: VisualRequest) -> str:
        width, height = request.size
        parts: tuple[str, ...] = (
            CARD_VERSION,
            request.kind,
            str(request.number),
            str(request.total),
            request.vertical,
            request.language,
            f"{width}x{height}",
            request.scene.on_screen_text,
            request.title,
        )
        if request.card is not None:  # AutoClip's own design keeps its cached cards
            parts = (*parts, request.card.identity())
        parts = (*parts, *cache_parts(request.scene.on_screen_text, request.title))
        return "\x1f".join(parts)

    def make(self, request: VisualRequest, out_dir: Path) -> Visual:
        path = out_dir / f"scene_{request.number}.png"
        save_png(render_card(request), path)
        return Visual(kind=VisualKind.STILL, path=path, still_path=path, origin="card")
