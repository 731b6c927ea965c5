"""Scene images drawn by a Gemini image model, over the Generative Language API (v1beta).

Wire format (https://ai.google.dev/gemini-api/docs/image-generation):

    POST {base_url}/v1beta/models/{model}:generateContent
    x-goog-api-key: {api_key}
    {"contents": [{"role": "user", "parts": [{"text": prompt}]}],
     "generationConfig": {"temperature": 1.0, "responseModalities": ["IMAGE"],
                          "imageConfig": {"aspectRatio": "9:16"|"16:9"|"1:1"|...}}}

    200 {"candidates": [{"content": {"role": "model",
                                     "parts": [{"text": ...},   (sometimes, besides the image)
                                               {"inlineData": {"mimeType": "image/png",
                                                               "data": base64}}]},
                         "finishReason": "STOP"|"IMAGE_SAFETY"|"NO_IMAGE"|...}],
         "usageMetadata": {"promptTokenCount", "candidatesTokenCount", ...},
         "promptFeedback": {"blockReason": "SAFETY"|...}}   (when the prompt is blocked)

Errors (4xx/5xx) are those of the Gemini text model (`autoclip.providers.text.gemini`).

Every scene of one content gets the same style line (from the vertical, and a palette
picked by the title), so the images look like one series; the scene adds what to show.
The renderer sets the captions, so the prompt asks for no lettering at all.

What an answer without a usable image means:
- a blocked prompt, or a refusal finish reason: `PermanentProviderError` — asked again,
  the model refuses again;
- a candidate with text but no image (the model explaining why it will not draw it):
  `PermanentProviderError` for the same reason; the text goes into the detail;
- no candidate at all, or an image part that does not decode (bad base64, not an image):
  `RetriableProviderError` — a garbled answer says nothing about the prompt, and a new
  call usually succeeds. It is raised to the caller, not retried here: the kit retries
  transport failures only, and a second paid call is the caller's decision.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
from pathlib import Path
from typing import Any
from urllib.parse import quote

from PIL import Image, UnidentifiedImageError
from pydantic import Field

from autoclip.options import Vertical
from autoclip.providers.cloud.errors import (
    PermanentProviderError,
    RefusedError,
    RetriableProviderError,
)
from autoclip.providers.cloud.http import HttpProvider
from autoclip.providers.text.gemini import (
    API_VERSION,
    REFUSALS,
    GeminiSettings,
    flagged_categories,
    usage_units,
)
from autoclip.providers.visuals.base import Visual, VisualKind, VisualName, VisualRequest
from autoclip.providers.visuals.cards import save_png
from autoclip.providers.visuals.library import cover
from autoclip.script.phrasebook import pick

SERVICE = "gemini-image"
IMAGE_VERSION = "gemini-image-1"  # bump when the prompt or the post-processing changes
# Finish reasons of image models that mean "will not draw this", on top of the text
# writer's (whose safety-rating and usage readers apply to image answers as they are).
IMAGE_REFUSALS = REFUSALS | {"IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"}
# The aspect ratios the image models accept (imageConfig.aspectRatio).
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
DETAIL_TEXT_CHARS = 200
# What Pillow raises for bytes that are no (whole, sane) image.
_DECODE_ERRORS = (
    binascii.Error,
    ValueError,
    OSError,
    SyntaxError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
)

# Photographic looks per vertical, in English: image models follow English style words best.
_STYLES: dict[Vertical, str] = {
    Vertical.SENIOR_HEALTH: (
        "warm editorial photography, soft natural light, gentle reassuring mood,"
        " real people in everyday homely settings"
    ),
    Vertical.FINANCE: (
        "clean modern editorial photography, crisp daylight, uncluttered compositions,"
        " calm professional mood"
    ),
    Vertical.TECH: (
        "sleek contemporary photography, shallow depth of field, subtle cool highlights,"
        " precise modern look"
    ),
    Vertical.HISTORY: (
        "cinematic painterly illustration, dramatic side light, period-accurate detail,"
        " documentary mood"
    ),
    Vertical.COMMERCE: (
        "bright lifestyle product photography, clean backgrounds, inviting natural colours"
    ),
}
# One palette per content, picked by its title, so two videos of a vertical still differ.
_PALETTES = (
    "a warm amber and cream palette",
    "a soft teal and sand palette",
    "a muted sage and ivory palette",
    "a deep navy and gold palette",
    "a dusty rose and warm grey palette",
    "a fresh green and white palette",
)


class SceneImageRefused(RefusedError):
    """No image for this scene (refused, or answered in words): asking again gives the
    same, but the next visual source of the chain may serve the scene (a card)."""

    moves_on = True


class GeminiImageSettings(GeminiSettings):
    model: str = "gemini-2.5-flash-image"
    # The image models' own default; lower makes the scenes of a series more alike.
    temperature: float = Field(default=1.0, ge=0, le=2)


def style_line(title: str, vertical: Vertical) -> str:
    """The look shared by every scene of one content: the same for the same title and
    vertical, whatever the scene."""
    palette = pick(_PALETTES, title.strip())
    return (
        f"Style: {_STYLES[vertical]}, {palette}. One consistent series of images for a"
        f' short video titled "{title.strip()}": keep the same look, palette and lighting.'
    )


def image_prompt(request: VisualRequest) -> str:
    """The whole prompt for one scene: the content's style, then what this scene shows."""
    scene = request.scene
    shows = scene.visual.strip() or scene.on_screen_text.strip() or scene.narration.strip()
    lines = [style_line(request.title, request.vertical), f"Scene: {shows}"]
    keywords = [keyword.strip() for keyword in scene.keywords if keyword.strip()]
    if keywords:
        lines.append(f"Subjects: {', '.join(keywords)}")
    # The renderer sets captions over the lower part of the frame; letters the model draws
    # would clash with them (and models misspell, Korean most of all).
    lines.append(
        "No text, no letters, no captions, no logos, no watermark."
        " Keep the lower third of the frame calm and uncluttered."
    )
    return "\n".join(lines)


