"""`autoclip config show` (Settings.masked) hides credentials inside URLs: userinfo, and
query or fragment parameters named like a credential, in every URL-valued setting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from autoclip.cli import app as cli_app
from autoclip.settings import Settings, mask_url_password

# setting: (value with a credential, what config show prints)
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
    "gemini_base_url": (
        "https://generativelanguage.googleapis.com/?key=gemini-s3cret&alt=json",
        "https://generativelanguage.googleapis.com/?key=***&alt=json",
    ),
    "openai_base_url": (
        "https://proxy:openai-s3cret@llm.internal/v1",
        "https://***@llm.internal/v1",
    ),
    "elevenlabs_base_url": (
        "https://tts.internal/v1?token=eleven-s3cret",
        "https://tts.internal/v1?token=***",
    ),
    "pexels_base_url": (
        "https://stock.internal/?password=pexels-s3cret#access_token=frag-s3cret",
        "https://stock.internal/?password=***#access_token=***",
    ),
    "public_url": (
        "https://autoclip.example/?signature=sig-s3cret&expires=1",
        "https://autoclip.example/?signature=***&expires=1",
    ),
}


@pytest.mark.parametrize("name", sorted(URLS))
def test_each_url_setting_is_masked(name: str, tmp_path: Path) -> None:
    given, shown = URLS[name]
    fields: dict[str, Any] = {"data_dir": tmp_path, name: given}
    masked = Settings(**fields).masked()
    assert masked[name] == shown
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
    """Whatever its name: every text setting that takes a URL is masked."""
    url = "https://user:pw-s3cret@host.example/?token=tok-s3cret"
    tried = []
    for name, field in Settings.model_fields.items():
        if field.annotation not in (str, str | None) or name == "data_dir":
            continue
        try:
            fields: dict[str, Any] = {"data_dir": tmp_path, name: url}
            settings = Settings(**fields)
        except ValidationError:
            continue  # not a free-text setting (a chain of provider names, ...)
        tried.append(name)
        shown = json.dumps(settings.masked())
        assert "s3cret" not in shown, name
        assert "host.example" in shown, name
    assert set(URLS) - {"storage_url"} <= set(tried)


def test_config_show_prints_no_credential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(URLS):
        monkeypatch.delenv(f"AUTOCLIP_{name.upper()}", raising=False)
    monkeypatch.setenv("AUTOCLIP_DATA_DIR", str(tmp_path / "data"))
    for name, (given, _) in URLS.items():
        monkeypatch.setenv(f"AUTOCLIP_{name.upper()}", given)
    monkeypatch.setenv("AUTOCLIP_SECRET_KEY", "key-s3cret-" + "x" * 32)
    monkeypatch.setenv("AUTOCLIP_GEMINI_API_KEY", "gemini-key-s3cret")
    result = CliRunner().invoke(cli_app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    shown = json.loads(result.output)
    for name, (_, expected) in URLS.items():
        assert shown[name] == expected
    assert shown["mode"] == "distributed"
