"""The alerting rules of deploy/monitoring/alerts.yaml: valid for Prometheus, as the
operations manual specifies them, and proven by promtool's unit tests (deploy/monitoring/
tests/*.yaml), which must hold a firing and a quiet case for every alert."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from monitoring.helpers import (
    ALERTS,
    MONITORING,
    alerting_rules,
    load_yaml,
    rule_test_files,
    run,
)

# The manual's alerts: severity, the threshold their expression compares with, their
# `for` (None: the rule's window is its duration), and their runbook.
MANUAL: dict[str, tuple[str, str, str | None, str]] = {
    "HighErrorRate": ("critical", "> 0.05", "5m", "runbooks/api-outage.md"),
    "HighLatency": ("warning", "> 2", "5m", "runbooks/scaling.md"),
    "PodCrashLoop": ("critical", "> 5", None, "runbooks/api-outage.md"),
    "HighMemory": ("warning", "> 0.9", "5m", "runbooks/scaling.md"),
    "DatabaseConnections": ("warning", "> 0.8", "5m", "runbooks/db-recovery.md"),
    "QueueBacklog": ("warning", "> 100", "5m", "runbooks/scaling.md"),
    "ScheduleOverdue": ("warning", "> 0", "5m", "runbooks/factory.md"),
    "DeliveryFailureRate": ("warning", "> 0.25", "15m", "runbooks/publishing.md"),
}


def test_promtool_checks_the_rules(promtool: Path) -> None:
    output = run([promtool, "check", "rules", ALERTS.name], cwd=MONITORING)
    assert f"SUCCESS: {len(MANUAL)} rules found" in output, output


def test_promtool_unit_tests_pass(promtool: Path) -> None:
    files = rule_test_files()
    assert files, f"no promtool unit tests in {MONITORING / 'tests'}"
    output = run(
        [promtool, "test", "rules", *(str(f.relative_to(MONITORING)) for f in files)],
        cwd=MONITORING,
    )
    assert output.count("SUCCESS") == len(files), output


def test_the_alerts_are_the_manuals() -> None:
    rules = alerting_rules()
    assert sorted(rules) == sorted(MANUAL)
    for name, (severity, threshold, duration, runbook) in MANUAL.items():
        rule = rules[name]
        assert rule["labels"] == {"severity": severity}, name
        expr = " ".join(rule["expr"].split())
        assert expr.endswith(threshold), f"{name}: {expr!r} should end with {threshold!r}"
        assert rule.get("for") == duration, name
        annotations = rule["annotations"]
        assert set(annotations) == {"summary", "description", "runbook_url"}, name
        assert annotations["runbook_url"] == runbook, name
        assert all(str(text).strip() for text in annotations.values()), name


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    """Each alert is shown to fire with exact labels and annotations, and to stay quiet
    just under its threshold (or before its `for` has passed)."""
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in rule_test_files():
        spec = load_yaml(path)
        assert [(path.parent / f).resolve() for f in spec["rule_files"]] == [ALERTS], path
        for case in spec["tests"]:
            for check in case.get("alert_rule_test", []):
                expected: list[dict[str, Any]] = check.get("exp_alerts") or []
                if not expected:
                    quiet.add(check["alertname"])
                    continue
                firing.add(check["alertname"])
                for alert in expected:
                    assert set(alert["exp_annotations"]) == {
                        "summary",
                        "description",
                        "runbook_url",
                    }, f"{path.name}: {check['alertname']} must check every annotation"
                    assert "severity" in alert["exp_labels"], path.name
    assert firing == set(MANUAL), f"alerts without a firing case: {set(MANUAL) - firing}"
    assert quiet == set(MANUAL), f"alerts without a quiet case: {set(MANUAL) - quiet}"


def test_rule_expressions_name_their_service() -> None:
    """The API alerts read only autoclip-api's series (another service's would count)."""
    rules = alerting_rules()
    for name in ("HighErrorRate", "HighLatency"):
        selectors = re.findall(r"\{[^}]*\}", rules[name]["expr"])
        assert selectors, name
        assert all('service="autoclip-api"' in s for s in selectors), name
