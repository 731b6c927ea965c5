"""A creator's own recorded voice as the narration of a whole script.

The recording is one file for the whole script (the creator reads every scene in order).
It is decoded by the bundled ffmpeg (any format it reads: WAV, MP3, M4A, Ogg, a video's
sound), mixed to mono at `RATE`, its DC offset removed and its peak brought to
`PEAK_DBFS`, as the synthetic voices' peaks are, so the render's loudness pass (-14 LUFS,
`render/audio.py`) treats it as it treats them. Its words are found by the aligner
(`align.align`) on the whole script read aloud (`speech.reading`: the pronunciation
dictionary and the language's normaliser, since a person says "2026년" as words too), then
the recording is cut between scenes: in the middle of the silence between one scene's last
word and the next one's first. Each scene keeps its own words' times, moved to its cut.

Nothing is spread or guessed: a recording the aligner refuses (silent, not speech, far
longer or shorter than the script takes to say, not matching it) is refused, naming the
field, because captions that do not follow the voice would be published otherwise.
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autoclip.errors import InputError, MediaError
from autoclip.kit.ffmpeg import run_ffmpeg, tail
from autoclip.kit.text import speech_seconds
from autoclip.options import Language
from autoclip.providers.narration.align import (
    SILENT_PEAK,
    AlignmentError,
    align,
    sounding_seconds,
)
from autoclip.providers.narration.base import SceneNarration, TimingSource, WordTiming
from autoclip.providers.narration.track import Pcm, read_wav, write_wav
from autoclip.speech.lexicon import Lexicon
from autoclip.speech.reading import READING_VERSION, Reading, read_aloud

FIELD = "narration_audio"
SERVED_BY = "recording"  # what `served["narration"]` says
# Changes whenever this module would cut or time the same recording differently.
RECORDED_VERSION = 1
RATE = 24000  # the synthetic voices' rate; speech loses nothing below 12 kHz
PEAK_DBFS = -1.0
# A short is at most a few minutes; a longer file is refused before it is all decoded
# (the aligner's memory grows with the length: docs/aligner.md).
MAX_SECONDS = 300.0
MIN_SECONDS = 0.5
# Silence kept before the first word and after the last: a recording's lead-in (the time
# between pressing record and speaking) is not part of the video.
EDGE_S = 0.3
DECODE_TIMEOUT_S = 120.0
# A recording whose speech (pauses left out) lasts over this many times more, or less, than
# the script takes to say at an ordinary pace (`kit.text.speech_seconds`) is not its
# reading. The aligner's own check is looser: it re-paces its reference (up to 450 words a
# minute) before comparing, so one sentence of another text can pass it.
MAX_PACE_RATIO = 2.0


@dataclass(frozen=True)
class Recording:
    """The decoded, normalised recording and the hash of the file it came from."""

    pcm: Pcm
    rate: int
    sha256: str

    @property
    def seconds(self) -> float:
        return self.pcm.size / self.rate


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def load_recording(path: Path, field: str = FIELD) -> Recording:
    """`path` decoded and normalised; `InputError(field, why)` for a file that is missing,
    not audio ffmpeg can decode, too short, too long or silent."""
    if not path.is_file():
        raise InputError(field, f"file not found: {path}")
    with tempfile.TemporaryDirectory(prefix="recording-") as folder:
        out = Path(folder) / "decoded.wav"
        args = ["-i", str(path), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(RATE),
                "-c:a", "pcm_s16le", "-t", f"{MAX_SECONDS + 1:g}", str(out)]  # fmt: skip
        try:
            run_ffmpeg(args, timeout=DECODE_TIMEOUT_S, what="decoding the recording")
            pcm, rate = read_wav(out)
        except MediaError as error:
            # ffmpeg names the file by its path: a worker's scratch path is no one's business.
            why = tail(error.stderr_tail, 1).replace(str(path), "the file").strip()
            why = why or error.message
            raise InputError(field, f"is not audio ffmpeg can decode ({why})") from None
    seconds = pcm.size / rate
    if seconds > MAX_SECONDS:
        raise InputError(field, f"is longer than {MAX_SECONDS:.0f} s, the most a narration may be")
    if seconds < MIN_SECONDS:
        raise InputError(field, f"lasts {seconds:.2f} s: too short to narrate anything")
    return Recording(normalise(pcm, field), rate, file_sha256(path))


def normalise(pcm: Pcm, field: str = FIELD) -> Pcm:
    """DC offset removed, peak at PEAK_DBFS; `InputError` when nothing is louder than
    -60 dBFS (the aligner's silence)."""
    samples = pcm.astype(np.float64)
    samples -= samples.mean()
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak < SILENT_PEAK:
        raise InputError(field, "is silent (its loudest sound is below -60 dBFS)")
    target = 32767.0 * 10.0 ** (PEAK_DBFS / 20.0)
    scaled = np.clip(np.round(samples * (target / peak)), -32767, 32767)
    normalised: Pcm = scaled.astype(np.int16)
    return normalised


def identity(recording: Recording, texts: list[str], language: Language, lexicon: Lexicon) -> str:
    """The narration stage's cache input: the recording's content and what it is cut by."""
    readings = [read_aloud(text, language, lexicon).spoken for text in texts]
    text_hash = hashlib.sha256(repr((readings, language.value)).encode()).hexdigest()[:16]
    return f"recording/{recording.sha256}/v{RECORDED_VERSION}/reading-{READING_VERSION}/{text_hash}"


def split_recording(
    recording: Recording,
    texts: list[str],
    language: Language,
    folder: Path,
    lexicon: Lexicon | None = None,
    field: str = FIELD,
) -> list[SceneNarration]:
    """One narration per scene text, cut from `recording` at the pauses between scenes,
    written to `folder/scene_<n>.wav`. `InputError(field, why)` when the recording cannot
    be aligned with the texts."""
    readings = [read_aloud(text, language, lexicon) for text in texts]
    spoken = [_spoken_words(reading, text) for reading, text in zip(readings, texts, strict=True)]
    whole = " ".join(" ".join(words) for words in spoken)
    _check_length(recording, whole, language, field)
    try:
        words = align(whole, recording.pcm, recording.rate, language).words
    except AlignmentError as error:
        raise InputError(field, f"cannot be the narration of this script: {error.reason}") from None
    except MediaError as error:  # eSpeak could not say the reference
        raise InputError(field, f"cannot be aligned: {error.message}") from None
    groups: list[list[WordTiming]] = []
    cursor = 0
    for scene_words in spoken:
        groups.append(words[cursor : cursor + len(scene_words)])
        cursor += len(scene_words)
    cuts = _cuts(groups, recording.seconds)
    scenes: list[SceneNarration] = []
    for number, (reading, group, (begin, end)) in enumerate(
        zip(readings, groups, cuts, strict=True), start=1
    ):
        first, last = round(begin * recording.rate), round(end * recording.rate)
        pcm = recording.pcm[first:last]
        wav = folder / f"scene_{number}.wav"
        write_wav(wav, pcm, recording.rate)
        moved = [
            WordTiming(text=w.text, start=w.start - first / recording.rate,
                       end=w.end - first / recording.rate)
            for w in group
        ]  # fmt: skip
        timed = reading.written_timings(moved) if reading.text else moved
        scenes.append(
            SceneNarration(
                wav_path=wav,
                sample_rate=recording.rate,
                duration=pcm.size / recording.rate,
                words=timed,
                timing_source=TimingSource.ALIGNED,
            )
        )
    return scenes


def _check_length(recording: Recording, text: str, language: Language, field: str) -> None:
    said = sounding_seconds(recording.pcm, recording.rate)
    if said < MIN_SECONDS:  # sound that never rises above its own floor: no syllables
        raise InputError(
            field, "is not speech: its loudness hardly changes, as a tone's or a hum's does"
        )
    expected = speech_seconds(text, language)
    if not expected / MAX_PACE_RATIO <= said <= expected * MAX_PACE_RATIO:
        raise InputError(
            field,
            f"holds {said:.1f} s of speech, but the script takes about {expected:.0f} s to "
            f"say: it is too {'short' if said < expected else 'long'} to be its reading",
        )


def _spoken_words(reading: Reading, text: str) -> list[str]:
    words = (reading.text or text).split()
    if not words:
        raise InputError("script", f"a scene has nothing to say: {text!r}")
    return words


def _cuts(groups: list[list[WordTiming]], seconds: float) -> list[tuple[float, float]]:
    """Each scene's span in the recording: from the middle of the silence before its first
    word (or EDGE_S before it, for the first) to the middle of the silence after its last
    word (or EDGE_S after it, for the last)."""
    bounds = [max(0.0, groups[0][0].start - EDGE_S)]
    for before, after in itertools.pairwise(groups):
        bounds.append((before[-1].end + after[0].start) / 2.0)
    bounds.append(min(seconds, groups[-1][-1].end + EDGE_S))
    return list(itertools.pairwise(bounds))
