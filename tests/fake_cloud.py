"""The cloud on 127.0.0.1: Gemini, ElevenLabs and Pexels as one local HTTP server that
answers every documented route with a body of the documented shape, and fails on purpose.

Unlike `providers.fakes.FakeProvider` (a queue of scripted replies for one provider's unit
tests), this server answers by route and content, so whole generations can run against it:

- Gemini `generateContent`: a script (when a response schema is asked for), a safety
  review (`{"flags": []}`), a summary, or an image (`responseModalities: ["IMAGE"]`);
- ElevenLabs `with-timestamps`: real speech (eSpeak NG) as `pcm_24000`, with a character
  alignment made from the speech's own word timings; every alignment sent is kept in
  `alignments`, so a test can check that captions follow it;
- Google Cloud Text-to-Speech `text:synthesize` (v1beta1): real speech (eSpeak NG) as
  LINEAR16 (a WAV file, header included), and a timepoint for every SSML `<mark>` at the
  start of the word after it; each request's marks are kept in `marks`; `voices.list`;
- Gemini speech (`responseModalities: ["AUDIO"]`): raw 24 kHz PCM as `audio/L16`;
- CLOVA Voice Premium `tts-premium/v1/tts` (a form post): a WAV file;
- Pexels video search, and the video file its answer links to.

Faults: with `failure_rate`, that share of API calls (seeded, so a run is repeatable)
answers 429 with `Retry-After`, 500, 503 or a JSON body cut short, in each API's own error
shape. A service in `down` answers 503 to everything.
"""

from __future__ import annotations

import base64
import html
import io
import json
import random
import re
import tempfile
import threading
import wave
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import numpy as np
from PIL import Image

from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.options import Language
from autoclip.providers.narration.base import VoiceRequest
from autoclip.providers.narration.espeak import EspeakNarrator

Json = dict[str, Any]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
_MARK = re.compile(r'<mark name="([^"]+)"/>')
SPEECH_RATE = 24_000

SCRIPTS = {
    "ko": {
        "title": "잠을 잘 자는 법",
        "hook": "오늘 밤 푹 자고 싶으신가요?",
        "scenes": [
            "매일 같은 시간에 잠자리에 드세요.",
            "잠들기 전에는 휴대폰을 멀리하세요.",
            "침실은 어둡고 서늘하게 유지하세요.",
            "오후에는 커피를 줄이는 것이 좋습니다.",
        ],
        "cta": "도움이 되셨다면 구독해 주세요.",
        "description": "숙면을 위한 생활 습관.",
        "hashtags": ["#수면", "#건강"],
    },
    "en": {
        "title": "How to sleep well",
        "hook": "Want to sleep better tonight?",
        "scenes": [
            "Go to bed at the same time every day.",
            "Put your phone away before you sleep.",
            "Keep the bedroom dark and cool.",
            "Cut down on coffee after lunch.",
        ],
        "cta": "Subscribe for more tips like this.",
        "description": "Habits for better sleep.",
        "hashtags": ["#sleep", "#health"],
    },
}


def script_object(language: str, number: int = 1) -> Json:
    """The sample script, numbered: each script the cloud writes is its own, so a batch of
    contents shares no narration or image through the stage cache."""
    lines = SCRIPTS[language]
    tag = f"{number}번 팁." if language == "ko" else f"Tip {number}."

    def scene(narration: str) -> Json:
        narration = f"{tag} {narration}"
        return {
            "narration": narration,
            "on_screen_text": narration[:18],
            "visual": f"a photograph for: {narration}",
            "keywords": ["sleep", "bedroom"],
        }

    return {
        "title": lines["title"],
        "hook": scene(str(lines["hook"])),
        "scenes": [scene(text) for text in lines["scenes"]],
        "cta": scene(str(lines["cta"])),
        "description": lines["description"],
        "hashtags": lines["hashtags"],
    }


@dataclass(frozen=True)
class Marks:
    """What a Google request said, and when it reached each of its marks."""

    text: str  # the words spoken, as sent (SSML unescaped)
    times: dict[str, float]  # mark name -> seconds


