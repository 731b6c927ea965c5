"""Studio load benchmark: the dashboard and the new-video wizard opened in Chromium on
localhost, with an account of 1,000 videos — bytes transferred and time until usable.

It starts `autoclip serve` (embedded mode, SQLite in a fresh data folder, no in-process
worker: the videos stay queued, nothing is rendered; email confirmation off), signs up
two users through the API — one with no videos, one given 1,000 through
POST /api/v1/contents — logs each into a Chromium (Debian's, driven by Playwright) and
loads each page --rounds times, cold (an empty cache: a new browser profile) and warm
(the same profile again: the static files cached).

For each load it reads the browser's own figures: the bytes received over the network
(the DevTools protocol's encodedDataLength of every response, headers included), the
time to the page's first byte, and the time until usable — DOMContentLoaded's end, by
when the page's module scripts (the wizard's steps, the copy buttons) have run.

The baseline, in the same process and browser: the log-in page (the smallest page, no
database work but the form), and the same pages for the user with no videos. The report
gives medians and the ratios to the baseline, so the figures compare across machines.

    .venv/bin/python benchmarks/studio_load.py [--contents 1000] [--rounds 7] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench studio passphrase 7"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "chromium": chromium.stdout.strip(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d"),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AUTOCLIP_DATA_DIR": str(data),
        "AUTOCLIP_EMBEDDED_WORKER": "false",
        "AUTOCLIP_AUTH__VERIFY_EMAIL": "false",
        "AUTOCLIP_RATE_LIMITS": "false",
    }
    binary = Path(sys.executable).with_name("autoclip")
    server = subprocess.Popen(
        [str(binary), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data / "serve.log").open("wb"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the server did not start: see {data / 'serve.log'}")


def make_user(base: str, data: Path, email: str, contents: int) -> None:
    with httpx.Client(base_url=base, timeout=30) as api:
        made = api.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD,
                                                        "name": "벤치"})  # fmt: skip
        made.raise_for_status()
        if contents:
            # The free plan's 3 credits would run out: the unlimited plan, as the API
            # benchmark does, set before the first signed-in request (the API caches
            # who is calling).
            with sqlite3.connect(data / "autoclip.db") as database:
                database.execute(
                    "UPDATE users SET plan_id = 'enterprise' WHERE email = ?", (email,)
                )
        login = api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        text = "잠은 몸을 고치고 다음 날을 준비하는 시간입니다. 깊은 잠이 기억을 지킵니다. "
        for number in range(contents):
            answer = api.post(
                "/api/v1/contents",
                json={"generation_type": "text", "text": f"{number}번째 글. {text}"},
                headers=auth,
            )
            answer.raise_for_status()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def measure(page: Page, url: str) -> dict[str, float]:
    """One load of `url`: bytes over the network, time to first byte, time until usable."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    received: list[float] = []
    session.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(100)  # the last loadingFinished events
    timing = page.evaluate(
        "(() => { const t = performance.getEntriesByType('navigation')[0];"
        " return {ttfb: t.responseStart, usable: t.domContentLoadedEventEnd,"
        " load: t.loadEventEnd, html: t.encodedBodySize}; })()"
    )
    session.detach()
    return {
        "bytes": sum(received),
        "requests": len(received),
        "html_bytes": timing["html"],
        "ttfb_ms": timing["ttfb"],
        "usable_ms": timing["usable"],
        "load_ms": timing["load"],
    }


def run_page(browser: Browser, base: str, email: str | None, path: str, rounds: int
             ) -> dict[str, Any]:  # fmt: skip
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    for _round in range(rounds):
        context = browser.new_context(extra_http_headers={"Accept-Language": "ko-KR,ko"})
        page = context.new_page()
        if email:
            log_in(page, base, email)
            # The log-in loaded the static files: empty the cache for the cold load.
            session = context.new_cdp_session(page)
            session.send("Network.clearBrowserCache")
            session.detach()
        cold.append(measure(page, base + path))
        warm.append(measure(page, base + path))
        context.close()
    return {"cold": median_of(cold), "warm": median_of(warm)}


def median_of(loads: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(load[key] for load in loads), 1) for key in loads[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contents", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine(), "contents": args.contents}
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as folder:
        data = Path(folder)
        port = free_port()
        server = start_server(data, port)
        base = f"http://127.0.0.1:{port}"
        try:
            began = time.monotonic()
            make_user(base, data, "empty@example.com", 0)
            make_user(base, data, "busy@example.com", args.contents)
            results["setup_s"] = round(time.monotonic() - began, 1)
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                pages: dict[str, Any] = {
                    "login (baseline)": run_page(browser, base, None, "/login", args.rounds),
                }
                for email, label in (("empty@example.com", "0"), ("busy@example.com",
                                                                  str(args.contents))):  # fmt: skip
                    for path, name in (("/", "dashboard"), ("/new", "wizard")):
                        key = f"{name}, {label} videos"
                        pages[key] = run_page(browser, base, email, path, args.rounds)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    results["pages"] = pages
    baseline = pages["login (baseline)"]
    print(json.dumps(results["machine"], ensure_ascii=False))
    print(f"setup: {results['setup_s']} s for {args.contents} videos")
    header = (f"{'page':<28} {'load':<5} {'bytes':>9} {'req':>4} {'html':>8} {'ttfb ms':>8} "
              f"{'usable ms':>10} {'x login':>8}")  # fmt: skip
    print(header)
    for name, loads in pages.items():
        for kind in ("cold", "warm"):
            row = loads[kind]
            ratio = row["usable_ms"] / baseline[kind]["usable_ms"]
            print(f"{name:<28} {kind:<5} {row['bytes']:>9.0f} {row['requests']:>4.0f} "
                  f"{row['html_bytes']:>8.0f} {row['ttfb_ms']:>8.1f} {row['usable_ms']:>10.1f} "
                  f"{ratio:>8.2f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
