"""Answers of the visual providers, with real media: Gemini's inline PNGs are drawn with
Pillow, and the clips Pexels links to are real H.264 files made by ffmpeg and served by
the same fake server as the search (the links point at its base URL).

The shapes follow the providers' documentation (see the modules' docstrings).
"""

from __future__ import annotations

import base64
import io
import tempfile
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw

from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.options import Language, Vertical
from autoclip.providers.visuals.base import VisualRequest
from autoclip.script.model import Scene, SceneKind
from providers.fakes import Json, Reply

CLIP_SIZE = (360, 640)
CLIP_SECONDS = 4


def visual_request(
    *,
    visual: str = "a calm bedroom at night with soft lamp light",
    keywords: list[str] | None = None,
    narration: str = "Keep the bedroom dark, quiet and a little cool.",
    number: int = 2,
    total: int = 8,
    title: str = "How to sleep well",
    language: Language = Language.EN,
    vertical: Vertical = Vertical.SENIOR_HEALTH,
    size: tuple[int, int] = (1080, 1920),
) -> VisualRequest:
    scene = Scene(
        narration=narration,
        on_screen_text=narration[:20],
        visual=visual,
        keywords=["sleep", "bedroom"] if keywords is None else keywords,
    )
    return VisualRequest(
        scene=scene,
        kind=SceneKind.BODY,
        number=number,
        total=total,
        title=title,
        language=language,
        vertical=vertical,
        size=size,
    )


# --- media ---------------------------------------------------------------------------------


def _picture(size: tuple[int, int]) -> Image.Image:
    """A picture with structure (a gradient and a disc), so a crop or scale shows."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = 40 + 160 * y // max(1, height - 1)
        draw.line([(0, y), (width, y)], fill=(shade, 90, 200 - shade // 2))
    radius = min(size) // 4
    draw.ellipse(
        [width // 2 - radius, height // 2 - radius, width // 2 + radius, height // 2 + radius],
        fill=(240, 200, 80),
    )
    return image


@cache
def sample_png(size: tuple[int, int] = (576, 1024)) -> bytes:
    buffer = io.BytesIO()
    _picture(size).save(buffer, format="PNG")
    return buffer.getvalue()


@cache
def sample_jpeg(size: tuple[int, int] = (600, 900)) -> bytes:
    buffer = io.BytesIO()
    _picture(size).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@cache
def sample_mp4() -> bytes:
    """A 4 s, 360x640, 30 fps H.264 clip of ffmpeg's test pattern (made once per run)."""
    width, height = CLIP_SIZE
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        run_ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size={width}x{height}:rate=30",
                "-t",
                str(CLIP_SECONDS),
                "-pix_fmt",
                "yuv420p",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-movflags",
                "+faststart",
                str(path),
            ],
            timeout=60,
            what="making the sample clip",
        )
        return path.read_bytes()


def mp4_reply(*, truncate: bool = False) -> Reply:
    return Reply(200, sample_mp4(), content_type="video/mp4", truncate=truncate)


def jpeg_reply() -> Reply:
    return Reply(200, sample_jpeg(), content_type="image/jpeg")


# --- Gemini image models -------------------------------------------------------------------


def gemini_image_answer(
    image: bytes | None = None,
    *,
    mime: str = "image/png",
    data: str | None = None,
    text: str | None = None,
    finish: str = "STOP",
    prompt_tokens: int = 96,
    output_tokens: int = 1290,  # what one image is billed as
) -> Json:
    """An answer with `text` (if any) and then the image (unless `image` and `data` are
    both None: a text-only answer). `data` replaces the base64 of the image as is."""
    parts: list[Json] = []
    if text is not None:
        parts.append({"text": text})
    if data is None and image is not None:
        data = base64.b64encode(image).decode("ascii")
    if data is not None:
        parts.append({"inlineData": {"mimeType": mime, "data": data}})
    return {
        "candidates": [
            {"content": {"parts": parts, "role": "model"}, "finishReason": finish, "index": 0}
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
            "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": output_tokens}],
        },
        "modelVersion": "gemini-2.5-flash-image",
        "responseId": "fake-image-response",
    }


def gemini_image(size: tuple[int, int] = (576, 1024)) -> Reply:
    """A successful answer with a real PNG (9:16 by default, as the model draws it)."""
    return Reply(200, gemini_image_answer(sample_png(size)))


# --- Pexels --------------------------------------------------------------------------------

PEXELS_RATE_HEADERS = {
    "X-Ratelimit-Limit": "20000",
    "X-Ratelimit-Remaining": "19684",
    "X-Ratelimit-Reset": "1767225600",
}


