"""Whole generations against the local cloud (tests/fake_cloud.py): Gemini writes and
illustrates, ElevenLabs narrates, and the captions follow ElevenLabs' alignment; with the
providers down, the fallback chains make the video and say who served each stage."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from autoclip.kit.storage import LocalStorage
from autoclip.options import GenerateOptions, Language, Vertical
from autoclip.pipeline.chains import Providers
from autoclip.pipeline.engine import Engine, GenerateRequest, GenerateResult, Prepared
from autoclip.pipeline.progress import Stage
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.writing.base import SourceMaterial
from autoclip.settings import Settings
from autoclip.speech.reading import read_aloud
from e2e.media import only_stream, probe
from fake_cloud import FakeCloud, fake_cloud

EN_TEXT = (Path(__file__).parents[2] / "src/autoclip/samples/en_sleep.txt").read_text()
_DIALOGUE = re.compile(r"^Dialogue: 0,(\d+):(\d\d):(\d\d)\.(\d\d),", re.MULTILINE)


def cloud_settings(cloud: FakeCloud, tmp_path: Path, **chains: Any) -> Settings:
    """Settings with every cloud provider pointed at `cloud`, and `chains` on top."""
    return Settings.model_validate(
        dict(
            data_dir=tmp_path / "data",
            gemini={"api_key": "gemini-test-key", "base_url": cloud.base_url},
            elevenlabs={"api_key": "eleven-test-key", "base_url": cloud.base_url},
            pexels={"api_key": "pexels-test-key", "base_url": cloud.base_url},
            **chains,
        )
    )


def generate(
    settings: Settings, tmp_path: Path, source: SourceMaterial, language: Language
) -> tuple[Engine, GenerateRequest, GenerateResult]:
    providers = Providers(settings, meter=UsageMeter(budget_usd=settings.content_budget_usd))
    engine = Engine(LocalStorage(tmp_path / "out"), providers, work_dir=tmp_path / "work")
    request = GenerateRequest(
        source, GenerateOptions(language=language, vertical=Vertical.HISTORY, draft=True)
    )
    return engine, request, engine.generate(request)


def caption_starts(ass: str) -> list[float]:
    return [
        int(h) * 3600 + int(m) * 60 + int(s) + int(cs) / 100
        for h, m, s, cs in _DIALOGUE.findall(ass)
    ]


@pytest.mark.parametrize("language", [Language.EN, Language.KO])
def test_gemini_and_elevenlabs_make_a_video_whose_captions_follow_the_alignment(
    tmp_path: Path, ffprobe: Path, language: Language
) -> None:
    with fake_cloud() as cloud:
        settings = cloud_settings(
            cloud, tmp_path, script_writer="gemini", narrator="elevenlabs", visuals="gemini"
        )
        engine, request, result = generate(
            settings, tmp_path, SourceMaterial(topic="sleeping well"), language
        )
        calls = cloud.calls.total()
        prepared = engine.prepare(request)  # all reused: where each scene starts
        assert isinstance(prepared, Prepared)
    assert cloud.calls.total() == calls

    scenes = len(result.script.timeline())
    assert result.served["script"] == "gemini"
    assert result.served["safety"] == "rules+gemini"
    assert result.served["narration"] == "elevenlabs"
    assert result.served["visuals"] == ["gemini"] * scenes
    assert result.safety.verdict == "ok"
    # script + review + one image per scene, each priced; ElevenLabs by the character
    assert cloud.calls["gemini"] == 2 + scenes
    assert cloud.calls["elevenlabs"] == scenes
    assert result.usage_usd > 0.039 * scenes

    info = probe(ffprobe, Path(str(result.outputs["video"])))
    video, audio = only_stream(info, "video"), only_stream(info, "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 720, 1280)
    assert video["r_frame_rate"] == "30/1"
    assert audio["codec_name"] == "aac"
    assert float(info["format"]["duration"]) == pytest.approx(result.duration_s, abs=0.1)

    # ElevenLabs was given each scene as read aloud ("1번" as "한 번"), and every written
    # word's caption appears when ElevenLabs said the first character of its reading.
    shown = caption_starts(Path(str(result.outputs["captions_ass"])).read_text("utf-8"))
    assert len(cloud.alignments) == scenes
    expected: list[float] = []
    for offset, alignment, (_, scene) in zip(
        prepared.track.offsets, cloud.alignments, result.script.timeline(), strict=True
    ):
        reading = read_aloud(scene.narration, language)
        assert alignment.text == reading.text
        spoken = [match.start() for match in re.finditer(r"\S+", alignment.text)]
        first = 0
        for piece in reading.spoken:
            expected.append(offset + alignment.starts[spoken[first]])
            first += len(piece.split())
    assert len(expected) == len(shown)
    for want, got in zip(expected, shown, strict=True):
        assert got == pytest.approx(want, abs=0.011)


def test_with_every_provider_down_the_fallbacks_make_the_video(
    tmp_path: Path, ffprobe: Path
) -> None:
    down = frozenset({"gemini", "elevenlabs", "pexels"})
    with fake_cloud(down=down) as cloud:
        settings = cloud_settings(
            cloud,
            tmp_path,
            script_writer="gemini,offline",
            narrator="elevenlabs,piper,espeak",
            visuals="pexels,gemini,cards",
        )
        _, _, result = generate(settings, tmp_path, SourceMaterial(text=EN_TEXT), Language.EN)
    scenes = len(result.script.timeline())
    assert result.served["script"] == "offline"
    assert result.served["safety"] == "rules"  # the model review is the writer's model
    assert result.served["narration"] == "piper"
    assert result.served["visuals"] == ["cards"] * scenes
    assert result.usage_usd == 0
    assert cloud.failures["gemini"] == cloud.calls["gemini"] > 0
    info = probe(ffprobe, Path(str(result.outputs["video"])))
    assert float(info["format"]["duration"]) == pytest.approx(result.duration_s, abs=0.1)


def test_stock_footage_is_fitted_and_credited(tmp_path: Path, ffprobe: Path) -> None:
    with fake_cloud() as cloud:
        settings = cloud_settings(cloud, tmp_path, visuals="pexels,cards")
        _, _, result = generate(settings, tmp_path, SourceMaterial(text=EN_TEXT), Language.EN)
    scenes = len(result.script.timeline())
    assert result.served["visuals"] == ["pexels"] * scenes
    assert result.served["attributions"][0]["author"] == "Jane Doe"
    assert cloud.calls["files"] >= 1
    video = only_stream(probe(ffprobe, Path(str(result.outputs["video"]))), "video")
    assert (video["width"], video["height"]) == (720, 1280)


def test_a_spent_budget_moves_the_chains_to_free_providers(tmp_path: Path) -> None:
    with fake_cloud() as cloud:
        settings = cloud_settings(
            cloud,
            tmp_path,
            script_writer="gemini,offline",
            narrator="elevenlabs,piper",
            visuals="gemini,cards",
            content_budget_usd=0.05,  # the script and its review, then about 2 images
        )
        _, _, result = generate(settings, tmp_path, SourceMaterial(text=EN_TEXT), Language.EN)
    scenes = len(result.script.timeline())
    assert result.served["script"] == "gemini"
    # The whole narration (~$0.05 of characters) would pass the cap: never started, so no
    # scene is paid for and thrown away; Piper says all of it (a video keeps one voice).
    assert result.served["narration"] == "piper"
    assert cloud.calls["elevenlabs"] == 0
    # Images are bought one by one until the budget is spent: the one that crossed it is
    # the last; cards draw the rest.
    images = result.served["visuals"].count("gemini")
    assert result.served["visuals"] == ["gemini"] * images + ["cards"] * (scenes - images)
    assert 1 <= images < scenes
    assert cloud.calls["gemini"] == 2 + images
    assert 0.05 <= result.usage_usd < 0.05 + 0.039


def test_what_a_fallback_made_while_gemini_was_down_is_not_kept_once_it_is_back(
    tmp_path: Path,
) -> None:
    """The offline script and the rules-only check stand in for one run; the next run,
    with Gemini back, gets Gemini's script and its review rather than the stand-ins."""
    with fake_cloud(down=frozenset({"gemini"})) as cloud:
        settings = cloud_settings(cloud, tmp_path, script_writer="gemini,offline")
        request = GenerateRequest(
            SourceMaterial(text=EN_TEXT), GenerateOptions(language=Language.EN, draft=True)
        )

        def prepare() -> dict[str, Any]:
            engine = Engine(
                LocalStorage(tmp_path / "out"), Providers(settings), work_dir=tmp_path / "work"
            )
            return engine.prepare(request).served

        down = prepare()
        cloud.down = frozenset()
        back = prepare()
    assert (down["script"], down["safety"]) == ("offline", "rules")
    assert (back["script"], back["safety"]) == ("gemini", "rules+gemini")


def test_a_regenerate_asks_the_chain_again_rather_than_the_fallback_that_served(
    tmp_path: Path,
) -> None:
    with fake_cloud(down=frozenset({"elevenlabs"})) as cloud:
        settings = cloud_settings(cloud, tmp_path, narrator="elevenlabs,piper")
        engine = Engine(
            LocalStorage(tmp_path / "out"), Providers(settings), work_dir=tmp_path / "work"
        )
        options = GenerateOptions(language=Language.EN, draft=True)
        first = engine.prepare(GenerateRequest(SourceMaterial(text=EN_TEXT), options))
        cloud.down = frozenset()
        # The render phase keeps what served; a regenerate of the narration does not.
        again = GenerateRequest(
            SourceMaterial(text=EN_TEXT), options, script=first.script, served=first.served
        )
        assert engine.prepare(again).served["narration"] == "piper"
        regenerate = replace(again, refresh=frozenset({Stage.NARRATION}), refresh_token="r1")
        assert engine.prepare(regenerate).served["narration"] == "elevenlabs"
