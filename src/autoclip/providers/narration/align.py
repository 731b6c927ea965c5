"""Word timings for a voice that returns audio alone, by aligning it with eSpeak NG.

No speech-recognition model is involved. The text is said again by eSpeak NG, whose word
timings are known (`espeak.speak_timed`); the two recordings are compared frame by frame
(`features.speech_features`: normalised MFCCs, their deltas and loudness) and matched with
dynamic time warping (`dtw.accumulate`); each word's start and end in eSpeak's recording
are carried across the warping path into the narration. Then:

1. The reference is said at the narration's pace: eSpeak speaks once at its default rate,
   and again at the rate that makes it sound (pauses left out) as long as the narration,
   so the warping path stays near the diagonal (one more synthesis, a few ms a second).
2. Both recordings are cut to their spans of sound (first to last), so leading and
   trailing silence, which differ between voices, cannot pull the path; of each pause
   inside, only its edges (`KEPT_PAUSE_S`) take part in the warping, so that a pause only
   one of them makes cannot either.
3. The narration's spectrum is read through mel filter banks stretched by each of
   `WARP_FACTORS` (vocal tract length normalisation) and the best match with eSpeak's
   voice is kept: a woman's formants lie about 15 % above a man's.
4. A boundary that lands inside a pause of the narration is moved to the pause's edge (a
   start to where the sound resumes, an end to where it stopped): pauses are the most
   reliable landmarks, and a word does not include the silence around it.

Refusals (`AlignmentError`, with a reason the caller logs before falling back to the
spread estimate): no words, silent audio, a sound whose loudness or spectrum does not vary
as speech does (a tone, a hum, steady noise: `MIN_VARIATION_SHARE`), audio far longer or
shorter than the text takes to say (`MAX_PACE_RATIO`), or a warping path hardly better
than pairing frames at random (`MAX_COST_RATIO`). Another text of about the same length
said by the voice is not caught: see docs/aligner.md.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from autoclip.errors import AutoclipError, MediaError
from autoclip.options import Language
from autoclip.providers.narration.base import TimingSource, WordTiming
from autoclip.providers.narration.dtw import Indices, Lattice, accumulate
from autoclip.providers.narration.espeak import default_rate, speak_timed
from autoclip.providers.narration.features import (
    FRAME_SECONDS,
    Matrix,
    Spectrum,
    levels,
    spectrum,
    speech_features,
    variation,
)
from autoclip.providers.narration.timing import spread_over_voice
from autoclip.providers.narration.track import Pcm

log = logging.getLogger(__name__)

# The eSpeak voice that says the reference, per language.
REFERENCE_VOICE = {Language.KO: "ko", Language.EN: "en-us"}
# eSpeak's rate limits (words/min); beyond them it clamps or garbles.
MIN_RATE, MAX_RATE = 80, 450
# Re-synthesise when the paces differ by more than this share.
PACE_TOLERANCE = 0.08
# Audio sounding (pauses left out) this many times longer or shorter than the reference,
# after the pace has been matched as far as eSpeak can, is not this text.
MAX_PACE_RATIO = 2.5
# Band half-width: a share of the length, within [MIN_BAND_S, MAX_BAND_S] seconds.
BAND_SHARE = 0.15
MIN_BAND_S, MAX_BAND_S = 1.0, 3.0
# Of a pause, only this much (its first and last halves) takes part in the warping.
KEPT_PAUSE_S = 0.2
# Speech varies its spectrum at least this share as much as eSpeak saying the same text
# (measured: 0.8 for eSpeak's female voice; a tone, 0.15).
MIN_VARIATION_SHARE = 0.35
# The path's average frame distance over the band's (`Lattice.cost_ratio`). Measured
# (docs/aligner.md): 0.37-0.62 for speech of the text, 0.58-0.69 for another text said by
# the same voice, so a wrong text of about the right length is not caught by this; it
# refuses sound that matches eSpeak's reading no better than unrelated speech does.
MAX_COST_RATIO = 0.75
# The narration's spectrum is read with its frequencies scaled by each of these, and the
# best match with eSpeak's (a man's voice) is kept: voices with shorter vocal tracts (a
# woman's: about 1.15) put the same vowel's formants higher.
WARP_FACTORS = (0.84, 0.92, 1.0, 1.08, 1.16, 1.24)
# Audio whose peak is below this (-60 dBFS) is silence.
SILENT_PEAK = 33
# A frame is sound, not silence, above this `features.loudness` level: 40 dB below the
# peak in a clean recording, about a fifth of the way from the noise floor to the peak in
# a noisy one.
SOUND_LEVEL = 0.2
# A pause (for snapping boundaries to) lasts at least this long.
SNAP_PAUSE_S = 0.08
# A start carried to this little before a pause belongs after it: no word begins with a
# sound this short followed by a pause (a stop's silent closure comes before its burst), but
# the path may pair a word's first frame with the last frame of the sound before a pause
# the reference does not have (seen once in CI, 10 ms before the pause).
START_BEFORE_PAUSE_S = 0.02


class AlignmentError(AutoclipError):
    """The audio could not be aligned with the text; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Reference:
    """The text said by eSpeak: samples, rate and word timings."""

    pcm: Pcm
    rate: int
    words: list[WordTiming]


