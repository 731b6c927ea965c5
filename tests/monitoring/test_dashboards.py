"""The Grafana dashboards of deploy/monitoring/dashboards: well-formed, on a templated
Prometheus data source, and every PromQL expression accepted by Prometheus' own parser.

promtool has no "check this expression" command, but `promtool check rules` parses each
rule's expression: every panel query (and every variable's label_values selector) becomes
a recording rule `dashboard:check:N` in a temporary rules file, one group per query named
after its dashboard, panel and refId so that promtool's errors say where they come from.
Grafana's variables are replaced first: $__rate_interval and friends by 5m, a dashboard
variable by its "All" value (or a sample value).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.helpers import DASHBOARDS, run

DATASOURCE_VARIABLE = "DS_PROMETHEUS"
DATASOURCE_UID = "${DS_PROMETHEUS}"
# Grafana's built-in interval variables, replaced by a duration for the check.
BUILTIN_DURATIONS = ("__rate_interval", "__interval", "__range", "__auto")
# $name, ${name}, ${name:format} and [[name]].
VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]")
LABEL_VALUES = re.compile(r"^\s*label_values\((?:(.*),)?\s*(\w+)\s*\)\s*$", re.DOTALL)

DASHBOARD_FILES = sorted(DASHBOARDS.glob("*.json"))


@dataclass(frozen=True)
class Query:
    where: str  # "autoclip-api.json: panel 3 'Request rate' A", for messages
    expr: str


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    assert isinstance(data, dict), path
    return data


def all_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' children included (a collapsed row keeps them inside)."""
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}


def substitute(expr: str, defined: dict[str, dict[str, Any]]) -> str:
    """The expression as Prometheus would receive it from Grafana."""

    def value(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        if name in BUILTIN_DURATIONS:
            return "5m"
        variable = defined.get(name)
        if variable is None:
            raise AssertionError(f"undefined variable ${name} in {expr!r}")
        return str(variable.get("allValue") or "sample-value")

    return VARIABLE.sub(value, expr)


def queries(path: Path) -> list[Query]:
    dashboard = load(path)
    defined = variables(dashboard)
    found: list[Query] = []
    for panel in all_panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            where = f"{path.name}: panel {panel['id']} {panel['title']!r} {target['refId']}"
            found.append(Query(where, substitute(target["expr"], defined)))
    for name, variable in defined.items():
        if variable["type"] != "query":
            continue
        query = variable["query"]
        text = query["query"] if isinstance(query, dict) else query
        match = LABEL_VALUES.match(text)
        assert match, f"{path.name}: variable {name}: expected label_values(...), got {text!r}"
        if match.group(1):  # label_values(selector, label): the selector is PromQL
            found.append(Query(f"{path.name}: variable {name}", substitute(match.group(1), {})))
    return found


def check_with_promtool(promtool: Path, checked: list[Query], folder: Path) -> str:
    groups = [
        {"name": query.where, "rules": [{"record": f"dashboard:check:{n}", "expr": query.expr}]}
        for n, query in enumerate(checked)
    ]
    rules = folder / "dashboard-queries.yaml"
    rules.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=1000))
    return run([promtool, "check", "rules", rules.name], cwd=folder)


def test_there_are_the_four_dashboards() -> None:
    assert [p.name for p in DASHBOARD_FILES] == [
        "autoclip-api.json",
        "autoclip-database.json",
        "autoclip-pipeline.json",
        "autoclip-queue.json",
    ]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_dashboard_structure(path: Path) -> None:
    dashboard = load(path)
    assert dashboard["uid"] == path.stem, "the uid is the file name (stable links)"
    assert dashboard["title"].startswith("AutoClip / ")
    assert 36 <= dashboard["schemaVersion"] <= 41
    assert "autoclip" in dashboard["tags"]
    source = variables(dashboard).get(DATASOURCE_VARIABLE)
    assert source is not None, f"no {DATASOURCE_VARIABLE} variable"
    assert (source["type"], source["query"]) == ("datasource", "prometheus")

    ids: list[int] = []
    for panel in all_panels(dashboard["panels"]):
        ids.append(panel["id"])
        title = f"{path.name} panel {panel['id']}"
        assert isinstance(panel["id"], int), title
        assert panel.get("title", "").strip(), f"{title} has no title"
        grid = panel["gridPos"]
        assert grid["x"] >= 0, title
        assert 0 < grid["w"] <= 24 - grid["x"], title
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}, title
        targets = panel.get("targets", [])
        assert targets, f"{title} has no queries"
        ref_ids = [t["refId"] for t in targets]
        assert len(ref_ids) == len(set(ref_ids)), f"{title}: repeated refId"
        for target in targets:
            assert str(target.get("expr", "")).strip(), f"{title} {target['refId']}: no expr"
            assert target.get("datasource", panel["datasource"]) == panel["datasource"], title
    assert len(ids) == len(set(ids)), f"repeated panel ids: {sorted(ids)}"


def test_every_query_parses(promtool: Path, tmp_path: Path) -> None:
    checked = [query for path in DASHBOARD_FILES for query in queries(path)]
    assert len(checked) > 40, "the dashboards lost their queries"
    for query in checked:
        assert "$" not in query.expr, query
        assert "[[" not in query.expr, query
    output = check_with_promtool(promtool, checked, tmp_path)
    assert f"SUCCESS: {len(checked)} rules found" in output, output


def test_the_check_catches_a_broken_query(promtool: Path, tmp_path: Path) -> None:
    """The check above is worth something: promtool refuses what Prometheus would."""
    broken = [Query("broken: panel 1 'x' A", "sum(rate(http_requests_total[5m])")]
    with pytest.raises(pytest.fail.Exception, match="broken: panel 1"):
        check_with_promtool(promtool, broken, tmp_path)


def test_variables_are_replaced_as_grafana_would() -> None:
    defined = {"route": {"name": "route", "type": "query", "allValue": ".*"}}
    assert (
        substitute('rate(x{route=~"$route"}[$__rate_interval])', defined)
        == 'rate(x{route=~".*"}[5m])'
    )
    assert substitute('x{a=~"${route:regex}"}[${__range}]', defined) == 'x{a=~".*"}[5m]'
    with pytest.raises(AssertionError, match="undefined variable"):
        substitute('x{a="$nope"}', defined)
