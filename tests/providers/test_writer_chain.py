"""Choosing script writers: names, chains, and falling back when a provider is down."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from autoclip.errors import ConfigurationError
from autoclip.options import GenerateOptions, Language
from autoclip.pipeline.chains import ProviderChoice, Providers
from autoclip.providers.chain import first_that_serves
from autoclip.providers.cloud.errors import (
    BudgetExceededError,
    PermanentProviderError,
    RetriableProviderError,
)
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.text.gemini import GeminiSettings, GeminiTextModel
from autoclip.providers.writing.base import ScriptWriter, SourceMaterial
from autoclip.providers.writing.model import ModelScriptWriter
from autoclip.providers.writing.offline import OfflineScriptWriter
from autoclip.script.model import Script
from autoclip.settings import Settings
from providers.fakes import FakeProvider, Reply, Sleeps, gemini_error, gemini_script

TEXT = SourceMaterial(
    text="Sleep is the base of health. Going to bed at the same time steadies the body. "
    "Screens before bed keep the mind awake. Morning light helps you sleep at night."
)
EN = GenerateOptions(language=Language.EN)


def _gemini(
    server: FakeProvider, sleeps: Sleeps, meter: UsageMeter | None = None
) -> ModelScriptWriter:
    settings = GeminiSettings(api_key=SecretStr("k"), base_url=server.base_url, max_attempts=2)
    return ModelScriptWriter(GeminiTextModel(settings, sleep=sleeps, meter=meter))


def write(chain: list[ScriptWriter], source: SourceMaterial) -> tuple[str, Script]:
    writer, script = first_that_serves(chain, lambda w: w.write(source, EN), "script writer")
    return writer.name, script


def test_names_and_chains_are_checked() -> None:
    providers = Providers(Settings(script_writer="gemini, offline", gemini_api_key="k"))
    assert providers.writer_names == ["gemini", "offline"]
    assert [w.name for w in providers.writers] == ["gemini", "offline"]
    assert not Providers(Settings()).takes_topics()
    assert Providers(Settings(script_writer="offline,openai")).takes_topics()
    with pytest.raises(ConfigurationError, match="AUTOCLIP_SCRIPT_WRITER: unknown provider claude"):
        Providers(Settings(script_writer="claude"))
    # A content's own choice wins over the configuration.
    chosen = Providers(Settings(script_writer="gemini"), ProviderChoice.parse(writer="offline"))
    assert chosen.writer_names == ["offline"]


def test_a_writer_is_built_only_when_a_script_is_to_be_written() -> None:
    """An edited script renders with a model configured but no key for it."""
    providers = Providers(Settings(script_writer="gemini"))
    assert providers.reviewer() is None  # no key: no review, and no error for it
    with pytest.raises(ConfigurationError, match="AUTOCLIP_GEMINI_API_KEY"):
        providers.writers_for(TEXT)


def test_a_topic_needs_a_model_in_the_chain() -> None:
    providers = Providers(Settings(script_writer="offline"))
    with pytest.raises(ConfigurationError, match="AUTOCLIP_SCRIPT_WRITER"):
        providers.writers_for(SourceMaterial(topic="sleep"))


def test_a_provider_that_is_down_falls_back_to_the_next(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    down = Reply(503, gemini_error(503, "UNAVAILABLE", "The model is overloaded."))
    server.queue(down, down)
    name, script = write([_gemini(server, sleeps), OfflineScriptWriter()], TEXT)
    assert name == "offline"
    assert script.language is Language.EN
    assert len(server.requests) == 2  # both attempts were made before moving on


def test_the_first_writer_that_answers_writes(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(gemini_script("en"))
    name, script = write([_gemini(server, sleeps), OfflineScriptWriter()], TEXT)
    assert name == "gemini"
    assert script.title == "How to sleep well"


def test_every_model_down_fails_retriably(server: FakeProvider, sleeps: Sleeps) -> None:
    down = Reply(500, gemini_error(500, "INTERNAL", "internal error"))
    server.queue(down, down)
    with pytest.raises(RetriableProviderError, match="internal error"):
        write([_gemini(server, sleeps)], SourceMaterial(topic="sleep"))


def test_a_spent_budget_moves_on_and_ends_for_good_at_the_last(
    server: FakeProvider, sleeps: Sleeps
) -> None:
    broke = UsageMeter(budget_usd=0.0, prices={"gemini": {"requests": 0.01}})
    name, _ = write([_gemini(server, sleeps, broke), OfflineScriptWriter()], TEXT)
    assert name == "offline"
    with pytest.raises(BudgetExceededError):  # permanent: a job retry would not help
        write([_gemini(server, sleeps, broke)], SourceMaterial(topic="sleep"))
    assert server.requests == []


def test_a_refusal_ends_the_chain(server: FakeProvider, sleeps: Sleeps) -> None:
    server.queue(Reply(403, gemini_error(403, "PERMISSION_DENIED", "API key not valid.")))
    with pytest.raises(PermanentProviderError, match="API key not valid"):
        write([_gemini(server, sleeps), OfflineScriptWriter()], TEXT)
