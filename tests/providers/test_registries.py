"""The registries: every name of a capability builds its backend from the settings groups,
and chains hold names, not strings."""

from __future__ import annotations

import pytest

from autoclip.errors import ConfigurationError, InputError
from autoclip.options import Language
from autoclip.pipeline.chains import ProviderChoice, Providers, unconfigured
from autoclip.providers.chain import parse_chain
from autoclip.providers.narration.base import NarratorName
from autoclip.providers.narration.clova import ClovaNarrator
from autoclip.providers.narration.elevenlabs import ElevenLabsNarrator
from autoclip.providers.narration.gemini import GeminiNarrator
from autoclip.providers.narration.google import GoogleNarrator
from autoclip.providers.narration.openai import OpenAISpeechNarrator
from autoclip.providers.narration.registry import NARRATORS, check_voice, narrator
from autoclip.providers.text.base import TextModelName
from autoclip.providers.text.gemini import GeminiTextModel
from autoclip.providers.text.registry import TEXT_MODELS
from autoclip.providers.visuals.base import VisualName
from autoclip.providers.visuals.gemini import GeminiImageSource
from autoclip.providers.visuals.registry import VISUALS, visual_source
from autoclip.providers.writing.base import WriterName
from autoclip.providers.writing.model import ModelScriptWriter
from autoclip.providers.writing.registry import WRITERS, script_writer
from autoclip.settings import Settings


def test_every_name_has_a_backend() -> None:
    assert set(WRITERS) == set(WriterName)
    assert set(TEXT_MODELS) == set(TextModelName)
    assert set(NARRATORS) == set(NarratorName)
    assert set(VISUALS) == set(VisualName)


def test_a_chain_is_a_list_of_names() -> None:
    chain = parse_chain(" elevenlabs, espeak ", NarratorName, "narrator")
    assert chain == [NarratorName.ELEVENLABS, NarratorName.ESPEAK]
    assert parse_chain(["cards"], VisualName, "visuals") == [VisualName.CARDS]
    with pytest.raises(InputError, match=r"^writer: unknown provider claude; choose from"):
        parse_chain("offline,claude", WriterName, "writer")
    with pytest.raises(InputError, match=r"^visuals: a provider appears twice"):
        ProviderChoice.parse(visuals="cards, cards")
    choice = ProviderChoice.parse(narrator="openai,espeak")
    assert choice.narrator == [NarratorName.OPENAI, NarratorName.ESPEAK]
    assert choice.writer is None


def test_cloud_backends_are_built_from_their_groups() -> None:
    settings = Settings(
        gemini={"api_key": "g-key", "model": "gemini-2.5-pro", "image_model": "imagen-x"},
        elevenlabs={"api_key": "e-key", "stability": 0.2, "speaker_boost": False},
        openai={"base_url": "http://localhost:11434/v1", "speech_model": "kokoro"},
    )
    writer = script_writer(WriterName.GEMINI, settings)
    assert isinstance(writer, ModelScriptWriter)
    assert isinstance(writer.model, GeminiTextModel)
    assert writer.model.settings.model == "gemini-2.5-pro"
    images = visual_source(VisualName.GEMINI, settings, None)
    assert isinstance(images, GeminiImageSource)
    assert images.settings.model == "imagen-x"
    eleven = narrator(NarratorName.ELEVENLABS, settings, Language.KO)
    assert isinstance(eleven, ElevenLabsNarrator)
    assert (eleven.settings.stability, eleven.settings.use_speaker_boost) == (0.2, False)
    speech = narrator(NarratorName.OPENAI, settings, Language.KO)
    assert isinstance(speech, OpenAISpeechNarrator)
    assert (speech.settings.base_url, speech.settings.model) == ("http://localhost:11434", "kokoro")
    assert narrator(NarratorName.PIPER, settings, Language.KO) is None  # English only
    for built in (writer, images, eleven, speech):
        built.close()


