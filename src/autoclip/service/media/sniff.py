"""What an uploaded file really is, from its bytes: never from its name or Content-Type.

The first bytes pick the family (PNG, JPEG and WebP images; MP4/MOV/M4A, WebM, MP3, WAV
and Ogg media); then the decoder that will use the file has to read it:

- an image's size is read from its header and refused over the pixel limit before any
  pixel is decoded (a decompression bomb: a few kB of PNG can unpack to gigabytes), then
  decoded in full by Pillow, opened with only the expected format's decoder, with its
  `DecompressionBombWarning` turned into an error as a second guard;
- a clip or music file is opened by ffmpeg (`ffmpeg -i`, the binary the renderer uses, so
  nothing more is needed at run time): its streams say clip (video) or music (audio
  only), and its duration is checked against the limit.
"""

from __future__ import annotations

import re
import subprocess  # nosec B404 # ffmpeg runs from argument lists, never a shell
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from autoclip.errors import InputError
from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.service.models import MediaKind
from autoclip.settings import MediaSettings

FIELD = "file"
HEAD_BYTES = 16
PROBE_TIMEOUT_S = 60.0
_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:\d+[^:]*: (Video|Audio): (.*)")
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")
# A still image inside a container (a cover picture of an MP3 or M4A) is not a clip.
_COVER = re.compile(r"\(attached pic\)|mjpeg|png", re.IGNORECASE)


@dataclass(frozen=True)
class Sniffed:
    kind: MediaKind
    content_type: str
    extension: str  # the stored object's, from the content type
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


def sniff(path: Path, limits: MediaSettings) -> Sniffed:
    """The file's kind and facts; `InputError("file", why)` for anything else."""
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
    image = _image_format(head)
    if image is not None:
        return _image(path, image, limits)
    family = _media_family(head)
    if family is None:
        raise InputError(
            FIELD,
            "is not a file the library takes: images PNG, JPEG or WebP; clips MP4, MOV or "
            "WebM; music MP3, WAV, M4A or Ogg",
        )
    return _media(path, family, limits)


def _image_format(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _media_family(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":
        return "mov" if head[8:12] == b"qt  " else "mp4"  # M4A is an MP4 of audio alone
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"OggS"):
        return "ogg"
    return None


CLIP_TYPES = {
    "mp4": ("video/mp4", "mp4"),
    "mov": ("video/quicktime", "mov"),
    "webm": ("video/webm", "webm"),
}
MUSIC_TYPES = {
    "mp3": ("audio/mpeg", "mp3"),
    "wav": ("audio/wav", "wav"),
    "ogg": ("audio/ogg", "ogg"),
    "mp4": ("audio/mp4", "m4a"),
    "mov": ("audio/mp4", "m4a"),
}
IMAGE_TYPES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"),
               "WEBP": ("image/webp", "webp")}  # fmt: skip


def _image(path: Path, image_format: str, limits: MediaSettings) -> Sniffed:
    content_type, extension = IMAGE_TYPES[image_format]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[image_format]) as opened:
                width, height = opened.size  # from the header: nothing decoded yet
                if width * height > limits.max_pixels:
                    raise InputError(
                        FIELD,
                        f"is {width}×{height} pixels, more than the {limits.max_pixels:,} "
                        "an image may have",
                    )
                opened.load()  # every pixel: a truncated or corrupt file fails here
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(FIELD, "is an image too large to decode") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise InputError(FIELD, f"is not a readable {image_format} image ({error})") from None
    return Sniffed(MediaKind.IMAGE, content_type, extension, width=width, height=height)


def _media(path: Path, family: str, limits: MediaSettings) -> Sniffed:
    completed = subprocess.run(  # nosec B603 # an argument list built as data
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=PROBE_TIMEOUT_S,
        check=False,
    )
    streams = _STREAM.findall(completed.stderr)
    video = [desc for kind, desc in streams if kind == "Video" and not _COVER.search(desc)]
    audio = [desc for kind, desc in streams if kind == "Audio"]
    found = _DURATION.search(completed.stderr)
    if not streams or found is None:
        raise InputError(FIELD, f"is not a {family.upper()} file ffmpeg can read")
    hours, minutes, seconds = found.groups()
    duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if duration <= 0:
        raise InputError(FIELD, "has no duration")
    if video:
        if family not in ("mp4", "mov", "webm"):
            raise InputError(FIELD, f"is a {family.upper()} with video: clips are MP4, MOV or WebM")
        if duration > limits.max_clip_seconds:
            raise InputError(FIELD, f"is a clip of {duration:.0f} s, longer than "
                                    f"{limits.max_clip_seconds:.0f} s")  # fmt: skip
        size = _SIZE.search(video[0])
        width, height = (int(size.group(1)), int(size.group(2))) if size else (None, None)
        if width and height and width * height > limits.max_pixels:
            raise InputError(FIELD, f"is a clip of {width}×{height} pixels, too large")
        clip_type, clip_extension = CLIP_TYPES[family]
        return Sniffed(MediaKind.CLIP, clip_type, clip_extension,
                       width=width, height=height, duration_s=duration)  # fmt: skip
    if not audio or family == "webm":
        raise InputError(FIELD, "has neither a picture nor sound the library takes")
    if duration > limits.max_music_seconds:
        raise InputError(FIELD, f"is music of {duration:.0f} s, longer than "
                                f"{limits.max_music_seconds:.0f} s")  # fmt: skip
    content_type, extension = MUSIC_TYPES[family]
    return Sniffed(MediaKind.MUSIC, content_type, extension, duration_s=duration)
