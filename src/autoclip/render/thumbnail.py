"""The video's thumbnail: the title huge and bold over a darkened scene image or a gradient.

Styled like the thumbnails that work on YouTube Shorts and TikTok: few words, heavy type
with a thick outline and shadow, one line in a highlight colour, a topic tag on top, all of
it in the middle of the frame where every platform's crop keeps it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from autoclip.kit.text import detect_language
from autoclip.options import Language, Vertical
from autoclip.providers.visuals.cards import background as card_background
from autoclip.providers.visuals.library import cover
from autoclip.visuals.palette import RGB, Palette, contrast, palette_for
from autoclip.visuals.typeset import TextBlock, bold_stroke, clean, draw_line, fit, sans

JPEG_QUALITY = 90
_YELLOW: RGB = (255, 214, 10)  # the classic thumbnail highlight when the accent is too dark
_WHITE: RGB = (255, 255, 255)
_INK: RGB = (12, 12, 16)
_TAGS = {
    Vertical.SENIOR_HEALTH: ("건강 정보", "HEALTH"),
    Vertical.FINANCE: ("재테크", "MONEY"),
    Vertical.TECH: ("테크", "TECH"),
    Vertical.HISTORY: ("역사", "HISTORY"),
    Vertical.COMMERCE: ("추천템", "TOP PICKS"),
}


def _scheme(palette: Palette, on_photo: bool) -> tuple[RGB, RGB, RGB]:
    """(text, outline, highlight) colours for the title."""
    if on_photo:
        # A darkened photo is dark whatever the vertical: white type, black outline.
        highlight = palette.accent if contrast(palette.accent, _INK) >= 9 else _YELLOW
        return _WHITE, _INK, highlight
    mid = palette.stops[1]
    highlight = palette.accent if contrast(palette.accent, mid) >= 3 else palette.text
    return palette.text, palette.outline, highlight


def _backdrop(
    background: Path | None, size: tuple[int, int], palette: Palette, seed: str
) -> Image.Image:
    if background is None:
        return card_background(size, palette, seed)
    image = cover(background, size)
    # Blurred and darkened so the title, not the photo, is what reads at thumbnail size.
    image = image.filter(ImageFilter.GaussianBlur(min(size) * 0.015))
    image = ImageEnhance.Brightness(image).enhance(0.55)
    return ImageEnhance.Color(image).enhance(1.15)


def _text_box(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    if height > width * 1.2:
        return round(width * 0.86), round(height * 0.46)
    return round(width * 0.84), round(height * 0.56)


def _draw_title(
    image: Image.Image, block: TextBlock, top: int, colours: tuple[RGB, RGB, RGB]
) -> None:
    """Shadow, outline, then fill; the last line (usually the payoff) in the highlight colour."""
    text, outline, highlight = colours
    width = image.width
    size = block.size
    ring = bold_stroke(size) + max(3, round(size * 0.09))
    shadow = Image.new("L", image.size, 0)
    shadow_draw = ImageDraw.Draw(shadow)
    offset = max(2, round(size * 0.06))
    positions = [
        (width // 2, top + i * block.line_height + block.line_height // 2)
        for i in range(len(block.lines))
    ]
    for (x, y), line in zip(positions, block.lines, strict=True):
        draw_line(
            shadow_draw, line, size, (x + offset, y + offset), anchor="mm", fill=170,
            stroke=ring, emoji="silhouette",
        )  # fmt: skip
    shadow = shadow.filter(ImageFilter.GaussianBlur(offset))
    image.paste(Image.new("RGB", image.size, _INK), (0, 0), shadow)
    draw = ImageDraw.Draw(image)
    last = len(block.lines) - 1
    for index, ((x, y), line) in enumerate(zip(positions, block.lines, strict=True)):
        fill = highlight if index == last and last > 0 else text
        # The text's outline goes round the letters; each emoji gets a white ring of the
        # same width instead, as a sticker: OpenMoji's black contours and black details
        # (the 💤) vanish against a darkened photo without it.
        draw_line(
            draw, line, size, (x, y), anchor="mm", fill=outline, stroke=ring,
            emoji="silhouette", emoji_fill=_WHITE,
        )  # fmt: skip
        draw_line(draw, line, size, (x, y), anchor="mm", fill=fill, stroke=bold_stroke(size))


def _draw_tag(
    draw: ImageDraw.ImageDraw, label: str, centre_x: int, bottom: int, unit: float, palette: Palette
) -> None:
    """A pill-shaped topic tag in the accent colour, sitting above the title."""
    font_size = round(54 * unit)
    pad_x, height = round(38 * unit), round(88 * unit)
    width = round(sans(font_size).getlength(label)) + 2 * pad_x
    box = (centre_x - width // 2, bottom - height, centre_x + width // 2, bottom)
    draw.rounded_rectangle(box, radius=height // 2, fill=palette.accent)
    draw.text(
        (centre_x, bottom - height // 2),
        label,
        font=sans(font_size),
        fill=palette.on_accent,
        anchor="mm",
        stroke_width=bold_stroke(font_size),
        stroke_fill=palette.on_accent,
    )


def make_thumbnail(
    title: str, background: Path | None, size: tuple[int, int], vertical: Vertical, out_jpeg: Path
) -> None:
    """Write a designed JPEG thumbnail of `size` for a video titled `title`.

    `background` is a scene image to darken and blur behind the title; None draws the
    vertical's gradient instead.
    """
    palette = palette_for(vertical)
    image = _backdrop(background, size, palette, f"thumbnail:{vertical}:{title}")
    unit = min(size) / 1080
    # A title of only emoji that cannot be drawn leaves no title: the tag and bar remain.
    text = clean(title)
    box_w, box_h = _text_box(size)
    block = fit(text, (box_w, box_h), round(170 * unit), round(60 * unit), max_lines=4)
    tag_h, gap, bar_gap = round(88 * unit), round(44 * unit), round(40 * unit)
    total = tag_h + gap + block.height + bar_gap + round(16 * unit)
    top = (size[1] - total) // 2 - round(size[1] * 0.03)  # optically centred: a little high
    draw = ImageDraw.Draw(image)
    korean = detect_language(text) is Language.KO
    tag = _TAGS[vertical][0 if korean else 1]
    _draw_tag(draw, tag, size[0] // 2, top + tag_h, unit, palette)
    text_top = top + tag_h + gap
    _draw_title(image, block, text_top, _scheme(palette, background is not None))
    bar_w, bar_h = round(220 * unit), round(16 * unit)
    bar_y = text_top + block.height + bar_gap
    draw.rounded_rectangle(
        (size[0] // 2 - bar_w // 2, bar_y, size[0] // 2 + bar_w // 2, bar_y + bar_h),
        bar_h // 2,
        fill=palette.accent,
    )
    out_jpeg.parent.mkdir(parents=True, exist_ok=True)
    # 4:4:4 chroma: subsampling puts colour fringes on sharp text edges.
    image.convert("RGB").save(
        out_jpeg, format="JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True
    )
