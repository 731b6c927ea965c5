"""The Prometheus tools the monitoring tests run (see helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring.helpers import find_tool


@pytest.fixture(scope="session")
def promtool() -> Path:
    return find_tool("promtool")


@pytest.fixture(scope="session")
def prometheus() -> Path:
    return find_tool("prometheus")
