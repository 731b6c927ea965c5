"""A brand kit's intro and outro: a designed card or the user's own clip, put before and
after every video the kit's project makes.

A card is drawn here with Pillow (the brand's accent as its ground, the logo, a line of
text in the brand's font) and shown still for 1-3 s. A clip is the user's media, checked by
its content (ffmpeg must find a video stream in an MP4/MOV, WebM or Matroska container)
and its limits before it is kept; the render fits it into the frame (scaled whole, bars
where its shape differs), never stretched. Both are whole frames long, so the narration,
the captions and the body's frames all move by exactly the intro's length.
"""

from __future__ import annotations

import re
import subprocess  # nosec B404 # ffmpeg, with an argument list
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from autoclip.errors import InputError
from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.kit.fonts import drawable, sans_font_path
from autoclip.visuals.palette import RGB, contrast, hex_rgb

MIN_CARD_SECONDS, MAX_CARD_SECONDS = 1.0, 3.0
DEFAULT_CARD_SECONDS = 2.0
MAX_CARD_TEXT = 40  # characters: a channel name or a short line, read in a second
MIN_CLIP_SECONDS, MAX_CLIP_SECONDS = 0.5, 10.0
MAX_CLIP_BYTES = 20 << 20  # the service's upload limit
MIN_CLIP_SIDE, MAX_CLIP_SIDE = 144, 3840
# ffmpeg's names of the containers a phone or an editor exports.
CLIP_CONTAINERS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"})
CARD_GROUND: RGB = (17, 17, 17)  # without a brand accent: near-black, like the letterbox


class BookendKind(StrEnum):
    CARD = "card"
    CLIP = "clip"


@dataclass(frozen=True)
class Bookend:
    """An intro or an outro as the engine applies it; a clip's path is a checked file."""

    kind: BookendKind
    seconds: float = DEFAULT_CARD_SECONDS  # a card's length; a clip plays whole
    text: str = ""
    clip: Path | None = None

    def length(self) -> float:
        """Seconds on screen: the card's, or the clip's own duration."""
        if self.kind is BookendKind.CLIP:
            assert self.clip is not None
            return clip_info(self.clip).duration
        return self.seconds

    def frames(self, fps: int) -> int:
        return max(1, round(self.length() * fps))


def card(text: str, seconds: float, field: str) -> Bookend:
    """A card, or InputError naming `field.text` / `field.seconds`."""
    text = " ".join(text.split())
    if len(text) > MAX_CARD_TEXT:
        raise InputError(f"{field}.text", f"at most {MAX_CARD_TEXT} characters")
    if not MIN_CARD_SECONDS <= seconds <= MAX_CARD_SECONDS:
        raise InputError(
            f"{field}.seconds", f"must be {MIN_CARD_SECONDS:g} to {MAX_CARD_SECONDS:g} seconds"
        )
    return Bookend(BookendKind.CARD, seconds=seconds, text=text)


# -- clips ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipInfo:
    duration: float
    width: int
    height: int
    audio: bool


_INPUT = re.compile(r"Input #0, ([^ ]+), from")
_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #0:\d+[^:]*: Video: [^\n]*?(\d{2,5})x(\d{2,5})")
_AUDIO = re.compile(r"Stream #0:\d+[^:]*: Audio: ")


