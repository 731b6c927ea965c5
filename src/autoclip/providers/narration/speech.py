"""What the cloud narrators share: the text they send, and raw 16-bit audio read back."""

from __future__ import annotations

import numpy as np

from autoclip.errors import InputError
from autoclip.kit.fonts import drawable
from autoclip.providers.cloud.errors import PermanentProviderError
from autoclip.providers.narration.base import VoiceRequest
from autoclip.providers.narration.track import Pcm


def speakable(request: VoiceRequest) -> tuple[str, list[str]]:
    """The text to send and its words. Like the local narrators, characters the caption
    font cannot draw (emoji) are left out, so the words timed are the words captions show.
    `InputError` when nothing is left to say, before any paid call."""
    text = drawable(request.text)
    words = text.split()
    if not words:
        raise InputError("narration", "there is nothing to say: the text is empty")
    return text, words


def pcm16(service: str, audio: bytes) -> Pcm:
    """Raw 16-bit little-endian mono samples. The body arrived whole (a cut one fails in
    the HTTP kit), so no samples or an odd byte count is the provider's error: permanent."""
    if not audio or len(audio) % 2:
        raise PermanentProviderError(
            service, f"the answer's PCM audio has {len(audio)} bytes, not 16-bit samples"
        )
    return np.frombuffer(audio, dtype="<i2").astype(np.int16)