@dataclass(frozen=True)
class Alignment:
    text: str
    characters: list[str]
    starts: list[float]
    ends: list[float]


class FakeCloud:
    def __init__(
        self, failure_rate: float = 0.0, seed: int = 7, down: frozenset[str] = frozenset()
    ) -> None:
        self.base_url = ""
        self.failure_rate = failure_rate
        self.down = down
        self.calls: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.alignments: list[Alignment] = []
        self.marks: list[Marks] = []
        self.spoken: dict[str, list[str]] = {"gemini-speech": [], "clova": []}
        self.scripts = 0  # scripts written so far
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._clip: bytes | None = None

    # -- routing --------------------------------------------------------------------------

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body: Json
        if "form-urlencoded" in (handler.headers.get("Content-Type") or ""):
            body = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
        else:
            body = json.loads(raw or b"{}")
        path = urlsplit(handler.path).path
        service = _service(path)
        config: Json = body.get("generationConfig") or {}
        if service == "gemini" and "AUDIO" in config.get("responseModalities", []):
            service = "gemini-speech"
        with self._lock:
            self.calls[service] += 1
            fails = service in self.down or self._random.random() < self.failure_rate
            kind = self._random.choice(["429", "500", "503", "cut"]) if fails else ""
            if service in self.down:
                kind = "503"
            if fails:
                self.failures[service] += 1
        if fails and service != "files":
            _fail(handler, service, kind)
            return
        if service == "gemini":
            _send_json(handler, self._gemini(body))
        elif service == "gemini-speech":
            _send_json(handler, self._gemini_speech(body))
        elif service == "google-tts":
            if handler.command == "GET":
                _send_json(handler, _google_voices())
            else:
                _send_json(handler, self._google_speech(body))
        elif service == "clova":
            _send(handler, 200, self._clova(body), "audio/wav")
        elif service == "elevenlabs":
            _send_json(handler, self._speech(str(body.get("text", ""))))
        elif service == "pexels":
            _send_json(handler, self._pexels())
        elif service == "files":
            _send(handler, 200, self._clip_bytes(), "video/mp4")
        else:
            _send_json(handler, {"error": {"message": f"no route {path}"}}, 404)

    # -- Gemini ---------------------------------------------------------------------------

    def _gemini(self, body: Json) -> Json:
        config = body.get("generationConfig") or {}
        prompt = " ".join(
            part.get("text", "") for turn in body.get("contents", []) for part in turn["parts"]
        )
        system = " ".join(
            p.get("text", "") for p in body.get("systemInstruction", {}).get("parts", [])
        )
        if "IMAGE" in (config.get("responseModalities") or []):
            return _gemini_answer([{"inlineData": {"mimeType": "image/png", "data": _png()}}])
        if "responseSchema" in config:
            language = "ko" if HANGUL.search(system + prompt) else "en"
            with self._lock:
                self.scripts += 1
                number = self.scripts
            text = json.dumps(script_object(language, number), ensure_ascii=False)
        elif "flags" in system + prompt:
            text = json.dumps({"flags": []})
        else:
            text = prompt[:400]  # a summary of sorts
        return _gemini_answer([{"text": text}])

    # -- ElevenLabs -----------------------------------------------------------------------

    def _speech(self, text: str) -> Json:
        pcm, timings = _espeak(text, Language.KO if HANGUL.search(text) else Language.EN)
        alignment = _alignment(text, timings)
        with self._lock:
            self.alignments.append(alignment)
        shape = {
            "characters": alignment.characters,
            "character_start_times_seconds": alignment.starts,
            "character_end_times_seconds": alignment.ends,
        }
        return {
            "audio_base64": base64.b64encode(pcm).decode(),
            "alignment": shape,
            "normalized_alignment": shape,
        }

    # -- Google Cloud TTS, Gemini speech, CLOVA -------------------------------------------

    def _google_speech(self, body: Json) -> Json:
        given = body.get("input") or {}
        language = Language.KO if body["voice"]["languageCode"].startswith("ko") else Language.EN
        if "ssml" in given:
            ssml = given["ssml"].removeprefix("<speak>").removesuffix("</speak>")
            pieces = _MARK.split(ssml)  # ["", name, word, name, word, ...]
            names = pieces[1::2]
            words = [html.unescape(piece).strip() for piece in pieces[2::2]]
        else:
            names, words = [], str(given["text"]).split()
        text = " ".join(words)
        pcm, timings = _espeak(text, language)
        assert len(timings) == len(words), "eSpeak timed every word"
        times = {name: round(start, 3) for name, (start, _) in zip(names, timings, strict=True)}
        with self._lock:
            self.marks.append(Marks(text, times))
        return {
            "audioContent": base64.b64encode(_wav(pcm)).decode(),
            "timepoints": [{"markName": name, "timeSeconds": time} for name, time in times.items()],
            "audioConfig": {"audioEncoding": "LINEAR16", "sampleRateHertz": SPEECH_RATE},
        }

    def _gemini_speech(self, body: Json) -> Json:
        text = " ".join(part["text"] for turn in body["contents"] for part in turn["parts"])
        with self._lock:
            self.spoken["gemini-speech"].append(text)
        pcm, _ = _espeak(text, Language.KO if HANGUL.search(text) else Language.EN)
        audio = {"mimeType": f"audio/L16;codec=pcm;rate={SPEECH_RATE}",
                 "data": base64.b64encode(pcm).decode()}  # fmt: skip
        answer = _gemini_answer([{"inlineData": audio}])
        answer["usageMetadata"] = {"promptTokenCount": len(text), "candidatesTokenCount": 90}
        return answer

    def _clova(self, form: Json) -> bytes:
        text = str(form["text"])
        with self._lock:
            self.spoken["clova"].append(text)
        pcm, _ = _espeak(text, Language.KO if HANGUL.search(text) else Language.EN)
        return _wav(pcm)

    # -- Pexels ---------------------------------------------------------------------------

    def _pexels(self) -> Json:
        files = [
            {"id": 1, "quality": "sd", "file_type": "video/mp4", "width": 360, "height": 640,
             "fps": 30, "link": f"{self.base_url}/files/clip.mp4"},
        ]  # fmt: skip
        video = {
            "id": 4321, "width": 360, "height": 640, "duration": 4,
            "url": "https://www.pexels.com/video/4321/", "image": f"{self.base_url}/files/p.jpg",
            "user": {"id": 7, "name": "Jane Doe", "url": "https://www.pexels.com/@jane"},
            "video_files": files, "video_pictures": [],
        }  # fmt: skip
        return {"page": 1, "per_page": 15, "total_results": 1, "videos": [video]}

    def _clip_bytes(self) -> bytes:
        with self._lock:
            if self._clip is None:
                with tempfile.TemporaryDirectory() as folder:
                    out = Path(folder) / "clip.mp4"
                    run_ffmpeg(
                        ["-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=4",
                         "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)],
                        timeout=60,
                        what="test clip",
                    )  # fmt: skip
                    self._clip = out.read_bytes()
            return self._clip


def _espeak(text: str, language: Language) -> tuple[bytes, list[tuple[float, float]]]:
    """Real speech of `text` (eSpeak NG) as 24 kHz 16-bit PCM, and its words' times."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "speech.wav"
        spoken = EspeakNarrator().narrate(VoiceRequest(text, language), wav)
        raw = Path(folder) / "speech.pcm"
        run_ffmpeg(
            ["-i", str(wav), "-ar", str(SPEECH_RATE), "-ac", "1", "-f", "s16le", str(raw)],
            timeout=60,
            what="resample",
        )
        return raw.read_bytes(), [(w.start, w.end) for w in spoken.words]


def _wav(pcm: bytes) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SPEECH_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()


def _google_voices() -> Json:
    names = ["ko-KR-Neural2-A", "ko-KR-Neural2-C", "ko-KR-Wavenet-A", "ko-KR-Chirp3-HD-Kore"]
    return {"voices": [{"languageCodes": ["ko-KR"], "name": name, "ssmlGender": "FEMALE",
                        "naturalSampleRateHertz": 24000} for name in names]}  # fmt: skip


def _service(path: str) -> str:
    if path.startswith("/v1beta/models/"):
        return "gemini"
    if path.startswith(("/v1beta1/text:synthesize", "/v1/voices")):
        return "google-tts"
    if path.startswith("/tts-premium/v1/tts"):
        return "clova"
    if path.startswith("/v1/text-to-speech/"):
        return "elevenlabs"
    if path.startswith(("/videos/search", "/v1/search")):
        return "pexels"
    if path.startswith("/files/"):
        return "files"
    return "unknown"


def _alignment(text: str, words: list[tuple[float, float]]) -> Alignment:
    """Characters of `text` timed from its words' timings: a word's letters share its span
    evenly, the spaces between words fill the gaps."""
    characters = list(text)
    starts = [0.0] * len(characters)
    ends = [0.0] * len(characters)
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    assert len(spans) == len(words), "eSpeak timed every word"
    for (first, last), (start, end) in zip(spans, words, strict=True):
        step = (end - start) / (last - first)
        for offset, index in enumerate(range(first, last)):
            starts[index] = round(start + offset * step, 3)
            ends[index] = round(start + (offset + 1) * step, 3)
        cursor = last  # the spaces after a word sit at its end
        while cursor < len(text) and text[cursor].isspace():
            starts[cursor] = ends[cursor] = round(end, 3)
            cursor += 1
    return Alignment(text, characters, starts, ends)


def _gemini_answer(parts: list[Json]) -> Json:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 900, "candidatesTokenCount": 400},
        "modelVersion": "gemini-2.5-flash",
    }


def _png() -> str:
    gradient = np.linspace(40, 200, 512, dtype=np.uint8)
    pixels = np.stack([np.tile(gradient[:, None], (1, 288))] * 3, axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


_ERRORS: dict[str, dict[int, Json]] = {
    "gemini": {
        429: {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota"}},
        500: {"error": {"code": 500, "status": "INTERNAL", "message": "internal error"}},
        503: {"error": {"code": 503, "status": "UNAVAILABLE", "message": "overloaded"}},
    },
    "elevenlabs": {
        429: {"detail": {"status": "system_busy", "message": "busy, try again"}},
        500: {"detail": {"status": "internal_error", "message": "internal error"}},
        503: {"detail": {"status": "service_unavailable", "message": "unavailable"}},
    },
    "google-tts": {
        429: {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota"}},
        500: {"error": {"code": 500, "status": "INTERNAL", "message": "internal error"}},
        503: {"error": {"code": 503, "status": "UNAVAILABLE", "message": "unavailable"}},
    },
    "clova": {
        429: {"error": {"errorCode": "420", "message": "Rate Limited"}},
        500: {"error": {"errorCode": "900", "message": "Unexpected Error"}},
        503: {"error": {"errorCode": "500", "message": "Endpoint Error"}},
    },
    "pexels": {
        429: {"error": "Rate limit exceeded"},
        500: {"error": "Internal Server Error"},
        503: {"error": "Service Unavailable"},
    },
}


def _fail(handler: BaseHTTPRequestHandler, service: str, kind: str) -> None:
    shapes = _ERRORS.get(service, _ERRORS["gemini"])
    if kind == "cut":
        body = json.dumps(shapes[503]).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        return
    status = int(kind)
    headers = {"Retry-After": "1"} if status == 429 else {}
    _send_json(handler, shapes[status], status, headers)


def _send_json(
    handler: BaseHTTPRequestHandler,
    body: Json,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    _send(handler, status, json.dumps(body, ensure_ascii=False).encode(), "application/json",
          headers)  # fmt: skip


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)


@contextmanager
def fake_cloud(
    failure_rate: float = 0.0, seed: int = 7, down: frozenset[str] = frozenset()
) -> Iterator[FakeCloud]:
    cloud = FakeCloud(failure_rate, seed, down)

    class Handler(BaseHTTPRequestHandler):
        target: ClassVar[FakeCloud] = cloud

        def do_GET(self) -> None:
            self.target.handle(self)

        def do_POST(self) -> None:
            self.target.handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    cloud.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield cloud
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