def aspect_ratio(size: tuple[int, int]) -> str:
    """The accepted aspect ratio nearest to the frame's (draft sizes keep the full ratio)."""
    width, height = size
    target = math.log(width / height)

    def distance(ratio: str) -> float:
        w, h = ratio.split(":")
        return abs(math.log(int(w) / int(h)) - target)

    return min(ASPECT_RATIOS, key=distance)


class GeminiImageSource(HttpProvider[GeminiImageSettings]):
    """A `VisualSource` drawing each scene with a Gemini image model; see the module doc."""

    name = VisualName.GEMINI
    service = SERVICE

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.settings.api_key.get_secret_value()}

    @property
    def _path(self) -> str:
        return f"/{API_VERSION}/models/{quote(self.settings.model, safe='')}:generateContent"

    def identity(self, request: VisualRequest) -> str:
        # The prompt carries the scene, the title and the vertical; the size changes the
        # aspect ratio asked for and the fitted PNG.
        width, height = request.size
        prompt = hashlib.sha256(image_prompt(request).encode("utf-8")).hexdigest()
        parts = (
            IMAGE_VERSION,
            self.settings.model,
            f"t{self.settings.temperature:g}",
            aspect_ratio(request.size),
            f"{width}x{height}",
            prompt,
        )
        return "\x1f".join(parts)

    def make(self, request: VisualRequest, out_dir: Path) -> Visual:
        body = {
            "contents": [{"role": "user", "parts": [{"text": image_prompt(request)}]}],
            "generationConfig": {
                "temperature": self.settings.temperature,
                "responseModalities": ["IMAGE"],
                "imageConfig": {"aspectRatio": aspect_ratio(request.size)},
            },
        }
        answer = self.http.post_json(self._path, body)
        inline = _image_part(answer)
        # Billed whether or not an image came back: refused prompts cost their tokens.
        self.http.report_usage({**usage_units(answer), "images": 1.0 if inline else 0.0})
        if inline is None:
            raise _no_image(answer)
        out_dir.mkdir(parents=True, exist_ok=True)
        original = _save_original(inline, out_dir)
        still = out_dir / f"scene_{request.number}.png"
        try:
            fitted = cover(original, request.size)
        except _DECODE_ERRORS:
            raise RetriableProviderError(
                SERVICE, "the image answered could not be decoded", detail=f"{inline[0]}"
            ) from None
        save_png(fitted, still)
        return Visual(
            kind=VisualKind.STILL,
            path=still,
            still_path=still,
            origin=f"{SERVICE}: {self.settings.model}",
        )


def _candidate(answer: dict[str, Any]) -> dict[str, Any] | None:
    candidates = answer.get("candidates")
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        return None
    return candidates[0]


def _parts(candidate: dict[str, Any] | None) -> list[dict[str, Any]]:
    content = candidate.get("content") if candidate else None
    parts = content.get("parts") if isinstance(content, dict) else None
    return [part for part in (parts if isinstance(parts, list) else []) if isinstance(part, dict)]


def _image_part(answer: dict[str, Any]) -> tuple[str, str] | None:
    """(mime type, base64 data) of the first image in the answer, if there is one."""
    for part in _parts(_candidate(answer)):
        inline = part.get("inlineData")
        if not isinstance(inline, dict) or part.get("thought"):
            continue  # thinking models may show draft images as thoughts
        mime, data = inline.get("mimeType"), inline.get("data")
        if isinstance(mime, str) and mime.startswith("image/") and isinstance(data, str):
            return mime, data
    return None


def _no_image(answer: dict[str, Any]) -> PermanentProviderError | RetriableProviderError:
    """The error an answer without an image means (see the module doc)."""
    feedback = answer.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        return SceneImageRefused(
            SERVICE,
            "the provider refused the prompt",
            detail=f"blockReason {feedback['blockReason']}",
        )
    candidate = _candidate(answer)
    if candidate is None:
        return RetriableProviderError(SERVICE, "the answer has no candidate")
    reason = str(candidate.get("finishReason") or "")
    if reason in IMAGE_REFUSALS:
        return SceneImageRefused(
            SERVICE,
            "the provider refused to draw the image",
            detail=f"finishReason {reason}{flagged_categories(candidate)}",
        )
    text = " ".join(
        part["text"].strip()
        for part in _parts(candidate)
        if isinstance(part.get("text"), str) and not part.get("thought")
    ).strip()
    if len(text) > DETAIL_TEXT_CHARS:
        text = text[: DETAIL_TEXT_CHARS - 1] + "…"
    return SceneImageRefused(
        SERVICE,
        "the model answered without an image",
        detail=f"finishReason {reason or 'none'}" + (f": {text}" if text else ""),
    )


def _save_original(inline: tuple[str, str], out_dir: Path) -> Path:
    """Decode the image as the model sent it into `out_dir` (kept next to the fitted PNG)."""
    mime, data = inline
    try:
        raw = base64.b64decode(data, validate=True)
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()
            suffix = (image.format or "png").lower()
    except _DECODE_ERRORS:
        raise RetriableProviderError(
            SERVICE, "the image answered could not be decoded", detail=f"{mime}, {len(data)} chars"
        ) from None
    original = out_dir / f"generated.{'jpg' if suffix == 'jpeg' else suffix}"
    original.write_bytes(raw)
    return original
