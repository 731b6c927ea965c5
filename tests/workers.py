"""Real `autoclip worker` processes, for the tests that kill, restart or race them."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class WorkerProc:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"

    def alive(self) -> bool:
        return self.process.poll() is None


def autoclip_binary() -> str:
    binary = Path(sys.executable).parent / "autoclip"
    assert binary.is_file(), f"the autoclip command is not installed next to {sys.executable}"
    return str(binary)


def start_worker(name: str, log: Path, env: dict[str, str]) -> WorkerProc:
    """`autoclip worker` in a session (process group) of its own, so a test can kill it
    and its children at once; its output goes to `log`."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            # Several workers on one machine: each would want the metrics port (0: none).
            [autoclip_binary(), "worker", "--metrics-port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return WorkerProc(name, process, log)


def owner_pid(owner: str | None) -> int | None:
    """The pid in a lease owner ("host:pid/job"), if there is one."""
    if owner is None:
        return None
    return int(owner.split(":")[1].split("/")[0])


def live_members(group: int) -> list[int]:
    """Processes of a process group still running (not zombies)."""
    found = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(process.pid) == group and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return found
