"""A Korean short narrated by each of the new voices — Google Cloud TTS, Gemini speech and
CLOVA Voice — through their stand-ins in the local cloud (tests/fake_cloud.py): each video
renders, the voice is given the text as read aloud (numbers, units and brand words in
Hangul, the project's dictionary applied), and the captions show the written words at the
times the voice said them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autoclip.kit.fonts import drawable
from autoclip.kit.storage import LocalStorage
from autoclip.options import GenerateOptions, Language, Vertical
from autoclip.pipeline.chains import Providers
from autoclip.pipeline.engine import Engine, GenerateRequest, Prepared
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.narration.align import timings_from_audio
from autoclip.providers.narration.base import TimingSource
from autoclip.providers.narration.track import read_wav
from autoclip.providers.writing.base import SourceMaterial
from autoclip.settings import Settings
from autoclip.speech.reading import read_aloud
from e2e.media import only_stream, probe
from fake_cloud import fake_cloud

TEXT = (
    "2026년 AutoClip 사용자는 10만 명을 넘었습니다. "
    "AI 영상 시장은 매년 3.5% 성장하고 있습니다. "
    "하루 3번, 10분씩 걸으면 건강에 좋습니다. "
    "YouTube 쇼츠는 오후 3시 30분에 가장 많이 봅니다."
)
DICTIONARY = {"AutoClip": "오토클립"}
_DIALOGUE = re.compile(r"^Dialogue: 0,(\d+):(\d\d):(\d\d)\.(\d\d),", re.MULTILINE)
SERVICES = {"google": "google-tts", "gemini": "gemini-speech", "clova": "clova"}


def test_each_new_voice_narrates_a_korean_short_whose_captions_follow_the_words(
    tmp_path: Path, ffprobe: Path
) -> None:
    options = GenerateOptions(
        language=Language.KO,
        vertical=Vertical.TECH,
        draft=True,
        pronunciations=tuple(DICTIONARY.items()),
    )
    with fake_cloud() as cloud:
        settings = Settings.model_validate(
            dict(
                data_dir=tmp_path / "data",
                gemini={"api_key": "gemini-test-key", "base_url": cloud.base_url},
                google_tts={"api_key": "google-test-key", "base_url": cloud.base_url},
                clova={
                    "client_id": "clova-id",
                    "client_secret": "clova-secret",
                    "base_url": cloud.base_url,
                },
            )
        )
        for narrator, service in SERVICES.items():
            chosen = Settings.model_validate({**settings.model_dump(), "narrator": narrator})
            providers = Providers(chosen, meter=UsageMeter(budget_usd=1.0))
            # One work folder: the cards are made once, each voice narrates anew.
            engine = Engine(LocalStorage(tmp_path / narrator), providers, work_dir=tmp_path / "w")
            request = GenerateRequest(SourceMaterial(text=TEXT), options)
            result = engine.generate(request)
            prepared = engine.prepare(request)  # all reused: the track and its offsets
            assert isinstance(prepared, Prepared)

            scenes = result.script.timeline()
            assert result.served["narration"] == narrator
            assert cloud.calls[service] == len(scenes)
            assert result.usage_usd > 0

            info = probe(ffprobe, Path(str(result.outputs["video"])))
            video, audio = only_stream(info, "video"), only_stream(info, "audio")
            assert (video["codec_name"], video["width"], video["height"]) == ("h264", 720, 1280)
            assert audio["codec_name"] == "aac"
            assert float(info["format"]["duration"]) == pytest.approx(result.duration_s, abs=0.1)

            readings = [read_aloud(scene.narration, Language.KO, DICTIONARY) for _, scene in scenes]
            if narrator == "google":
                sent = [marks.text for marks in cloud.marks[-len(scenes) :]]
            else:
                sent = cloud.spoken[service][-len(scenes) :]
            # The voice was given the reading: no digits, no Latin, the dictionary's word.
            assert sent == [reading.text for reading in readings]
            assert not re.search(r"[0-9A-Za-z%]", " ".join(sent))
            assert "오토클립" in " ".join(sent)

            expected: list[float] = []
            for number, (scene, reading) in enumerate(
                zip(prepared.track.scenes, readings, strict=True)
            ):
                written = [word.text for word in scene.words]
                assert written == drawable(scenes[number][1].narration).split()
                if narrator == "google":
                    # Each written word starts at the mark before its first spoken word.
                    assert scene.timing_source is TimingSource.ENGINE
                    times = cloud.marks[-len(scenes) + number].times
                    first = 0
                    starts = []
                    for piece in reading.spoken:
                        starts.append(times[f"w{first}"])
                        first += len(piece.split())
                    assert [word.start for word in scene.words] == pytest.approx(starts, abs=1e-3)
                else:
                    # Audio alone: the aligner's word times of the reading, mapped back.
                    assert scene.timing_source is TimingSource.ALIGNED
                    pcm, rate = read_wav(scene.wav_path)
                    aligned, _ = timings_from_audio(reading.text, pcm, rate, Language.KO)
                    again = reading.written_timings(aligned)
                    assert [w.text for w in again] == written
                    # eSpeak's reference reading varies by a few ms from run to run.
                    assert [w.start for w in scene.words] == pytest.approx(
                        [w.start for w in again], abs=0.03
                    )
                    assert [w.end for w in scene.words] == pytest.approx(
                        [w.end for w in again], abs=0.03
                    )
                offset = prepared.track.offsets[number]
                expected.extend(offset + word.start for word in scene.words)

            ass = Path(str(result.outputs["captions_ass"])).read_text("utf-8")
            shown = caption_starts(ass)
            assert shown == pytest.approx(expected, abs=0.011)
            # The captions keep the written form.
            srt = Path(str(result.outputs["captions_srt"])).read_text("utf-8")
            for word in ("2026년", "AutoClip", "3.5%", "YouTube"):
                assert word in srt
            assert "이천이십육" not in srt
            assert "오토클립" not in srt


def caption_starts(ass: str) -> list[float]:
    return [
        int(h) * 3600 + int(m) * 60 + int(s) + int(cs) / 100
        for h, m, s, cs in _DIALOGUE.findall(ass)
    ]
