"""Choosing script writers: names, chains, and falling back when a provider is down."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from autoclip.errors import ConfigurationError
from autoclip.options import GenerateOptions, Language
from autoclip.providers.errors import PermanentProviderError, RetriableProviderError
from autoclip.providers.gemini import GeminiScriptWriter, GeminiSettings
from autoclip.script.offline import OfflineScriptWriter
from autoclip.script.registry import (
    FallbackScriptWriter,
    script_writer_for,
    takes_topics,
    writer_names,
)
from autoclip.script.writer import SourceMaterial
from autoclip.settings import Settings
from providers.fakes import FakeProvider, Reply, Sleeps, gemini_error, gemini_script

TEXT = SourceMaterial(
    text="Sleep is the base of health. Going to bed at the same time steadies the body. "
    "Screens before bed keep the mind awake. Morning light helps you sleep at night."
)


def _gemini(server: FakeProvider, sleeps: Sleeps) -> GeminiScriptWriter:
    settings = GeminiSettings(api_key=SecretStr("k"), base_url=server.base_url, max_attempts=2)
    return GeminiScriptWriter(settings, sleep=sleeps)


def test_names_and_chains_are_checked() -> None:
    assert writer_names(Settings(script_writer="gemini, offline")) == ["gemini", "offline"]
    assert not takes_topics(Settings())
    assert takes_topics(Settings(script_writer="offline,openai"))
    with pytest.raises(ConfigurationError, match="AUTOCLIP_SCRIPT_WRITER: unknown writer claude"):
        writer_names(Settings(script_writer="claude"))
    with pytest.raises(ConfigurationError, match="AUTOCLIP_GEMINI_API_KEY"):
        script_writer_for(Settings(script_writer="gemini"))
    chain = script_writer_for(
        Settings(script_writer="gemini,offline", gemini_api_key=SecretStr("k"))
    )
    assert isinstance(chain, FallbackScriptWriter)
    assert "gemini/" in chain.identity()


def test_a_provider_that_is_down_falls_back_to_the_next(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    down = Reply(503, gemini_error(503, "UNAVAILABLE", "The model is overloaded."))
    server.queue(down, down)
    chain = FallbackScriptWriter([_gemini(server, sleeps), OfflineScriptWriter()])
    script = chain.write(TEXT, GenerateOptions(language=Language.EN))
    assert chain.used == "offline"
    assert script.language is Language.EN
    assert len(server.requests) == 2  # both attempts were made before moving on


def test_the_first_writer_that_answers_writes(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(gemini_script("en"))
    chain = FallbackScriptWriter([_gemini(server, sleeps), OfflineScriptWriter()])
    script = chain.write(SourceMaterial(topic="sleep"), GenerateOptions(language=Language.EN))
    assert chain.used == "gemini"
    assert script.title == "How to sleep well"


def test_a_topic_with_every_model_down_fails_retriably(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    down = Reply(500, gemini_error(500, "INTERNAL", "internal error"))
    server.queue(down, down)
    chain = FallbackScriptWriter([_gemini(server, sleeps), OfflineScriptWriter()])
    with pytest.raises(RetriableProviderError, match="offline: needs a text, not a topic"):
        chain.write(SourceMaterial(topic="sleep"), GenerateOptions())


def test_a_refusal_ends_the_chain(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(403, gemini_error(403, "PERMISSION_DENIED", "API key not valid.")))
    chain = FallbackScriptWriter([_gemini(server, sleeps), OfflineScriptWriter()])
    with pytest.raises(PermanentProviderError, match="API key not valid"):
        chain.write(TEXT, GenerateOptions(language=Language.EN))
    assert chain.used is None
