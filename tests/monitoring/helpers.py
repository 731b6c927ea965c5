"""Shared by the monitoring tests: where the files are, the Prometheus tools, and YAML.

The tools are Debian's `prometheus` package (/usr/bin/prometheus, /usr/bin/promtool),
which scripts/ensure-tools.sh installs as root. A missing tool is a broken test machine:
the tests fail saying what to install, they never skip.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "deploy" / "monitoring"
ALERTS = MONITORING / "alerts.yaml"
RULE_TESTS = MONITORING / "tests"
DASHBOARDS = MONITORING / "dashboards"

INSTALL_HINT = (
    "install Debian's prometheus package (`apt-get install prometheus`, which provides "
    "/usr/bin/prometheus and /usr/bin/promtool; scripts/ensure-tools.sh does it as root)"
)


def find_tool(name: str) -> Path:
    """`name` from PATH, else /usr/bin; fails the test with the install hint otherwise."""
    found = shutil.which(name)
    if found is not None:
        return Path(found)
    debian = Path("/usr/bin") / name
    if debian.is_file():
        return debian
    pytest.fail(f"{name} is not installed: {INSTALL_HINT}", pytrace=False)


def run(command: Sequence[str | Path], *, cwd: Path, timeout: float = 60) -> str:
    """Run a tool and return its combined output; fail the test on a non-zero exit."""
    shown = " ".join(str(part) for part in command)
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"`{shown}` (in {cwd}) exited {result.returncode}:\n{output}", pytrace=False)
    return output


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path}: expected a YAML mapping at the top"
    return data


def alerting_rules(path: Path = ALERTS) -> dict[str, dict[str, Any]]:
    """The alerting rules of a Prometheus rules file, by alert name."""
    rules: dict[str, dict[str, Any]] = {}
    for group in load_yaml(path)["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                assert rule["alert"] not in rules, f"alert {rule['alert']} is defined twice"
                rules[rule["alert"]] = rule
    return rules


def rule_test_files() -> list[Path]:
    return sorted(RULE_TESTS.glob("*.yaml"))
