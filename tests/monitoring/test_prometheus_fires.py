"""The proof that the alerts work: a real Prometheus, scraping a real AutoClip API, fires
HighErrorRate and QueueBacklog from the API's own metrics, and leaves HighLatency quiet.

- The API (`autoclip serve`, embedded mode, no worker: queued contents stay queued) has its
  storage on an S3 endpoint where nothing listens, so GET /ready answers 503 for a real
  failing dependency. Hammering /ready, mixed with /health's 200s, makes the 5xx ratio
  far above 5%.
- A user on the enterprise plan (unlimited credits, 3000 requests a minute; set in the
  SQLite file as an operator would) creates more than 100 contents: creating one touches
  only the database, so it works with the storage down, and with no worker
  bull_waiting_count{queue="content-generation"} climbs above 100.
- Prometheus scrapes every second and evaluates every second the rules of
  deploy/monitoring/alerts.yaml, transformed by `shortened_rules` for a test that lasts
  seconds: every `for:` becomes 5s and every range window ([5m], [10m]) becomes [30s].
  Nothing else changes: the expressions, thresholds, labels and annotations are the
  file's (test_shortened_rules_change_only_durations checks it).

Debian's prometheus package provides the binary; without it the test fails, it never skips.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from monitoring.helpers import ALERTS, load_yaml

SHORT_FOR = "5s"
SHORT_WINDOW = "[30s]"
RANGE = re.compile(r"\[\d+[smhdwy]\]")
THRESHOLD = re.compile(r"\s*>\s*[0-9.]+\s*$")
CONTENTS = 110  # QueueBacklog fires above 100
STARTUP_TIMEOUT_S = 60.0
FIRING_DEADLINE_S = 90.0
TEXT = "A short text about sleep, long enough for a generation request to accept it."


def alert_names() -> list[str]:
    return [rule["alert"] for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


def shortened_rules(rules: dict[str, Any]) -> dict[str, Any]:
    """The rules with every `for:` set to 5s and every range window set to [30s]."""
    groups = []
    for group in rules["groups"]:
        changed = []
        for rule in group["rules"]:
            rule = dict(rule, expr=RANGE.sub(SHORT_WINDOW, rule["expr"]))
            if "for" in rule:
                rule["for"] = SHORT_FOR
            changed.append(rule)
        groups.append(dict(group, rules=changed))
    return dict(rules, groups=groups)


def test_shortened_rules_change_only_durations() -> None:
    original = load_yaml(ALERTS)
    short = shortened_rules(original)
    pairs = [
        (before, after)
        for old, new in zip(original["groups"], short["groups"], strict=True)
        for before, after in zip(old["rules"], new["rules"], strict=True)
    ]
    assert len(pairs) == len(alert_names())
    for before, after in pairs:
        assert set(before) == set(after)
        windows = RANGE.findall(after["expr"])
        assert windows == [SHORT_WINDOW] * len(RANGE.findall(before["expr"]))
        assert RANGE.sub("[w]", before["expr"]) == RANGE.sub("[w]", after["expr"])
        assert after.get("for") == (SHORT_FOR if "for" in before else None)
        for key in set(before) - {"expr", "for"}:
            assert before[key] == after[key]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _closed_port() -> Iterator[int]:
    """A port that refuses connections: bound but never listening, held for the test."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port: int = holder.getsockname()[1]
        yield port


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


@contextlib.contextmanager
def _process(
    name: str, command: list[str], env: dict[str, str], log: Path, ready_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server, wait until `ready_url` answers 200, stop it (its process group) after."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        with httpx.Client(trust_env=False, timeout=2) as http:
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"{name} exited with code {process.returncode} before it was ready:\n"
                        f"{_tail(log)}",
                        pytrace=False,
                    )
                with contextlib.suppress(httpx.TransportError):
                    if http.get(ready_url).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"{name} was not ready at {ready_url} within {STARTUP_TIMEOUT_S} s:\n"
                        f"{_tail(log)}",
                        pytrace=False,
                    )
                time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


