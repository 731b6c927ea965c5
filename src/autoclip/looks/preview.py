"""A template's preview: one still of a body scene as the template draws it, captions in.

The card is drawn as the engine would draw it (`cards.render_card` with the template's
card layout) and the captions by libass from the same ASS the engine writes, so the
preview is what a video made with the template looks like, not a mock-up of it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from autoclip.captions.ass import render_ass
from autoclip.captions.layout import layout_pages
from autoclip.captions.style import caption_style
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.kit.fonts import sans_font_path
from autoclip.looks.look import Look
from autoclip.looks.templates import TemplateSpec
from autoclip.options import Aspect, Language, Vertical
from autoclip.providers.narration.base import WordTiming
from autoclip.providers.visuals.base import VisualRequest
from autoclip.providers.visuals.cards import render_card, save_png
from autoclip.script.model import Scene, SceneKind

# Bump when the preview's drawing changes, so cached previews are made again.
PREVIEW_VERSION = "1"
_TEXT = "잠이 부족하면 기억력이 떨어집니다"
_SPOKEN = "깊은 잠을 자는 동안 뇌는 노폐물을 씻어 냅니다."
_AT = 1.3  # seconds into the sample narration: the third word is being spoken


def render_preview(spec: TemplateSpec, vertical: Vertical, aspect: Aspect, out: Path) -> None:
    """Write the template's preview still for `aspect` as a PNG to `out`."""
    look = Look(template=spec)
    size = aspect.size
    scene = Scene(narration=_SPOKEN, on_screen_text=_TEXT, visual="")
    request = VisualRequest(
        scene=scene,
        kind=SceneKind.BODY,
        number=2,
        total=5,
        title=_TEXT,
        language=Language.KO,
        vertical=vertical,
        size=size,
        card=look.card_layout(aspect, size),
    )
    words = [
        WordTiming(text=word, start=index * 0.5, end=index * 0.5 + 0.45)
        for index, word in enumerate(_SPOKEN.split())
    ]
    style = caption_style(
        size, look.caption_look(aspect), max_page_seconds=look.caption_page_seconds
    )
    pages = layout_pages(words, size, 4.0, style=style)
    with tempfile.TemporaryDirectory(prefix="autoclip-preview-") as folder:
        work = Path(folder)
        save_png(render_card(request), work / "card.png")
        (work / "captions.ass").write_text(render_ass(pages, style), "utf-8")
        (work / "fonts").symlink_to(sans_font_path().parent, target_is_directory=True)
        run_ffmpeg(
            [
                "-loop", "1", "-t", "2", "-i", "card.png",
                "-vf", "ass=filename=captions.ass:fontsdir=fonts",
                "-ss", str(_AT), "-frames:v", "1", "-update", "1", str(out.resolve()),
            ],
            cwd=work,
            timeout=60,
            what="template preview",
        )  # fmt: skip