def check_clip(path: Path, field: str) -> ClipInfo:
    """The clip's facts, or InputError naming `field` for a file that is not a video clip
    within the limits. The type is sniffed by ffmpeg from the content, not the name."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(field, f"cannot read {path}: {exc.strerror}") from None
    if size > MAX_CLIP_BYTES:
        raise InputError(field, f"a clip is at most {MAX_CLIP_BYTES >> 20} MiB")
    info = _probe(path)
    if info is None:
        raise InputError(field, "not a video clip (MP4, MOV, WebM or MKV) ffmpeg can read")
    if not MIN_CLIP_SECONDS <= info.duration <= MAX_CLIP_SECONDS:
        raise InputError(
            field,
            f"a clip is {MIN_CLIP_SECONDS:g} to {MAX_CLIP_SECONDS:g} seconds long, "
            f"got {info.duration:.2f}",
        )
    if max(info.width, info.height) > MAX_CLIP_SIDE or min(info.width, info.height) < (
        MIN_CLIP_SIDE
    ):
        raise InputError(
            field,
            f"a clip is {MIN_CLIP_SIDE} to {MAX_CLIP_SIDE} pixels a side, "
            f"got {info.width}x{info.height}",
        )
    return info


def clip_info(path: Path) -> ClipInfo:
    """Facts of a clip already checked (`check_clip`)."""
    info = _probe(path)
    if info is None:
        raise InputError("clip", f"{path.name} is no longer a readable clip")
    return info


@lru_cache(maxsize=32)
def _probe(path: Path) -> ClipInfo | None:
    completed = subprocess.run(  # nosec B603 # an argument list built as data
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
        check=False,
    )
    stderr = completed.stderr
    container, duration, video = (
        _INPUT.search(stderr), _DURATION.search(stderr), _VIDEO.search(stderr)
    )  # fmt: skip
    if container is None or container.group(1) not in CLIP_CONTAINERS:
        return None
    if duration is None or video is None:
        return None
    hours, minutes, seconds = duration.groups()
    return ClipInfo(
        duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        width=int(video.group(1)),
        height=int(video.group(2)),
        audio=_AUDIO.search(stderr) is not None,
    )


# -- cards ------------------------------------------------------------------------------


def draw_card(
    bookend: Bookend,
    size: tuple[int, int],
    out: Path,
    *,
    accent: str | None = None,
    logo: Path | None = None,
    font: Path | None = None,
) -> None:
    """The card as an RGB PNG of exactly `size`: the accent as ground, the logo in the
    upper middle, the text under it in the brand's font (black or white, whichever reads
    better on the ground). A card with neither logo nor text is the plain ground."""
    width, height = size
    ground = hex_rgb(accent[:7]) if accent else CARD_GROUND
    ink = max(((0, 0, 0), (255, 255, 255)), key=lambda colour: contrast(ground, colour))
    image = Image.new("RGB", size, ground)
    short = min(width, height)
    text = drawable(bookend.text, font)
    text_top = round(height * 0.5) if logo is not None else round(height * 0.42)
    if logo is not None:
        with Image.open(logo) as source:
            mark = source.convert("RGBA")
        box = (round(short * 0.5), round(height * 0.28 if text else height * 0.4))
        mark.thumbnail(box, Image.Resampling.LANCZOS)
        bottom = text_top - round(short * 0.04) if text else (height + mark.height) // 2
        image.paste(mark, ((width - mark.width) // 2, bottom - mark.height), mark)
    if text:
        face = _fitted_font(text, font or sans_font_path(), round(width * 0.84), short // 9)
        draw = ImageDraw.Draw(image)
        stroke = max(1, round(face.size * 0.022))  # the Regular face made bold, as on cards
        draw.text(
            (width // 2, text_top), text, font=face, fill=ink, anchor="ma",
            stroke_width=stroke, stroke_fill=ink,
        )  # fmt: skip
    image.save(out, format="PNG")


def _fitted_font(text: str, font: Path, max_width: int, max_size: int) -> ImageFont.FreeTypeFont:
    """The largest size (down to a quarter of `max_size`) at which `text` fits one line."""
    size = max_size
    while True:
        face = ImageFont.truetype(str(font), size)
        if face.getlength(text) <= max_width or size <= max_size // 4:
            return face
        size = max(max_size // 4, round(size * 0.9))


def cli_bookend(clip: Path | None, text: str | None, seconds: float, field: str) -> Bookend | None:
    """The intro or outro the CLI's flags ask for (`--intro FILE` or `--intro-card TEXT`)."""
    if clip is not None and text is not None:
        raise InputError(field, f"give --{field} (a clip) or --{field}-card, not both")
    if clip is not None:
        check_clip(clip, field)
        return Bookend(BookendKind.CLIP, clip=clip)
    if text is not None:
        return card(text, seconds, field)
    return None
