"""Fixtures shared by every test folder: the media tools the end-to-end checks rely on, and
the PostgreSQL and Redis servers the service tests use (see services.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from filemodes import usual_umask
from services import postgres_server_url, redis_server_url

__all__ = ["ffprobe", "postgres_server_url", "redis_server_url", "usual_umask"]

DEBIAN_FFPROBE = Path("/usr/bin/ffprobe")


# Folders whose tests share costly session fixtures (the e2e renders; the studio's server
# and Chromium): under pytest-xdist each runs on one worker, so those are made once.
SHARED_FIXTURE_FOLDERS = ("e2e", "studio")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(tests).parts[0]
        if folder in SHARED_FIXTURE_FOLDERS:
            item.add_marker(pytest.mark.xdist_group(folder))


@pytest.fixture(scope="session")
def ffprobe() -> Path:
    """The system ffprobe. A missing one is a broken test machine, never a skipped test."""
    if DEBIAN_FFPROBE.is_file():
        return DEBIAN_FFPROBE
    found = shutil.which("ffprobe")
    if found is None:
        pytest.fail(
            "ffprobe is not installed: the end-to-end video checks need it "
            "(install it with `apt-get install ffmpeg`, which puts it at /usr/bin/ffprobe)",
            pytrace=False,
        )
    return Path(found)