class ErrorTraffic(threading.Thread):
    """GET /ready (503: the storage is down) and GET /health (200), in turns, until stopped."""

    def __init__(self, api: str) -> None:
        super().__init__(name="error-traffic", daemon=True)
        self.api = api
        self.stopping = threading.Event()
        self.statuses: dict[str, list[int]] = {"/ready": [], "/health": []}
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.api, trust_env=False, timeout=30) as http:
                while not self.stopping.is_set():
                    for path, statuses in self.statuses.items():
                        statuses.append(http.get(path).status_code)
        except BaseException as error:  # reported by the test
            self.error = error

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=60)


_PROXIES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def _api_env(data_dir: Path, dead_port: int) -> dict[str, str]:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUTOCLIP_", "AWS_")) and key.lower() not in _PROXIES
    }
    return {
        **inherited,
        "AUTOCLIP_DATA_DIR": str(data_dir),
        "AUTOCLIP_EMBEDDED_WORKER": "false",
        "AUTOCLIP_SECRET_KEY": "x",
        "AUTOCLIP_STORAGE_URL": "s3://autoclip-monitoring-test",
        "AUTOCLIP_S3_ENDPOINT_URL": f"http://127.0.0.1:{dead_port}",
        "AWS_ACCESS_KEY_ID": "monitoring-test",
        "AWS_SECRET_ACCESS_KEY": "monitoring-test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _enterprise_user(api: str, database: Path) -> str:
    """Register a user, put them on the enterprise plan in the database; their token."""
    account = {"email": "ops@example.com", "password": "monitoring-pass-1", "name": "Ops"}
    with httpx.Client(base_url=api, trust_env=False, timeout=30) as http:
        registered = http.post("/api/v1/auth/register", json=account)
        assert registered.status_code == 202, registered.text
        with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
            # The operator's account: on the enterprise plan, its email vouched for.
            updated = db.execute(
                "update users set plan_id = 'enterprise', email_verified_at = created_at"
            ).rowcount
            db.commit()
        assert updated == 1
        login = http.post("/api/v1/auth/login", json={k: account[k] for k in ("email", "password")})
        assert login.status_code == 200, login.text
        token: str = login.json()["access_token"]
        me = http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["plan_id"] == "enterprise", me.text
        return token


def _create_contents(api: str, token: str, count: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"generation_type": "text", "text": TEXT}
    with httpx.Client(base_url=api, trust_env=False, timeout=30, headers=headers) as http:
        for _ in range(count):
            created = http.post("/api/v1/contents", json=body)
            assert created.status_code == 202, created.text
            assert created.json()["status"] == "queued"


def _prometheus_config(folder: Path, api_port: int) -> Path:
    rules = folder / "alerts.yaml"
    rules.write_text(yaml.safe_dump(shortened_rules(load_yaml(ALERTS)), sort_keys=False))
    config = folder / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {
                    "scrape_interval": "1s",
                    "scrape_timeout": "1s",
                    "evaluation_interval": "1s",
                },
                "rule_files": [rules.name],
                "scrape_configs": [
                    {
                        "job_name": "autoclip-api",
                        "static_configs": [{"targets": [f"127.0.0.1:{api_port}"]}],
                    }
                ],
            },
            sort_keys=False,
        )
    )
    return config


def _active_alerts(http: httpx.Client) -> dict[str, dict[str, Any]]:
    answer = http.get("/api/v1/alerts").json()
    assert answer["status"] == "success", answer
    return {alert["labels"]["alertname"]: alert for alert in answer["data"]["alerts"]}


def _instant(http: httpx.Client, query: str) -> list[dict[str, Any]]:
    answer = http.get("/api/v1/query", params={"query": query}).json()
    assert answer["status"] == "success", answer
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