def timings_from_audio(
    text: str, pcm: Pcm, rate: int, language: Language
) -> tuple[list[WordTiming], TimingSource]:
    """Word timings for a narration whose voice reported none: aligned (`align_words`)
    when the audio can be aligned with `text`, otherwise spread over its voiced span
    (`timing.spread_over_voice`), the reason logged. Every voice without timings of its
    own gets its word times here."""
    try:
        alignment = align(text, pcm, rate, language)
    except AlignmentError as error:
        reason = error.reason
    except MediaError as error:  # eSpeak failed to say the reference
        reason = f"the reference voice failed: {error.message}"
    else:
        log.debug(
            "aligned %d words (cost ratio %.2f, warp factor %.2f)",
            len(alignment.words),
            alignment.cost_ratio,
            alignment.warp_factor,
        )
        return alignment.words, TimingSource.ALIGNED
    log.warning("word timings spread over the audio instead of aligned: %s", reason)
    return spread_over_voice(text.split(), pcm, rate), TimingSource.SPREAD


def _sound(pcm: Pcm, rate: int) -> npt.NDArray[np.bool_]:
    """Whether each 10 ms frame of `pcm` is sound rather than silence or the noise floor."""
    return np.asarray(levels(pcm, rate) > SOUND_LEVEL, dtype=np.bool_)


def _voiced_seconds(pcm: Pcm, rate: int) -> tuple[float, float]:
    """The span from the first frame of sound to the end of the last one (0, 0 if none)."""
    loud = np.flatnonzero(_sound(pcm, rate))
    if loud.size == 0:
        return 0.0, 0.0
    return float(loud[0]) * FRAME_SECONDS, min(
        (float(loud[-1]) + 1.0) * FRAME_SECONDS, pcm.size / rate
    )


def _pauses(pcm: Pcm, rate: int) -> list[tuple[float, float]]:
    """Silences of at least SNAP_PAUSE_S between two sounds, in seconds."""
    loud = _sound(pcm, rate)
    edges = np.flatnonzero(np.diff(loud.astype(np.int8)))
    pauses: list[tuple[float, float]] = []
    for begin, finish in itertools.pairwise(edges):
        # A run of silence: sound stops after frame `begin`, resumes at frame `finish + 1`.
        stops = bool(loud[begin]) and not loud[begin + 1]
        if stops and (finish - begin) * FRAME_SECONDS >= SNAP_PAUSE_S:
            pauses.append(((begin + 1) * FRAME_SECONDS, (finish + 1) * FRAME_SECONDS))
    return pauses


def sounding_seconds(pcm: Pcm, rate: int) -> float:
    """How long `pcm` makes sound: its pauses, however long, do not count."""
    return float(_sound(pcm, rate).sum()) * FRAME_SECONDS


def reference_for(text: str, language: Language, target_seconds: float) -> Reference:
    """eSpeak saying `text` at about the pace of a narration sounding `target_seconds`."""
    voice = REFERENCE_VOICE[language]
    rate = default_rate(voice)
    pcm, sample_rate, words = speak_timed(text, voice, rate)
    sounding = sounding_seconds(pcm, sample_rate)
    if sounding <= 0.0:
        raise AlignmentError("eSpeak said nothing for this text")
    ratio = sounding / target_seconds
    if abs(ratio - 1.0) > PACE_TOLERANCE:
        paced = int(np.clip(round(rate * ratio), MIN_RATE, MAX_RATE))
        if paced != rate:
            pcm, sample_rate, words = speak_timed(text, voice, paced)
    return Reference(pcm, sample_rate, words)


