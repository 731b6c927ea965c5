"""One colour palette per content vertical, shared by scene cards and thumbnails.

Every palette is chosen so that its text stays readable on every background stop (WCAG
contrast of at least 4.5:1, checked in the tests), because the cards are watched on small
phone screens, often by older viewers, and are re-encoded with lossy video codecs.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoclip.options import Vertical

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    stops: tuple[RGB, RGB, RGB]  # background gradient, from one corner to the opposite one
    accent: RGB  # bars, blocks, highlighted words
    glow: RGB  # soft background shapes; a second hue keeps the background from looking flat
    on_accent: RGB  # text set on an accent-coloured block
    text: RGB
    outline: RGB  # stroke around text: separates it from any busy background
    muted: RGB  # secondary marks (progress), readable but quieter than the text

    @property
    def is_dark(self) -> bool:
        """Whether the background is dark (light text); decides how shapes are blended."""
        return luminance(self.stops[1]) < 0.35


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: RGB) -> float:
    """WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: RGB, second: RGB) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _palette(
    stops: tuple[str, str, str],
    accent: str,
    glow: str,
    on_accent: str,
    text: str,
    outline: str,
    muted: str,
) -> Palette:
    a, b, c = (hex_rgb(s) for s in stops)
    return Palette(
        stops=(a, b, c),
        accent=hex_rgb(accent),
        glow=hex_rgb(glow),
        on_accent=hex_rgb(on_accent),
        text=hex_rgb(text),
        outline=hex_rgb(outline),
        muted=hex_rgb(muted),
    )


PALETTES: dict[Vertical, Palette] = {
    # Calm and warm: cream paper fading into sage, deep forest-green type. Light background
    # with dark text reads best for older eyes and avoids the "alarm" feel of dark cards.
    Vertical.SENIOR_HEALTH: _palette(
        stops=("#FBF6E9", "#EEF2DF", "#D5E4CC"),
        accent="#2F7A4F",
        glow="#9CC9A4",
        on_accent="#FFFDF5",
        text="#16382A",
        outline="#FFFDF5",
        muted="#3D6650",
    ),
    # Deep navy with gold: the conventional language of banks and wealth.
    Vertical.FINANCE: _palette(
        stops=("#071428", "#0E2547", "#173A6B"),
        accent="#E2B64A",
        glow="#3C6DB0",
        on_accent="#0A1830",
        text="#FFFFFF",
        outline="#040B18",
        muted="#C9D4E6",
    ),
    # Dark indigo lit by cyan and violet, like a code editor at night.
    Vertical.TECH: _palette(
        stops=("#0C0A24", "#1A1650", "#2B1E73"),
        accent="#22D3EE",
        glow="#8B5CF6",
        on_accent="#0A0820",
        text="#F5F7FF",
        outline="#06051A",
        muted="#B9C2F0",
    ),
    # Parchment and sepia with burgundy, like an old printed page.
    Vertical.HISTORY: _palette(
        stops=("#F6ECD3", "#EBDAB4", "#D9C08F"),
        accent="#7A1F2B",
        glow="#B98B52",
        on_accent="#FBF3E0",
        text="#33200F",
        outline="#FBF3E0",
        muted="#5E4128",
    ),
    # Loud coral and orange with white type: shopping-feed energy. The coral is kept deep
    # enough that white text still passes 4.5:1.
    Vertical.COMMERCE: _palette(
        stops=("#C8321F", "#D5401F", "#B8361A"),
        accent="#FFFFFF",
        glow="#FF9A4D",
        on_accent="#B52A18",
        text="#FFFFFF",
        outline="#5A150B",
        muted="#FFE6D6",
    ),
}


def palette_for(vertical: Vertical) -> Palette:
    return PALETTES[vertical]