def test_prometheus_fires_on_the_live_api(prometheus: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()  # `autoclip serve` does not create a missing data folder itself
    api_port, prometheus_port = _free_port(), _free_port()
    api = f"http://127.0.0.1:{api_port}"
    prometheus_url = f"http://127.0.0.1:{prometheus_port}"
    autoclip = Path(sys.executable).parent / "autoclip"
    prometheus_dir = tmp_path / "prometheus"
    prometheus_dir.mkdir()
    config = _prometheus_config(prometheus_dir, api_port)
    wanted = {"HighErrorRate", "QueueBacklog"}
    seen: dict[str, set[str]] = {}

    with contextlib.ExitStack() as stack:
        dead_port = stack.enter_context(_closed_port())
        stack.enter_context(
            _process(
                "the AutoClip API",
                [str(autoclip), "serve", "--host", "127.0.0.1", "--port", str(api_port)],
                _api_env(data_dir, dead_port),
                tmp_path / "api.log",
                f"{api}/health",
            )
        )
        token = _enterprise_user(api, data_dir / "autoclip.db")
        stack.enter_context(
            _process(
                "Prometheus",
                [
                    str(prometheus),
                    f"--config.file={config}",
                    f"--storage.tsdb.path={prometheus_dir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{prometheus_port}",
                ],
                {key: value for key, value in os.environ.items() if key.lower() not in _PROXIES},
                tmp_path / "prometheus.log",
                f"{prometheus_url}/-/ready",
            )
        )
        traffic = ErrorTraffic(api)
        traffic.start()
        stack.callback(traffic.stop)

        began = time.monotonic()
        _create_contents(api, token, CONTENTS)
        http = stack.enter_context(
            httpx.Client(base_url=prometheus_url, trust_env=False, timeout=10)
        )
        while True:
            active = _active_alerts(http)
            for name, alert in active.items():
                seen.setdefault(name, set()).add(alert["state"])
            if all(active.get(name, {}).get("state") == "firing" for name in wanted):
                break
            if traffic.error is not None:
                raise traffic.error
            if time.monotonic() - began > FIRING_DEADLINE_S:
                states = {name: alert["state"] for name, alert in active.items()}
                pytest.fail(
                    f"{sorted(wanted)} not all firing after {FIRING_DEADLINE_S} s; "
                    f"active: {states}\nPrometheus log:\n{_tail(tmp_path / 'prometheus.log')}",
                    pytrace=False,
                )
            time.sleep(0.25)
        fired_after = time.monotonic() - began
        traffic.stop()

        # The alerts say what the manual says, with the live values.
        error_rate = active["HighErrorRate"]
        assert error_rate["labels"] == {
            "alertname": "HighErrorRate",
            "severity": "critical",
            "service": "autoclip-api",
        }
        assert float(error_rate["value"]) > 0.05
        assert error_rate["annotations"]["runbook_url"] == "runbooks/api-outage.md"
        backlog = active["QueueBacklog"]
        assert backlog["labels"] == {
            "alertname": "QueueBacklog",
            "severity": "warning",
            "queue": "content-generation",
        }
        assert float(backlog["value"]) == CONTENTS
        assert backlog["annotations"]["description"].startswith(
            f"{CONTENTS} contents are waiting for a worker in the content-generation queue"
        )
        # `for` was honoured: both were pending before they fired.
        assert {"pending", "firing"} <= seen["HighErrorRate"], seen
        assert {"pending", "firing"} <= seen["QueueBacklog"], seen

        # The 5xx were real: every /ready failed on the storage, every /health answered.
        assert traffic.error is None, traffic.error
        assert traffic.statuses["/ready"], "no /ready request was answered"
        assert set(traffic.statuses["/ready"]) == {503}
        assert set(traffic.statuses["/health"]) == {200}

        # HighLatency had data and stayed under its threshold; no other alert went off
        # (the Kubernetes and PostgreSQL alerts have no series here at all).
        assert set(seen) == wanted, f"unexpected alerts: {seen}"
        rules = {
            rule["name"]: rule
            for group in http.get("/api/v1/rules").json()["data"]["groups"]
            for rule in group["rules"]
        }
        assert sorted(rules) == sorted(alert_names())  # every rule loaded, none other
        assert all(rule["health"] == "ok" for rule in rules.values()), rules
        assert rules["HighLatency"]["state"] == "inactive"
        p95 = _instant(http, THRESHOLD.sub("", rules["HighLatency"]["query"]))
        assert len(p95) == 1, p95
        assert float(p95[0]["value"][1]) < 2

    print(f"HighErrorRate and QueueBacklog fired {fired_after:.1f} s after the traffic began")  # noqa: T201