@dataclass(frozen=True)
class Alignment:
    """The words' timings, and how well the narration matched eSpeak's reading."""

    words: list[WordTiming]
    cost_ratio: float  # `Lattice.cost_ratio` of the path taken
    warp_factor: float  # the `WARP_FACTORS` entry that matched best


def align_words(text: str, pcm: Pcm, rate: int, language: Language) -> list[WordTiming]:
    """A start and end (seconds into `pcm`) for every whitespace-split word of `text`.

    Raises `AlignmentError` when the audio cannot be this text (see the module doc).
    """
    return align(text, pcm, rate, language).words


def _speech_span(pcm: Pcm, rate: int) -> tuple[float, float]:
    """The narration's span from first to last sound; `AlignmentError` if it has none."""
    if pcm.size == 0 or int(np.abs(pcm.astype(np.int32)).max()) < SILENT_PEAK:
        raise AlignmentError("the audio is silent")
    start, end = _voiced_seconds(pcm, rate)
    if end - start < FRAME_SECONDS * 3:
        raise AlignmentError(
            "the audio's loudness hardly changes (no syllables, no pauses), as a tone's or "
            "steady noise's does: it is not speech"
        )
    return start, end


def align(text: str, pcm: Pcm, rate: int, language: Language) -> Alignment:
    """`align_words`, with the measures of the match."""
    words = text.split()
    if not words:
        raise AlignmentError("the text has no words")
    start, end = _speech_span(pcm, rate)
    sounding = sounding_seconds(pcm, rate)
    reference = reference_for(text, language, sounding)
    if [w.text for w in reference.words] != words:
        raise AlignmentError("eSpeak did not time every word of the text")
    ref_start, ref_end = _voiced_seconds(reference.pcm, reference.rate)
    ref_sounding = sounding_seconds(reference.pcm, reference.rate)
    pace = sounding / max(ref_sounding, FRAME_SECONDS)
    if not 1.0 / MAX_PACE_RATIO <= pace <= MAX_PACE_RATIO:
        raise AlignmentError(
            f"the audio's speech lasts {sounding:.1f} s but the text takes about "
            f"{ref_sounding:.1f} s to say: it does not sound like this text"
        )
    heard_pcm = pcm[round(start * rate) : round(end * rate)]
    said_pcm = reference.pcm[round(ref_start * reference.rate) : round(ref_end * reference.rate)]
    heard, said = spectrum(heard_pcm, rate), spectrum(said_pcm, reference.rate)
    if variation(heard) < MIN_VARIATION_SHARE * variation(said):
        raise AlignmentError(
            "the audio's sound hardly changes, as a tone or steady noise does: it is not speech"
        )
    heard_kept = _kept_frames(_sound(heard_pcm, rate))
    said_kept = _kept_frames(_sound(said_pcm, reference.rate))
    lattice, factor = _best_lattice(heard, heard_kept, speech_features(said)[said_kept])
    if lattice.cost_ratio > MAX_COST_RATIO:
        raise AlignmentError(
            f"the audio does not match the text (warping cost {lattice.cost_ratio:.2f} of "
            f"random pairs, at most {MAX_COST_RATIO} for speech of this text)"
        )
    path = lattice.path()
    carried = _carry(
        reference.words, ref_start, heard_kept[path.target], said_kept[path.reference], start
    )
    snapped = _snap_to_pauses(carried, pcm, rate)
    return Alignment(_in_order(snapped, start, end), lattice.cost_ratio, factor)


def _kept_frames(loud: npt.NDArray[np.bool_]) -> Indices:
    """The frames to warp: every frame of sound, and of each pause only its first and last
    `KEPT_PAUSE_S / 2`. However long a pause, it then weighs as much as a short one, so a
    pause the reference does not have (a breath, a speaker's hesitation) cannot pull the
    path away from the words around it."""
    keep = loud.copy()
    half = max(1, round(KEPT_PAUSE_S / 2 / FRAME_SECONDS))
    quiet = np.flatnonzero(~loud)
    if quiet.size:
        for run in np.split(quiet, np.flatnonzero(np.diff(quiet) > 1) + 1):
            keep[run[:half]] = True
            keep[run[-half:]] = True
    return np.flatnonzero(keep).astype(np.int64)


