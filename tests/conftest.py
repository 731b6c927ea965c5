"""Fixtures shared by every test folder: the media tools the end-to-end checks rely on, and
the PostgreSQL and Redis servers the service tests use (see services.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling, Scheduling

from filemodes import usual_umask
from services import postgres_server_url, redis_server_url

__all__ = ["ffprobe", "postgres_server_url", "redis_server_url", "usual_umask"]

DEBIAN_FFPROBE = Path("/usr/bin/ffprobe")


# Folders whose tests share costly session fixtures (the e2e renders; the studio's server
# and Chromium): under pytest-xdist each runs on one worker, so those are made once.
SHARED_FIXTURE_FOLDERS = ("e2e", "studio")


class SharedFixtureScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist: no types
    """pytest-xdist's scope scheduling with a test file as the unit of work (its module
    fixtures are made once), and a whole folder of SHARED_FIXTURE_FOLDERS as one unit.

    (`--dist loadgroup` with `xdist_group` marks would say the same, but pytest-xdist 3.8
    groups by renaming `item._nodeid`, which pytest 9.2 no longer reads.)"""

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        parts = path.split("/")
        if len(parts) > 2 and parts[0] == "tests" and parts[1] in SHARED_FIXTURE_FOLDERS:
            return "/".join(parts[:2])
        return path


# Units that take minutes, longest first (measured with --durations): handed out before
# the rest, so that no worker starts one of them when the others are nearly done.
SLOW_FIRST = (
    "tests/e2e",
    "tests/service/test_openapi_properties.py",
    "tests/studio",
    "tests/service/test_provider_faults.py",
    "tests/pipeline/test_cloud_generation.py",
    "tests/faults",
    "tests/pipeline/test_korean_voices.py",
    "tests/service/test_worker_kill.py",
    "tests/service/test_factory_day.py",
    "tests/service/test_jobs_embedded.py",
    "tests/service/test_media_in_videos.py",
)


def _slowness(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    for rank, prefix in enumerate(SLOW_FIRST):
        if path == prefix or path.startswith(prefix + "/"):
            return rank
    return len(SLOW_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The SLOW_FIRST units first, in that order; each file's own order kept (a stable sort
    of whole files, so module and session fixtures are made as without it)."""
    items.sort(key=_slowness)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> Scheduling | None:
    """Our scheduling for `-n N` (whose default is `--dist load`); any other `--dist`
    asked for by name is left to pytest-xdist. Units go out in collection order, which
    puts SLOW_FIRST first."""
    if config.getvalue("dist") != "load":
        return None
    config.option.loadscopereorder = False
    return SharedFixtureScheduling(config, log)


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
