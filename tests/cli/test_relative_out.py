"""`make demo` passes a relative --out; renders run ffmpeg in a scratch folder of their own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TEXT = (
    "Sleep is how the body repairs itself every night. "
    "Adults who sleep seven hours a night stay healthy for longer. "
    "A cool, dark bedroom helps you fall asleep faster."
)


@pytest.mark.e2e
def test_a_relative_storage_root_works(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(TEXT, encoding="utf-8")
    autoclip = Path(sys.executable).parent / "autoclip"
    done = subprocess.run(
        [str(autoclip), "generate", "--text", "notes.txt", "--language", "en", "--draft",
         "--out", "relative-data", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    video = Path(json.loads(done.stdout)["outputs"]["video"])
    assert video.is_absolute()
    assert video.is_relative_to(tmp_path / "relative-data")
    assert video.stat().st_size > 10_000
