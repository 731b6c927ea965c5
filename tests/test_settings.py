"""Settings from the environment: nested groups and the flat spellings of before them, errors
that name the variable, and `autoclip config show` (Settings.masked) hiding credentials
inside URLs (userinfo, and query or fragment parameters named like a credential) in every
URL-valued setting."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr
from typer.testing import CliRunner

from autoclip.cli import app as cli_app
from autoclip.providers.narration.base import NarratorName
from autoclip.settings import BadSetting, Settings, mask_url_password

# setting (a dotted path into the groups): (value with a credential, what config show prints)
URLS = {
    "database_url": (
        "postgresql+psycopg://autoclip:db-s3cret@db.internal:5432/autoclip?sslpassword=ssl-s3cret",
        "postgresql+psycopg://autoclip:***@db.internal:5432/autoclip?sslpassword=***",
    ),
    "redis_url": (
        "rediss://default:redis-s3cret@cache.internal:6380/0",
        "rediss://default:***@cache.internal:6380/0",
    ),
    "storage_url": (
        "s3://media/autoclip?X-Amz-Security-Token=sts-s3cret",
        "s3://media/autoclip?X-Amz-Security-Token=***",
    ),
    "s3_endpoint_url": (
        "https://AKIAEXAMPLE:s3-s3cret@minio.internal:9000",
        "https://***@minio.internal:9000",
    ),
    "gemini.base_url": (
        "https://generativelanguage.googleapis.com/?key=gemini-s3cret&alt=json",
        "https://generativelanguage.googleapis.com/?key=***&alt=json",
    ),
    "openai.base_url": (
        "https://proxy:openai-s3cret@llm.internal/v1",
        "https://***@llm.internal/v1",
    ),
    "elevenlabs.base_url": (
        "https://tts.internal/v1?token=eleven-s3cret",
        "https://tts.internal/v1?token=***",
    ),
    "pexels.base_url": (
        "https://stock.internal/?password=pexels-s3cret#access_token=frag-s3cret",
        "https://stock.internal/?password=***#access_token=***",
    ),
    "public_url": (
        "https://autoclip.example/?signature=sig-s3cret&expires=1",
        "https://autoclip.example/?signature=***&expires=1",
    ),
}


def nested(path: str, value: Any) -> dict[str, Any]:
    """`"gemini.base_url"` and a value as the keyword arguments that set it."""
    group, _, name = path.rpartition(".")
    return {group: {name: value}} if group else {name: value}


def lookup(shown: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        shown = shown[part]
    return shown


def variable(path: str) -> str:
    return "AUTOCLIP_" + path.replace(".", "__").upper()


@pytest.mark.parametrize("name", sorted(URLS))
def test_each_url_setting_is_masked(name: str, tmp_path: Path) -> None:
    given, shown = URLS[name]
    masked = Settings(data_dir=tmp_path, **nested(name, given)).masked()
    assert lookup(masked, name) == shown
    assert "s3cret" not in json.dumps(masked)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app@db/app", "postgresql://app@db/app"),  # no password: nothing hidden
        ("postgresql://u:pa/ss@db/app", "postgresql://u:***@db/app"),  # a raw "/" in it
        ("redis://:s3cret@redis:6379/0", "redis://:***@redis:6379/0"),
        ("https://TOKEN-s3cret@git.example/x", "https://***@git.example/x"),
        ("https://cdn.example/@scope/pkg", "https://cdn.example/@scope/pkg"),  # a path's "@"
        ("sqlite:////home/kim@corp/autoclip.db", "sqlite:////home/kim@corp/autoclip.db"),
        (
            "https://h/?X-Amz-Signature=s3cret&X-Amz-Credential=AK%2Fs3cret&x=1",
            "https://h/?X-Amz-Signature=***&X-Amz-Credential=***&x=1",
        ),
        (
            "https://h/?sig=s3cret&api_key=s3cret&client_secret=s3cret",
            "https://h/?sig=***&api_key=***&client_secret=***",
        ),
        ("not a url", "not a url"),
    ],
)
def test_mask_url_password(url: str, shown: str) -> None:
    assert mask_url_password(url) == shown


def test_any_url_valued_setting_is_masked_even_one_added_later(tmp_path: Path) -> None:
    """Whatever its name, in a group or not: every text setting that takes a URL is masked."""
    url = "https://user:pw-s3cret@host.example/?token=tok-s3cret"
    paths = []
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            paths += [f"{name}.{inner}" for inner in group.model_fields]
        else:
            paths.append(name)
    paths.remove("data_dir")
    tried = []
    for path in paths:
        try:
            settings = Settings(data_dir=tmp_path, **nested(path, url))
        except BadSetting:
            continue  # not a free-text setting (a chain of provider names, a number, ...)
        if lookup(settings.model_dump(), path) != url:
            continue  # not a text setting at all
        tried.append(path)
        shown = json.dumps(settings.masked())
        assert "s3cret" not in shown, path
        assert "host.example" in shown, path
    assert set(URLS) - {"storage_url"} <= set(tried)


def test_config_show_prints_no_credential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("AUTOCLIP_DATA_DIR", str(tmp_path / "data"))
    for name, (given, _) in URLS.items():
        monkeypatch.setenv(variable(name), given)
    monkeypatch.setenv("AUTOCLIP_SECRET_KEY", "key-s3cret-" + "x" * 32)
    monkeypatch.setenv("AUTOCLIP_GEMINI_API_KEY", "gemini-key-s3cret")
    monkeypatch.setenv("AUTOCLIP_PEXELS__API_KEY", "pexels-key-s3cret")
    result = CliRunner().invoke(cli_app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    shown = json.loads(result.output)
    for name, (_, expected) in URLS.items():
        assert lookup(shown, name) == expected
    assert shown["gemini"]["api_key"] == shown["pexels"]["api_key"] == "********"
    assert shown["elevenlabs"]["api_key"] is None
    assert shown["narrator"] == "piper,espeak"  # a chain, shown as it is set
    assert shown["mode"] == "distributed"


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in os.environ:
        if name.upper().startswith("AUTOCLIP_"):
            monkeypatch.delenv(name)


# Every flat provider variable documented before the groups, with a value and what the
# group holds for it.
FLAT = {
    "AUTOCLIP_GEMINI_API_KEY": ("gemini.api_key", "g-key", "g-key"),
    "AUTOCLIP_GEMINI_BASE_URL": ("gemini.base_url", "http://g.test", "http://g.test"),
    "AUTOCLIP_GEMINI_MODEL": ("gemini.model", "gemini-2.5-pro", "gemini-2.5-pro"),
    "AUTOCLIP_GEMINI_IMAGE_MODEL": ("gemini.image_model", "imagen", "imagen"),
    "AUTOCLIP_OPENAI_API_KEY": ("openai.api_key", "o-key", "o-key"),
    "AUTOCLIP_OPENAI_BASE_URL": ("openai.base_url", "http://o.test", "http://o.test"),
    "AUTOCLIP_OPENAI_MODEL": ("openai.model", "llama3.1", "llama3.1"),
    "AUTOCLIP_OPENAI_SPEECH_MODEL": ("openai.speech_model", "tts-1", "tts-1"),
    "AUTOCLIP_OPENAI_VOICE": ("openai.voice", "nova", "nova"),
    "AUTOCLIP_ELEVENLABS_API_KEY": ("elevenlabs.api_key", "e-key", "e-key"),
    "AUTOCLIP_ELEVENLABS_BASE_URL": ("elevenlabs.base_url", "http://e.test", "http://e.test"),
    "AUTOCLIP_ELEVENLABS_MODEL": ("elevenlabs.model", "eleven_turbo_v2_5", "eleven_turbo_v2_5"),
    "AUTOCLIP_ELEVENLABS_VOICE_ID": ("elevenlabs.voice_id", "abc123", "abc123"),
    "AUTOCLIP_ELEVENLABS_STABILITY": ("elevenlabs.stability", "0.3", 0.3),
    "AUTOCLIP_ELEVENLABS_SIMILARITY_BOOST": ("elevenlabs.similarity_boost", "0.9", 0.9),
    "AUTOCLIP_ELEVENLABS_STYLE": ("elevenlabs.style", "0.2", 0.2),
    "AUTOCLIP_ELEVENLABS_SPEAKER_BOOST": ("elevenlabs.speaker_boost", "false", False),
    "AUTOCLIP_PEXELS_API_KEY": ("pexels.api_key", "p-key", "p-key"),
    "AUTOCLIP_PEXELS_BASE_URL": ("pexels.base_url", "http://p.test", "http://p.test"),
}


def held(settings: Settings, path: str) -> Any:
    value = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@pytest.mark.parametrize("flat", sorted(FLAT))
def test_a_provider_setting_is_set_by_its_flat_or_its_nested_name(
    flat: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, given, expected = FLAT[flat]
    for name in (flat, variable(path)):
        clean_environment(monkeypatch)
        monkeypatch.setenv(name, given)
        assert held(Settings(), path) == expected, name
    # both, saying the same (spelt alike or not): fine
    monkeypatch.setenv(flat, given)
    assert held(Settings(), path) == expected
    # as keyword arguments, flat or nested, as tests and scripts give them
    clean_environment(monkeypatch)
    assert held(Settings(**{flat.removeprefix("AUTOCLIP_").lower(): given}), path) == expected
    assert held(Settings(**nested(path, given)), path) == expected


def test_the_two_spellings_must_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("AUTOCLIP_ELEVENLABS_STABILITY", "0.40")
    monkeypatch.setenv("AUTOCLIP_ELEVENLABS__STABILITY", "0.4")
    assert Settings().elevenlabs.stability == 0.4  # the same number
    monkeypatch.setenv("AUTOCLIP_ELEVENLABS__STABILITY", "0.5")
    with pytest.raises(BadSetting) as caught:
        Settings()
    assert str(caught.value) == (
        "AUTOCLIP_ELEVENLABS_STABILITY and AUTOCLIP_ELEVENLABS__STABILITY are both set, to"
        " different values; set one"
    )
    clean_environment(monkeypatch)
    monkeypatch.setenv("AUTOCLIP_GEMINI_API_KEY", "first-s3cret")
    monkeypatch.setenv("AUTOCLIP_GEMINI__API_KEY", "second-s3cret")
    with pytest.raises(BadSetting, match="AUTOCLIP_GEMINI_API_KEY and AUTOCLIP_GEMINI__API_KEY"):
        Settings()
    with pytest.raises(BadSetting) as caught:
        Settings()
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        (
            {"AUTOCLIP_ELEVENLABS_STABILITY": "2"},
            "AUTOCLIP_ELEVENLABS_STABILITY: Input should be less than or equal to 1",
        ),
        (
            {"AUTOCLIP_ELEVENLABS__STABILITY": "2"},
            "AUTOCLIP_ELEVENLABS__STABILITY: Input should be less than or equal to 1",
        ),
        (
            {"AUTOCLIP_ELEVENLABS__SPEAKER_BOOST": "maybe"},
            "AUTOCLIP_ELEVENLABS__SPEAKER_BOOST: Input should be a valid boolean",
        ),
        (  # a misspelt field is not silently unused
            {"AUTOCLIP_ELEVENLABS__STABILTY": "0.2"},
            "AUTOCLIP_ELEVENLABS__STABILTY: Extra inputs are not permitted",
        ),
        (
            {"AUTOCLIP_NARRATOR": "elevenlabs,nobody"},
            "AUTOCLIP_NARRATOR: unknown provider nobody; choose from piper, espeak,"
            " elevenlabs, openai, google, gemini, clova, or a comma-separated fallback chain",
        ),
        (
            {"AUTOCLIP_VISUALS": "cards,cards"},
            "AUTOCLIP_VISUALS: a provider appears twice in the chain",
        ),
        (
            {"AUTOCLIP_WORKER__THREADS": "many"},
            "AUTOCLIP_WORKER__THREADS: Input should be a valid integer",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(
    environment: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_environment(monkeypatch)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(BadSetting) as caught:
        Settings()
    assert str(caught.value).startswith(message)


def test_chains_are_parsed_once_into_names(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("AUTOCLIP_NARRATOR", " elevenlabs, espeak ")
    assert Settings().narrator == [NarratorName.ELEVENLABS, NarratorName.ESPEAK]
    assert Settings(narrator=["openai"]).narrator == [NarratorName.OPENAI]


def test_the_command_line_says_which_variable_is_bad(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("AUTOCLIP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AUTOCLIP_ELEVENLABS_STABILITY", "2")
    result = CliRunner().invoke(cli_app, ["config", "show"])
    assert result.exit_code != 0
    assert isinstance(result.exception, BadSetting)
    assert "AUTOCLIP_ELEVENLABS_STABILITY" in str(result.exception)


def test_an_optional_number_set_empty_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """`AUTOCLIP_CONTENT_BUDGET_USD=` is how a shell or an env file says "no cap"."""
    clean_environment(monkeypatch)
    monkeypatch.setenv("AUTOCLIP_CONTENT_BUDGET_USD", "")
    monkeypatch.setenv("AUTOCLIP_WORKER__REQUEUE_AFTER_SECONDS", " ")
    settings = Settings()
    assert settings.content_budget_usd is None
    assert settings.worker.requeue_after_seconds is None
    monkeypatch.setenv("AUTOCLIP_CONTENT_BUDGET_USD", "0.5")
    assert Settings().content_budget_usd == 0.5


def test_each_provider_group_says_how_its_calls_are_tried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow local model server needs a longer wait: the group's call settings reach the
    backend the registry builds, and a bad one is refused naming the variable."""
    from autoclip.providers.text.base import TextModelName
    from autoclip.providers.text.openai import OpenAITextModel
    from autoclip.providers.text.registry import text_model

    clean_environment(monkeypatch)
    monkeypatch.setenv("AUTOCLIP_OPENAI__BASE_URL", "http://127.0.0.1:11434")
    monkeypatch.setenv("AUTOCLIP_OPENAI__API_KEY", "local")
    monkeypatch.setenv("AUTOCLIP_OPENAI__TIMEOUT_S", "600")
    monkeypatch.setenv("AUTOCLIP_OPENAI__MAX_ATTEMPTS", "5")
    monkeypatch.setenv("AUTOCLIP_OPENAI__DEADLINE_S", "900")
    settings = Settings()
    model = text_model(TextModelName.OPENAI, settings)
    assert isinstance(model, OpenAITextModel)
    assert (model.settings.timeout_s, model.settings.max_attempts) == (600.0, 5)
    assert model.settings.deadline_s == 900.0
    assert Settings().elevenlabs.timeout_s == 120.0  # the other groups keep the default

    monkeypatch.setenv("AUTOCLIP_OPENAI__MAX_ATTEMPTS", "0")
    with pytest.raises(BadSetting) as caught:
        Settings()
    assert str(caught.value).startswith("AUTOCLIP_OPENAI__MAX_ATTEMPTS: Input should be")
