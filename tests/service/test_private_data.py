"""A fresh embedded install is readable by its owner only: the data folder 0700, the
SQLite database and its -wal/-shm 0600, the key 0600, scratch and media folders 0700. A
data folder the operator made keeps its mode; what AutoClip creates inside is private."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autoclip.pipeline.cache import StageCache
from autoclip.service.app import create_app
from autoclip.service.cli import ensure_schema
from autoclip.service.runtime import build_runtime
from autoclip.settings import Settings
from filemodes import mode

pytestmark = pytest.mark.usefixtures("cheap_password_hashing", "usual_umask")


def test_a_fresh_install_is_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "autoclip"
    settings = Settings(data_dir=data)  # no key configured: one is generated into data/
    ensure_schema(settings)
    assert mode(data) == 0o700
    database = data / "autoclip.db"
    assert mode(database) == 0o600

    runtime = build_runtime(settings)
    try:
        assert mode(data / "secret.key") == 0o600
        assert mode(settings.work_dir) == 0o700
        with TestClient(create_app(runtime, run_worker=False)) as client:
            made = client.post(
                "/api/v1/auth/register",
                json={"email": "kim@example.com", "password": "correct horse 1", "name": "Kim"},
            )
            assert made.is_success, made.text
            # The first write made the WAL files; they take the database's mode.
            for suffix in ("-wal", "-shm"):
                assert mode(data / f"autoclip.db{suffix}") == 0o600, suffix
        # Media and the stage cache: every folder made on the way is private, so the files
        # in them (written 0644 by ffmpeg or the storage) are out of others' reach even in a
        # data folder the operator opened.
        runtime.storage.put_bytes("videos/c1/original.mp4", b"video")
        assert mode(data / "videos") == mode(data / "videos" / "c1") == 0o700
        cache = StageCache(settings.work_dir / "stages")
        entry, _ = cache.get_or_make("script", "ab" * 32, lambda folder: None)
        for folder in (entry.parent, entry.parent.parent, entry.parent.parent.parent):
            assert mode(folder) == 0o700, folder
    finally:
        runtime.close()


def test_an_existing_data_folder_keeps_its_mode(tmp_path: Path) -> None:
    data = tmp_path / "shared"
    data.mkdir(mode=0o750)
    os.chmod(data, 0o750)  # e.g. a backup group reads it: the operator's choice
    settings = Settings(data_dir=data)
    ensure_schema(settings)
    runtime = build_runtime(settings)
    runtime.close()
    assert mode(data) == 0o750
    assert mode(data / "autoclip.db") == 0o600
    assert mode(data / "secret.key") == 0o600
    assert mode(settings.work_dir) == 0o700


def test_an_existing_database_keeps_its_mode(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    ensure_schema(settings)
    database = tmp_path / "data" / "autoclip.db"
    os.chmod(database, 0o640)  # the operator's choice, left alone (docs/operations.md)
    ensure_schema(settings)
    assert mode(database) == 0o640
