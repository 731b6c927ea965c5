"""Settings from the environment (`AUTOCLIP_*`), one model for the whole program."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "autoclip"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTOCLIP_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    script_writer: str = Field(
        default="offline", description="Who writes scripts: offline (text and URL input only)."
    )
    render_timeout_s: float = Field(default=1800.0, gt=0)
