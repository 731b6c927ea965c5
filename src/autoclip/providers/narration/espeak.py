"""Korean (and any eSpeak NG voice) narration through the eSpeak NG C library via ctypes.

eSpeak reports a WORD event, with the word's character position in the text and its audio
position, as it speaks each word. A text word starts at the first WORD event inside its
character span and lasts until the next word starts, minus any pause at its end (found in
the audio), so sentence pauses do not stretch captions. Words eSpeak skipped are spread
between their neighbours.

eSpeak keeps global C state (one voice, one callback, one rate at a time), so every call
into the library happens under `_LOCK`; the library is initialised once per process.
Characters the caption font cannot draw (emoji) are removed before synthesis, so captions
built from `SceneNarration.words` match what was said.
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import espeakng_loader
import numpy as np

from autoclip.errors import InputError, MediaError
from autoclip.kit.fonts import drawable
from autoclip.options import Language
from autoclip.providers.narration.base import (
    NarratorName,
    SceneNarration,
    TimingSource,
    Voice,
    VoiceRequest,
    WordTiming,
)
from autoclip.providers.narration.timing import spread_words, voiced_segments, voiced_span
from autoclip.providers.narration.track import Pcm, write_wav

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 0
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3
DEFAULT_PITCH = 50  # eSpeak's own default, on its 0-100 scale

# eSpeak's default 175 wpm sounds hurried in Korean, whose words carry many syllables.
DEFAULT_RATE = {"ko": 165}
FALLBACK_RATE = 170
# A request's voice may name eSpeak explicitly ("espeak:en-us") to override the language's
# default engine.
ESPEAK_PREFIX = "espeak:"


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_int64),  # a union in C; int64 covers its widest member
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class _Capture:
    """What the callback collected during one `espeak_Synth`: PCM and (char pos, ms) words."""

    pcm: list[bytes] = field(default_factory=list)
    words: list[tuple[int, int]] = field(default_factory=list)


class _Engine:
    """The process's one eSpeak instance. Use only while holding `_LOCK`."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int
        ]  # fmt: skip
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        data = str(espeakng_loader.get_data_path()).encode()
        self.sample_rate = int(self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0))
        if self.sample_rate <= 0:
            raise MediaError("eSpeak NG failed to initialise")
        self.capture = _Capture()
        # Kept on the instance: if the ctypes callback object were collected, C would call
        # freed memory.
        self.callback = _SynthCallback(self._on_audio)
        self.lib.espeak_SetSynthCallback(self.callback)

    def _on_audio(
        self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]
    ) -> int:
        if count > 0:
            self.capture.pcm.append(ctypes.string_at(wav, count * 2))
        index = 0
        while events and events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_WORD:
                self.capture.words.append((event.text_position, event.audio_position))
            index += 1
        return 0  # 0 = continue synthesis

    def speak(self, text: str, voice: str, rate: int, pitch: int) -> _Capture:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise InputError("voice", f"eSpeak has no voice named {voice!r}")
        self.lib.espeak_SetParameter(_PARAM_RATE, rate, 0)
        # Set on every call: the parameters are global, and another caller may have left
        # a different pitch behind.
        self.lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
        self.capture = _Capture()
        encoded = text.encode()
        status = self.lib.espeak_Synth(
            encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        self.lib.espeak_Synchronize()
        if status != 0:
            raise MediaError(f"eSpeak NG synthesis failed (status {status})")
        return self.capture


_LOCK = threading.Lock()
_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    """The shared engine, created on first use. Call only while holding `_LOCK`."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def _speak(
    text: str, voice: str, rate: int, pitch: int = DEFAULT_PITCH
) -> tuple[Pcm, list[tuple[int, int]], int]:
    with _LOCK:
        engine = _engine()
        capture = engine.speak(text, voice, rate, pitch)
        rate_hz = engine.sample_rate
    pcm = np.frombuffer(b"".join(capture.pcm), dtype=np.int16).copy()
    return pcm, capture.words, rate_hz


def has_voice(name: str) -> bool:
    """Whether eSpeak NG knows the voice `name` (selecting it is the only reliable test)."""
    with _LOCK:
        return bool(_engine().lib.espeak_SetVoiceByName(name.encode()) == 0)


def _char_spans(text: str) -> list[tuple[int, int]]:
    """1-based [first, last] character positions of each space-separated word of `text`."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for index, char in enumerate(text + " "):
        if char.isspace():
            if start is not None:
                spans.append((start + 1, index))
                start = None
        elif start is None:
            start = index
    return spans


def _word_starts(text: str, events: list[tuple[int, int]]) -> list[float | None]:
    """Start (seconds) of each text word: its first WORD event, if eSpeak emitted one."""
    starts: list[float | None] = []
    for first, last in _char_spans(text):
        inside = [ms for position, ms in events if first <= position <= last]
        starts.append(min(inside) / 1000.0 if inside else None)
    return starts


def _group_timings(
    group: list[str], pcm: Pcm, rate: int, span: tuple[float, float], peak: float
) -> list[WordTiming]:
    """Times for a word eSpeak announced plus the unannounced words after it, within `span`.

    eSpeak sometimes emits no WORD event for a short word ("네," after "정말요?"). If the
    span's audio falls into exactly one sound segment per word, each word gets its segment;
    otherwise the group is spread over the span up to its last sound, so a trailing pause is
    never part of a word.
    """
    first = round(span[0] * rate)
    segments = voiced_segments(pcm[first : round(span[1] * rate)], rate, peak)
    if len(group) > 1 and len(segments) == len(group):
        # Clamped because sample rounding may put an edge a few microseconds outside `span`.
        return [
            WordTiming(
                text=word,
                start=max(span[0], (first + lo) / rate),
                end=min(span[1], (first + hi) / rate),
            )
            for word, (lo, hi) in zip(group, segments, strict=True)
        ]
    end = min(span[1], (first + segments[-1][1]) / rate) if segments else span[1]
    return spread_words(group, span[0], max(span[0], end))


def _timings(text: str, pcm: Pcm, rate: int, events: list[tuple[int, int]]) -> list[WordTiming]:
    words = text.split()
    starts = _word_starts(text, events)
    voiced_first, voiced_last = voiced_span(pcm)
    begin, finish = voiced_first / rate, voiced_last / rate
    known = [index for index, start in enumerate(starts) if start is not None]
    if not known:
        return spread_words(words, begin, finish)
    peak = float(np.abs(pcm.astype(np.int32)).max())
    first_start = max(begin, starts[known[0]] or 0.0)
    timings = spread_words(words[: known[0]], begin, first_start)
    cursor = first_start
    for position, index in enumerate(known):
        last = position + 1 == len(known)
        group_end = len(words) if last else known[position + 1]
        span_end = finish if last else starts[group_end] or finish
        span = (cursor, max(cursor, span_end))
        timings.extend(_group_timings(words[index:group_end], pcm, rate, span, peak))
        cursor = span[1]
    return timings


def speak_timed(
    text: str, voice: str, rate: int, pitch: int = DEFAULT_PITCH
) -> tuple[Pcm, int, list[WordTiming]]:
    """`text` said by eSpeak voice `voice` at `rate` words/min and `pitch` (0-100): the
    samples, their rate and the timing of every whitespace-split word, as the narrator
    times them. The aligner's reference voice, and a stand-in speaker in its benchmark."""
    pcm, events, sample_rate = _speak(text, voice, rate, pitch)
    return pcm, sample_rate, _timings(text, pcm, sample_rate, events)


def default_rate(voice: str) -> int:
    """The words/min the narrator speaks `voice` at unless told otherwise."""
    return DEFAULT_RATE.get(voice.split("-")[0], FALLBACK_RATE)


LISTED_VOICES: dict[Language, list[tuple[str, str]]] = {
    Language.KO: [("ko", "eSpeak NG 한국어")],
    Language.EN: [("en-us", "eSpeak NG (US English)"), ("en", "eSpeak NG (British English)")],
}


class EspeakNarrator:
    """eSpeak NG. `voice` is an eSpeak voice name ("ko", "en-us", ...); `rate` in words/min."""

    name = NarratorName.ESPEAK

    def __init__(self, voice: str | None = None, rate: int | None = None) -> None:
        self.voice = voice
        self.rate = rate

    def voices(self, language: Language) -> list[Voice]:
        # eSpeak knows over a hundred voices (any is taken as "espeak:<name>"); these are
        # the ones for the product's languages.
        return [
            Voice(self.name, f"{ESPEAK_PREFIX}{voice}", label, language)
            for voice, label in LISTED_VOICES[language]
        ]

    def _voice_and_rate(self, request: VoiceRequest) -> tuple[str, int]:
        requested = request.voice.removeprefix(ESPEAK_PREFIX) if request.voice else None
        voice = requested or self.voice or request.language.value
        rate = self.rate or default_rate(voice)
        return voice, rate

    def identity(self, request: VoiceRequest) -> str:
        voice, rate = self._voice_and_rate(request)
        text_hash = hashlib.sha256(request.text.encode()).hexdigest()[:16]
        return f"espeak-{version('espeakng-loader')}:{voice}:{rate}:{text_hash}"

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        voice, rate = self._voice_and_rate(request)
        text = drawable(request.text)
        pcm, events, sample_rate = _speak(text, voice, rate)
        write_wav(out_wav, pcm, sample_rate)
        return SceneNarration(
            wav_path=out_wav,
            sample_rate=sample_rate,
            duration=pcm.size / sample_rate,
            words=_timings(text, pcm, sample_rate, events),
            timing_source=TimingSource.ENGINE,
        )
