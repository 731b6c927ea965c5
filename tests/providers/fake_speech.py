"""Answers of the speech providers, as documented, carrying real audio made by ffmpeg.

The audio is a tone of a known length between known silences, so tests know exactly how
long the WAV is and where its voice lies. ElevenLabs answers carry an alignment of the
documented shape whose per-character times the tests can read back.
"""

from __future__ import annotations

import base64
import struct
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from autoclip.kit.ffmpeg import run_ffmpeg
from providers.fakes import Json, Reply

Codec = Literal["pcm", "mp3", "wav"]

# Per-character speaking times of the fake alignments: exact in binary floating point, so
# the times a narrator reports can be compared with `==`.
CHAR_S = 0.0625
SPACE_S = 0.03125
LEAD_S = 0.25  # silence before the first character
TAIL_S = 0.25  # silence after the last one


@cache
def tone(
    seconds: float,
    rate: int = 24000,
    codec: Codec = "pcm",
    *,
    lead_s: float = 0.0,
    tail_s: float = 0.0,
    channels: int = 1,
) -> bytes:
    """`lead_s` of silence, a 220 Hz tone of `seconds`, `tail_s` of silence, encoded as raw
    16-bit little-endian PCM, MP3 (128 kb/s) or a 16-bit WAV."""
    source = f"sine=frequency=220:sample_rate={rate}:duration={seconds}"
    if lead_s:
        source += f",adelay=delays={round(lead_s * 1000)}:all=1"
    if tail_s:
        source += f",apad=pad_dur={tail_s}"
    encode = {
        "pcm": ["-f", "s16le", "-c:a", "pcm_s16le"],
        "mp3": ["-f", "mp3", "-c:a", "libmp3lame", "-b:a", "128k"],
        "wav": ["-f", "wav", "-c:a", "pcm_s16le", "-bitexact"],
    }[codec]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"tone.{codec}"
        run_ffmpeg(
            ["-f", "lavfi", "-i", source, "-ac", str(channels), *encode, str(out)],
            what="making test audio",
        )
        return out.read_bytes()


def streamed_wav(wav: bytes) -> bytes:
    """`wav` as OpenAI streams it: 0xFFFFFFFF in the RIFF and data sizes, unknown up front."""
    data_at = wav.index(b"data")
    placeholder = struct.pack("<I", 0xFFFFFFFF)
    return wav[:4] + placeholder + wav[8 : data_at + 4] + placeholder + wav[data_at + 8 :]


# --- ElevenLabs (api.elevenlabs.io) ------------------------------------------------------


@dataclass(frozen=True)
class Spoken:
    """A fake ElevenLabs answer and what it says: the text's alignment and audio length."""

    reply: Reply
    alignment: Json
    seconds: float  # the audio's exact length


def alignment_for(text: str, start: float = LEAD_S) -> Json:
    """The documented alignment of `text`: every character (spaces too) with its times."""
    starts: list[float] = []
    ends: list[float] = []
    cursor = start
    for char in text:
        starts.append(cursor)
        cursor += SPACE_S if char == " " else CHAR_S
        ends.append(cursor)
    return {
        "characters": list(text),
        "character_start_times_seconds": starts,
        "character_end_times_seconds": ends,
    }


def elevenlabs_answer(audio: bytes, alignment: Json | None, normalized: Json | None = None) -> Json:
    answer: Json = {"audio_base64": base64.b64encode(audio).decode("ascii")}
    if alignment is not None:
        answer["alignment"] = alignment
    if normalized is not None:
        answer["normalized_alignment"] = normalized
    return answer


def elevenlabs_speech(
    text: str,
    *,
    codec: Codec = "pcm",
    rate: int = 24000,
    alignment: Json | None = None,
    normalized: Json | None = None,
) -> Spoken:
    """ElevenLabs saying `text`: a tone as long as the alignment, between silences.

    The alignment defaults to `alignment_for(text)`, the normalised one to the same.
    """
    aligned = alignment if alignment is not None else alignment_for(text)
    ends = alignment_for(text)["character_end_times_seconds"]
    voiced = ends[-1] - LEAD_S
    audio = tone(voiced, rate, codec, lead_s=LEAD_S, tail_s=TAIL_S)
    answer = elevenlabs_answer(audio, aligned, normalized if normalized is not None else aligned)
    return Spoken(Reply(200, answer), aligned, LEAD_S + voiced + TAIL_S)


def elevenlabs_error(status: int, kind: str, message: str) -> Reply:
    return Reply(status, {"detail": {"status": kind, "message": message}})


