"""File permission helpers shared by the tests of private files and folders."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common 022, under which new files and folders are readable by everyone unless
    made otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)
