"""A creator's own recording as the narration (`autoclip generate --narration-audio`).

The "creator" is Piper reading the script (tests/narration/recording.py), a neural voice
other than the aligner's eSpeak reference, with silence before, between scenes and after,
recorded 20 dB quieter than a synthesiser and handed over as an MP3. The video must follow
the recording (its length is the speech plus the kept edges) and the captions its words,
within the aligner's accuracy (docs/aligner.md: Piper's p95 is 100-130 ms). Recordings
that cannot be this script's narration are refused, naming the option, before any visual
or render is made.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import numpy as np
import pytest

from autoclip.errors import InputError
from autoclip.kit.storage import LocalStorage
from autoclip.options import GenerateOptions, Language
from autoclip.pipeline.chains import Providers
from autoclip.pipeline.engine import Engine, GenerateRequest, Prepared
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.narration.recorded import EDGE_S
from autoclip.providers.narration.track import write_wav
from autoclip.providers.writing.base import SourceMaterial
from autoclip.script.model import Script
from autoclip.settings import Settings
from e2e.media import probe, run_cli
from narration.recording import encode, record_script

EN_TEXT = (
    "Walking every day keeps the heart strong. Even ten minutes after a meal helps blood "
    "sugar. Start with a short walk today."
)
OTHER_TEXT = (
    "Coffee beans are the seeds of a cherry. They are roasted until they turn brown. "
    "Drink it before noon for better sleep."
)
_DIALOGUE = re.compile(r"^Dialogue: 0,(\d+):(\d\d):(\d\d)\.(\d\d),", re.MULTILINE)
# The aligner's accuracy on Piper (docs/aligner.md: p95 100-130 ms, worst word up to
# 190 ms), with a margin for Piper's randomness. Starts alone are measured (a caption event
# starts with its word), and Piper's starts lie after a short gap the aligner does not
# leave between words, so they sit about 50 ms later than the aligner's (measured: median
# 45-50 ms over these 22 words, ends 15 ms).
MEDIAN_MS, WORST_MS = 80.0, 250.0


def write_script(text: str, language: Language, settings: Settings) -> Script:
    """The script the offline writer makes of `text`: what the creator reads aloud."""
    source = SourceMaterial(text=text)
    writer = Providers(settings).writers_for(source)[0]
    return writer.write(source, GenerateOptions(language=language))


def narrations(script: Script) -> list[str]:
    return [scene.narration for _, scene in script.timeline()]


def caption_starts(ass: str) -> list[float]:
    return [
        int(h) * 3600 + int(m) * 60 + int(s) + int(cs) / 100
        for h, m, s, cs in _DIALOGUE.findall(ass)
    ]


@pytest.mark.e2e
def test_the_cli_narrates_with_a_recording_and_the_captions_follow_it(
    tmp_path: Path, ffprobe: Path
) -> None:
    script = write_script(EN_TEXT, Language.EN, Settings(data_dir=tmp_path / "data"))
    script_file = tmp_path / "script.json"
    script_file.write_text(script.model_dump_json(), "utf-8")
    recorded = record_script(narrations(script), Language.EN, tmp_path / "voice")
    mp3 = encode(recorded.wav, tmp_path / "my voice.mp3", "-c:a", "libmp3lame", "-b:a", "96k")

    done = run_cli(
        ["generate", "--script", str(script_file), "--narration-audio", str(mp3), "--draft",
         "--language", "en", "--out", str(tmp_path / "out"), "--json"],
        tmp_path / "xdg",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["served"]["narration"] == "recording"
    assert summary["usage_usd"] == 0

    # The video lasts as long as the recording's speech and the edges kept around it (the
    # lead-in and the tail beyond EDGE_S are cut; the pauses between scenes are kept).
    first, last = recorded.speech
    info = probe(ffprobe, Path(summary["outputs"]["video"]))
    assert float(info["format"]["duration"]) == pytest.approx(last - first + 2 * EDGE_S, abs=0.15)

    # Every written word shown when it is said: the true times less the cut lead-in.
    ass = Path(summary["outputs"]["captions_ass"]).read_text("utf-8")
    shown = caption_starts(ass)
    assert len(shown) == len(recorded.words)
    errors = [
        abs(at - (word.start - (first - EDGE_S))) * 1000
        for at, word in zip(shown, recorded.words, strict=True)
    ]
    assert statistics.median(errors) < MEDIAN_MS, errors
    assert max(errors) < WORST_MS, errors
    srt = Path(summary["outputs"]["captions_srt"]).read_text("utf-8")
    assert "Walking" in srt


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> tuple[Script, Path, Path]:
    """A script, its recording (WAV) and a recording of another text of the same length."""
    folder = tmp_path_factory.mktemp("recordings")
    settings = Settings(data_dir=folder / "data")
    script = write_script(EN_TEXT, Language.EN, settings)
    other = write_script(OTHER_TEXT, Language.EN, settings)
    own = record_script(narrations(script), Language.EN, folder / "own").wav
    wrong = record_script(narrations(other)[:1], Language.EN, folder / "short").wav
    return script, own, wrong


def prepare(tmp_path: Path, script: Script, audio: Path) -> Prepared:
    settings = Settings(data_dir=tmp_path / "data")
    engine = Engine(
        LocalStorage(tmp_path / "store"),
        Providers(settings, meter=UsageMeter(budget_usd=0.0)),
        work_dir=tmp_path / "work",
    )
    request = GenerateRequest(
        SourceMaterial(origin="test"),
        GenerateOptions(language=Language.EN, draft=True),
        script=script,
        narration_audio=audio,
    )
    prepared = engine.prepare(request)
    assert isinstance(prepared, Prepared)
    return prepared


def refused(tmp_path: Path, script: Script, audio: Path) -> str:
    with pytest.raises(InputError) as raised:
        prepare(tmp_path, script, audio)
    assert raised.value.field == "narration_audio"
    # Refused before any visual was made: nothing past the narration in the stage cache.
    assert not (tmp_path / "work" / "stages" / "visuals").exists()
    return raised.value.message


def test_the_scenes_are_cut_at_the_pauses_and_cached_by_the_recordings_content(
    tmp_path: Path, english: tuple[Script, Path, Path]
) -> None:
    script, own, _ = english
    first = prepare(tmp_path, script, own)
    scenes = first.track.scenes
    assert len(scenes) == len(script.timeline())
    assert first.served["narration"] == "recording"
    # No gap added between scenes: the track is the recording, edges cut.
    assert first.track.duration == pytest.approx(sum(s.duration for s in scenes), abs=1e-3)
    for scene, text in zip(scenes, narrations(script), strict=True):
        assert [w.text for w in scene.words] == text.split()
        # each scene's words inside its own cut, with some silence at both ends
        assert scene.words[0].start > 0.0
        assert scene.words[-1].end < scene.duration

    # The same recording under another name is the same narration: reused.
    copy = tmp_path / "copy.wav"
    copy.write_bytes(own.read_bytes())
    assert prepare(tmp_path, script, copy).track.key == first.track.key
    # Another take (45 ms in the middle of the speech silenced) is narrated anew.
    changed = bytearray(own.read_bytes())
    middle = len(changed) // 2
    changed[middle : middle + 2000] = bytes(2000)
    other = tmp_path / "changed.wav"
    other.write_bytes(bytes(changed))
    assert prepare(tmp_path, script, other).track.key != first.track.key


def test_a_recording_of_something_much_shorter_is_refused(
    tmp_path: Path, english: tuple[Script, Path, Path]
) -> None:
    script, _, wrong = english
    message = refused(tmp_path, script, wrong)
    assert "too short to be its reading" in message


def test_a_silent_recording_is_refused(tmp_path: Path, english: tuple[Script, Path, Path]) -> None:
    script, _, _ = english
    silence = tmp_path / "silence.wav"
    write_wav(silence, np.zeros(22050 * 10, dtype=np.int16), 22050)
    assert "silent" in refused(tmp_path, script, silence)


def test_a_tone_is_refused_as_not_speech(
    tmp_path: Path, english: tuple[Script, Path, Path]
) -> None:
    script, _, _ = english
    tone = tmp_path / "tone.wav"
    t = np.arange(22050 * 12) / 22050
    write_wav(tone, (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16), 22050)
    assert "not speech" in refused(tmp_path, script, tone)


def test_a_file_that_is_not_audio_is_refused(
    tmp_path: Path, english: tuple[Script, Path, Path]
) -> None:
    script, _, _ = english
    notes = tmp_path / "notes.mp3"
    notes.write_text("these are my notes, not a recording", "utf-8")
    message = refused(tmp_path, script, notes)
    assert "is not audio ffmpeg can decode" in message
    assert str(tmp_path) not in message  # no path of the machine's in what a user reads


def test_a_recording_too_long_for_any_short_is_refused(
    tmp_path: Path, english: tuple[Script, Path, Path]
) -> None:
    script, _, _ = english
    long = tmp_path / "long.wav"
    write_wav(long, np.full(8000 * 301, 100, dtype=np.int16), 8000)
    assert "longer than 300 s" in refused(tmp_path, script, long)


def test_the_cli_names_a_missing_recording(tmp_path: Path) -> None:
    text = tmp_path / "input.txt"
    text.write_text(EN_TEXT, "utf-8")
    done = run_cli(
        ["generate", "--text", str(text), "--narration-audio", str(tmp_path / "none.wav"),
         "--out", str(tmp_path / "out")],
        tmp_path / "xdg",
    )  # fmt: skip
    assert done.returncode != 0
    assert done.stderr.startswith("error: narration_audio: file not found"), done.stderr
    assert not (tmp_path / "out").exists()