ELEVENLABS_BAD_KEY = elevenlabs_error(401, "invalid_api_key", "Invalid API key")
ELEVENLABS_QUOTA = elevenlabs_error(
    401,
    "quota_exceeded",
    "This request exceeds your quota of 10000. You have 12 credits remaining,"
    " while 57 credits are required for this request.",
)
ELEVENLABS_BUSY = elevenlabs_error(
    429, "system_busy", "We are experiencing heavy traffic, please try again later."
)
ELEVENLABS_SERVER_ERROR = Reply(500, {"detail": "Internal Server Error"})
ELEVENLABS_UNAVAILABLE = Reply(
    503, "<html><body>503 Service Temporarily Unavailable</body></html>", content_type="text/html"
)
ELEVENLABS_VALIDATION = Reply(
    422,
    {
        "detail": [
            {
                "loc": ["body", "voice_settings", "stability"],
                "msg": "ensure this value is less than or equal to 1.0",
                "type": "value_error.number.not_le",
            }
        ]
    },
)


def elevenlabs_too_many(retry_after: str | None = None) -> Reply:
    reply = elevenlabs_error(
        429,
        "too_many_concurrent_requests",
        "Too many concurrent requests. Your plan allows 2 at a time.",
    )
    return Reply(
        reply.status, reply.body, headers={"Retry-After": retry_after} if retry_after else {}
    )


# --- OpenAI speech (/v1/audio/speech) -----------------------------------------------------


def openai_speech(
    seconds: float = 1.5,
    *,
    rate: int = 24000,
    codec: Literal["wav", "pcm"] = "wav",
    channels: int = 1,
    streamed: bool = True,
) -> Reply:
    """The audio bytes OpenAI answers: a tone of `seconds` between LEAD_S and TAIL_S of
    silence; a WAV has the streamed header OpenAI sends unless `streamed` is False."""
    audio = tone(seconds, rate, codec, lead_s=LEAD_S, tail_s=TAIL_S, channels=channels)
    if codec == "wav" and streamed:
        audio = streamed_wav(audio)
    return Reply(200, audio, content_type="audio/wav" if codec == "wav" else "audio/pcm")


# --- Google Cloud Text-to-Speech (texttospeech.googleapis.com) -----------------------------

WORD_S = 0.25  # each word of a fake Google answer is this long


def google_speech(
    words: int, *, marks: list[int] | None = None, rate: int = 24000, header: bool = True
) -> Reply:
    """`text:synthesize` answering LINEAR16 (a WAV file, header included, as documented)
    for `words` words of WORD_S each after LEAD_S, with a timepoint for each mark index in
    `marks` (default: every word) at LEAD_S + index * WORD_S."""
    audio = tone(words * WORD_S, rate, "wav" if header else "pcm", lead_s=LEAD_S, tail_s=TAIL_S)
    indices = range(words) if marks is None else marks
    answer: Json = {
        "audioContent": base64.b64encode(audio).decode("ascii"),
        "timepoints": [
            {"markName": f"w{index}", "timeSeconds": LEAD_S + index * WORD_S} for index in indices
        ],
        "audioConfig": {"audioEncoding": "LINEAR16", "sampleRateHertz": rate},
    }
    return Reply(200, answer)


def google_error(
    code: int, status: str, message: str, headers: dict[str, str] | None = None
) -> Reply:
    return Reply(
        code, {"error": {"code": code, "message": message, "status": status}}, headers=headers or {}
    )


def google_voices(*names: str) -> Reply:
    return Reply(
        200,
        {
            "voices": [
                {
                    "languageCodes": [name[:5]],
                    "name": name,
                    "ssmlGender": "FEMALE",
                    "naturalSampleRateHertz": 24000,
                }
                for name in names
            ]
        },
    )


# --- Gemini speech generation ------------------------------------------------------------


def gemini_speech(seconds: float = 1.5, *, mime: str = "audio/L16;codec=pcm;rate=24000") -> Reply:
    audio = tone(seconds, 24000, "pcm", lead_s=LEAD_S, tail_s=TAIL_S)
    part = {"inlineData": {"mimeType": mime, "data": base64.b64encode(audio).decode("ascii")}}
    return Reply(
        200,
        {
            "candidates": [
                {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": {
                "promptTokenCount": 12,
                "candidatesTokenCount": 38,
                "totalTokenCount": 50,
            },
            "modelVersion": "gemini-3.8-flash-tts",
        },
    )


# --- NAVER CLOVA Voice Premium -------------------------------------------------------------


def clova_speech(seconds: float = 1.5, *, content_type: str = "audio/wav") -> Reply:
    audio = tone(seconds, 24000, "wav", lead_s=LEAD_S, tail_s=TAIL_S)
    return Reply(200, audio, content_type=content_type)


def clova_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Reply:
    return Reply(status, {"error": {"errorCode": code, "message": message}}, headers=headers or {})
