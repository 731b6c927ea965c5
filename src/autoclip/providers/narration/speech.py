"""What the cloud narrators share: the text they send, and raw 16-bit audio read back."""

from __future__ import annotations

import base64
import binascii
import io
import re
import wave

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


def requested_voice(
    request: VoiceRequest, prefix: str, valid: re.Pattern[str], what: str
) -> str | None:
    """The voice the request names as `<prefix><voice>`, checked against `valid`; None when
    it names no voice of this engine (another engine's, "joe" or "espeak:ko", is ignored
    rather than sent). `InputError` naming `voice`, as `what`, when it is malformed."""
    if not (request.voice and request.voice.startswith(prefix)):
        return None
    voice = request.voice.removeprefix(prefix).strip()
    if not valid.match(voice):
        raise InputError("voice", f"not {what}: {voice!r}")
    return voice


def base64_audio(service: str, encoded: object, field: str) -> bytes:
    """The bytes of an answer's base64 audio field. The JSON parsed, so the body arrived
    whole: audio missing or undecodable here is the provider's fault, permanent."""
    if not isinstance(encoded, str) or not encoded:
        raise PermanentProviderError(service, f"the answer has no {field}")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise PermanentProviderError(
            service, f"the answer's {field} is not base64", detail=encoded[:40]
        ) from None


def pcm16(service: str, audio: bytes) -> Pcm:
    """Raw 16-bit little-endian mono samples. The body arrived whole (a cut one fails in
    the HTTP kit), so no samples or an odd byte count is the provider's error: permanent."""
    if not audio or len(audio) % 2:
        raise PermanentProviderError(
            service, f"the answer's PCM audio has {len(audio)} bytes, not 16-bit samples"
        )
    return np.frombuffer(audio, dtype="<i2").astype(np.int16)


def wav_samples(service: str, audio: bytes) -> tuple[Pcm, int]:
    """Mono 16-bit samples and rate of a 16-bit PCM WAV body, channels mixed down.

    `wave` reads a data chunk announced as 0xFFFFFFFF bytes (a streamed WAV) up to the end
    of the body, which is what it holds.
    """
    try:
        with wave.open(io.BytesIO(audio), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as error:
        raise PermanentProviderError(
            service, "the answer is not a PCM WAV file", detail=str(error)
        ) from None
    if width != 2 or rate <= 0:
        raise PermanentProviderError(
            service, f"the answer's WAV has {8 * width}-bit samples at {rate} Hz, not 16-bit"
        )
    usable = len(frames) - len(frames) % (2 * channels)
    samples = np.frombuffer(frames[:usable], dtype="<i2").reshape(-1, channels)
    if samples.shape[0] == 0:
        raise PermanentProviderError(service, "the answer's WAV holds no audio")
    if channels == 1:
        return samples[:, 0].astype(np.int16), rate
    mixed = np.round(samples.astype(np.float64).mean(axis=1))
    return mixed.astype(np.int16), rate