def test_a_backend_without_its_key_names_the_variable() -> None:
    settings = Settings()
    with pytest.raises(ConfigurationError, match="AUTOCLIP_GEMINI_API_KEY"):
        script_writer(WriterName.GEMINI, settings)
    with pytest.raises(ConfigurationError, match="AUTOCLIP_PEXELS_API_KEY"):
        visual_source(VisualName.PEXELS, settings, None)
    with pytest.raises(ConfigurationError, match="AUTOCLIP_ELEVENLABS_API_KEY"):
        narrator(NarratorName.ELEVENLABS, settings, Language.EN)
    chain = [VisualName.GEMINI, VisualName.PEXELS, VisualName.CARDS]
    assert unconfigured(settings, chain) == ["AUTOCLIP_GEMINI_API_KEY", "AUTOCLIP_PEXELS_API_KEY"]
    assert unconfigured(Settings(pexels={"api_key": "p"}), chain) == ["AUTOCLIP_GEMINI_API_KEY"]


def test_the_review_asks_the_writer_chains_first_language_model() -> None:
    settings = Settings(script_writer="offline,gemini", gemini={"api_key": "g-key"})
    with Providers(settings) as providers:
        reviewer = providers.reviewer()
        assert reviewer is not None
        model_writer = providers.writers[1]
        assert isinstance(model_writer, ModelScriptWriter)
        assert reviewer.model is model_writer.model  # one client, one breaker, one meter
        assert reviewer.name == "gemini"


def test_a_cloud_voice_puts_its_narrator_first() -> None:
    settings = Settings(narrator="piper,espeak", elevenlabs={"api_key": "e-key"})
    with Providers(settings) as providers:
        chain = providers.narrators(Language.KO, "elevenlabs:EXAVITQu4vr4xnSDxMaL")
        assert [n.name for n in chain] == ["elevenlabs", "espeak"]
        assert [n.name for n in providers.narrators(Language.EN, "espeak:en")] == ["espeak"]
    check_voice(Language.KO, "openai:nova")
    with pytest.raises(InputError, match="not a openai voice name"):
        check_voice(Language.KO, "openai:not a voice!")


def test_the_new_voices_are_built_from_their_groups_and_named_when_unconfigured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The variables the issue names: flat for the keys and base URLs, nested for the rest.
    monkeypatch.setenv("AUTOCLIP_GOOGLE_TTS_API_KEY", "google-key")
    monkeypatch.setenv("AUTOCLIP_GOOGLE_TTS_BASE_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("AUTOCLIP_GOOGLE_TTS__PITCH", "-2.5")
    monkeypatch.setenv("AUTOCLIP_CLOVA_CLIENT_ID", "clova-id")
    monkeypatch.setenv("AUTOCLIP_CLOVA_CLIENT_SECRET", "clova-secret")
    monkeypatch.setenv("AUTOCLIP_CLOVA__SPEAKER", "njinho")
    monkeypatch.setenv("AUTOCLIP_GEMINI_API_KEY", "gemini-key")
    monkeypatch.setenv("AUTOCLIP_GEMINI__VOICE", "gemini:Puck")
    settings = Settings()
    google = narrator(NarratorName.GOOGLE, settings, Language.KO)
    assert isinstance(google, GoogleNarrator)
    assert google.settings.base_url == "http://127.0.0.1:9"
    assert google.settings.pitch == -2.5
    clova = narrator(NarratorName.CLOVA, settings, Language.KO)
    assert isinstance(clova, ClovaNarrator)
    assert clova.settings.speaker == "njinho"
    gemini = narrator(NarratorName.GEMINI, settings, Language.EN)
    assert isinstance(gemini, GeminiNarrator)
    assert gemini.settings.voice == "Puck"
    shown = settings.masked()
    assert shown["clova"]["client_secret"] == "********"
    assert shown["google_tts"]["api_key"] == "********"
    assert "clova-secret" not in str(shown)

    for name, variable in (
        (NarratorName.GOOGLE, "AUTOCLIP_GOOGLE_TTS_API_KEY"),
        (NarratorName.CLOVA, "AUTOCLIP_CLOVA_CLIENT_ID"),
    ):
        monkeypatch.delenv(variable)
        with pytest.raises(ConfigurationError, match=variable):
            narrator(name, Settings(), Language.KO)
    assert unconfigured(Settings(), ["google", "clova", "espeak"]) == [
        "AUTOCLIP_GOOGLE_TTS_API_KEY",
        "AUTOCLIP_CLOVA_CLIENT_ID and AUTOCLIP_CLOVA_CLIENT_SECRET",
    ]
    for voice in ("google:ko-KR-Neural2-C", "gemini:Kore", "clova:nara"):
        check_voice(Language.KO, voice)
    with pytest.raises(InputError, match="voice"):
        check_voice(Language.KO, "clova:<nara>")