def pexels_file(
    base_url: str,
    video_id: int,
    width: int,
    height: int,
    *,
    quality: str | None = "hd",
    fps: float = 30,
    file_type: str = "video/mp4",
) -> Json:
    fps_name = f"{fps:g}".replace(".", "_")
    return {
        "id": video_id * 10 + width // 100,
        "quality": quality,
        "file_type": file_type,
        "width": width,
        "height": height,
        "fps": fps,
        "link": (
            f"{base_url}/video-files/{video_id}/{video_id}-{quality}_{width}_{height}"
            f"_{fps_name}fps.mp4"
        ),
        "size": width * height * 3,
    }


def portrait_files(base_url: str, video_id: int) -> list[Json]:
    """The renditions Pexels lists for a 4K portrait video, in its (unsorted) order."""
    return [
        pexels_file(base_url, video_id, 2160, 3840, quality="uhd", fps=29.97),
        pexels_file(base_url, video_id, 540, 960, quality="sd", fps=29.97),
        pexels_file(base_url, video_id, 1080, 1920, quality="hd", fps=29.97),
        pexels_file(base_url, video_id, 360, 640, quality="sd", fps=29.97),
        pexels_file(base_url, video_id, 720, 1280, quality="hd", fps=29.97),
    ]


def pexels_video(
    base_url: str,
    video_id: int,
    *,
    width: int = 2160,
    height: int = 3840,
    duration: int = 12,
    author: str = "Jane Doe",
    files: list[Json] | None = None,
) -> Json:
    return {
        "id": video_id,
        "width": width,
        "height": height,
        "duration": duration,
        "full_res": None,
        "tags": [],
        "url": f"https://www.pexels.com/video/calm-bedroom-at-night-{video_id}/",
        "image": f"https://images.pexels.com/videos/{video_id}/pictures/preview-0.jpg",
        "avg_color": None,
        "user": {
            "id": 4_000 + video_id % 1000,
            "name": author,
            "url": f"https://www.pexels.com/@{author.lower().replace(' ', '-')}",
        },
        "video_files": portrait_files(base_url, video_id) if files is None else files,
        "video_pictures": [
            {
                "id": video_id * 100 + n,
                "nr": n,
                "picture": f"https://images.pexels.com/videos/{video_id}/pictures/preview-{n}.jpg",
            }
            for n in range(3)
        ],
    }


def pexels_videos(videos: list[Json], *, query: str = "sleep") -> Reply:
    return Reply(
        200,
        {
            "page": 1,
            "per_page": 15,
            "total_results": len(videos),
            "url": f"https://www.pexels.com/search/videos/{query}/",
            "videos": videos,
        },
        headers=PEXELS_RATE_HEADERS,
    )


def pexels_photo(
    base_url: str,
    photo_id: int,
    *,
    width: int = 3000,
    height: int = 4500,
    author: str = "Min Park",
) -> Json:
    original = f"{base_url}/photos/{photo_id}/pexels-photo-{photo_id}.jpeg"
    fitted = f"{original}?auto=compress&cs=tinysrgb"
    return {
        "id": photo_id,
        "width": width,
        "height": height,
        "url": f"https://www.pexels.com/photo/a-dark-bedroom-{photo_id}/",
        "photographer": author,
        "photographer_url": f"https://www.pexels.com/@{author.lower().replace(' ', '-')}",
        "photographer_id": 77,
        "avg_color": "#2E2A2B",
        "src": {
            "original": original,
            "large2x": f"{fitted}&dpr=2&h=650&w=940",
            "large": f"{fitted}&h=650&w=940",
            "medium": f"{fitted}&h=350",
            "small": f"{fitted}&h=130",
            "portrait": f"{fitted}&fit=crop&h=1200&w=800",
            "landscape": f"{fitted}&fit=crop&h=627&w=1200",
            "tiny": f"{fitted}&dpr=1&fit=crop&h=200&w=280",
        },
        "liked": False,
        "alt": "A dark, quiet bedroom",
    }


def pexels_photos(photos: list[Json]) -> Reply:
    return Reply(
        200,
        {"page": 1, "per_page": 15, "total_results": len(photos), "photos": photos},
        headers=PEXELS_RATE_HEADERS,
    )


def pexels_error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": message}, headers=headers or {})


PEXELS_UNAUTHORIZED = pexels_error(401, "Unauthorized: invalid API key")
PEXELS_FORBIDDEN = pexels_error(403, "Forbidden")
PEXELS_SERVER_ERROR = Reply(
    500, "<html><body>Internal Server Error</body></html>", content_type="text/html"
)
PEXELS_UNAVAILABLE = Reply(503, "Service Unavailable", content_type="text/plain")