def _best_lattice(target: Spectrum, kept: Indices, reference: Matrix) -> tuple[Lattice, float]:
    """The warping lattice of the `kept` frames of the narration, heard through the
    `WARP_FACTORS` filter bank that matches eSpeak best (lowest cost ratio, tried at half
    the frame rate)."""
    frames = max(kept.size, reference.shape[0])
    radius_s = float(np.clip(BAND_SHARE * frames * FRAME_SECONDS, MIN_BAND_S, MAX_BAND_S))
    radius = round(radius_s / FRAME_SECONDS)
    best_factor, best_ratio = 1.0, np.inf
    for factor in WARP_FACTORS:
        heard = speech_features(target, factor)[kept]
        coarse = accumulate(heard[::2], reference[::2], radius // 2)
        if coarse.cost_ratio < best_ratio:
            best_factor, best_ratio = factor, coarse.cost_ratio
    lattice = accumulate(speech_features(target, best_factor)[kept], reference, radius)
    return lattice, best_factor


def _carry(
    words: list[WordTiming],
    ref_offset: float,
    target_frames: Indices,
    reference_frames: Indices,
    offset: float,
) -> list[WordTiming]:
    """Reference word times moved along the path: a start to the first narration frame
    paired with the word's first reference frame, an end to the end of the last narration
    frame paired with its last one."""
    last_reference = int(reference_frames[-1])
    first_of = np.full(last_reference + 1, -1, dtype=np.int64)
    last_of = np.full(last_reference + 1, -1, dtype=np.int64)
    # The path is ordered, so the first assignment per reference frame is the earliest.
    for position in range(reference_frames.size - 1, -1, -1):
        first_of[reference_frames[position]] = target_frames[position]
    for position in range(reference_frames.size):
        last_of[reference_frames[position]] = target_frames[position]
    # Frames left out of the warping (the middle of a long pause) take their neighbours':
    # a start the next paired frame's, an end the previous one's.
    for frame in range(last_reference - 1, -1, -1):
        if first_of[frame] < 0:
            first_of[frame] = first_of[frame + 1]
    for frame in range(1, last_reference + 1):
        if last_of[frame] < 0:
            last_of[frame] = last_of[frame - 1]
    carried: list[WordTiming] = []
    for word in words:
        first = int(np.clip(round((word.start - ref_offset) / FRAME_SECONDS), 0, last_reference))
        last = int(
            np.clip(round((word.end - ref_offset) / FRAME_SECONDS) - 1, first, last_reference)
        )
        carried.append(
            WordTiming(
                text=word.text,
                start=offset + int(first_of[first]) * FRAME_SECONDS,
                end=offset + (int(last_of[last]) + 1) * FRAME_SECONDS,
            )
        )
    return carried


def _snap_to_pauses(words: list[WordTiming], pcm: Pcm, rate: int) -> list[WordTiming]:
    """`snap_to_pauses` with the pauses found in `pcm`."""
    return snap_to_pauses(words, _pauses(pcm, rate))


def snap_to_pauses(words: list[WordTiming], pauses: list[tuple[float, float]]) -> list[WordTiming]:
    """A start inside a pause (or `START_BEFORE_PAUSE_S` before one) moves to the pause's
    end; an end inside a pause, to the pause's start. `pauses`: (start, end) in seconds."""

    # Frame times are multiples of 10 ms on both sides; the tolerance absorbs float error.
    tolerance = 1e-6
    snapped: list[WordTiming] = []
    for word in words:
        start, end = word.start, word.end
        for pause in pauses:
            # A word starting where a pause starts starts where it ends, and the other way
            # round for an end: neither holds any of the pause.
            if pause[0] - START_BEFORE_PAUSE_S - tolerance <= word.start < pause[1] - tolerance:
                start = pause[1]
            if pause[0] + tolerance < word.end <= pause[1] + tolerance:
                end = pause[0]
        if end <= start:  # the whole word landed in one pause: keep where it was carried
            start, end = word.start, word.end
        snapped.append(WordTiming(text=word.text, start=start, end=end))
    return snapped


def _in_order(words: list[WordTiming], start: float, end: float) -> list[WordTiming]:
    """Within the voiced span, each word starting no earlier than the previous one ends."""
    tidy: list[WordTiming] = []
    floor = start
    for word in words:
        begin = min(max(word.start, floor), end)
        finish = min(max(word.end, begin), end)
        tidy.append(WordTiming(text=word.text, start=begin, end=finish))
        floor = finish
    return tidy
