"""What backup and restore share: progress lines, a bounded pool of parallel copies,
hashing while copying, fsync, and one error type for what stops them."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from autoclip.errors import AutoclipError

PROGRESS_EVERY = 100  # objects between two progress lines
CHUNK = 1 << 20
DEFAULT_JOBS = 8
SMALL_OBJECT = 8 * 1024 * 1024  # uploaded in one request; bigger ones by parts

Report = Callable[[str], None]
T = TypeVar("T")
R = TypeVar("R")


class BackupError(AutoclipError):
    """A backup or restore cannot go on; the message says what is wrong and where."""


def silent(_: str) -> None:
    return None


class Progress:
    """One line per PROGRESS_EVERY items (and one at the end), for terminals and cron logs."""

    def __init__(self, report: Report, label: str, total: int, total_bytes: int | None) -> None:
        self.report = report
        self.label = label
        self.total = total
        self.total_bytes = total_bytes
        self.done = 0
        self.bytes = 0
        self.started = time.perf_counter()
        self._lock = threading.Lock()

    def advance(self, size: int) -> None:
        with self._lock:
            self.done += 1
            self.bytes += size
            if self.done % PROGRESS_EVERY == 0 or self.done == self.total:
                self._line()

    def _line(self) -> None:
        elapsed = time.perf_counter() - self.started
        of_bytes = f" of {megabytes(self.total_bytes)}" if self.total_bytes is not None else ""
        self.report(
            f"{self.label}: {self.done}/{self.total} objects, "
            f"{megabytes(self.bytes)}{of_bytes}, {elapsed:.1f} s"
        )


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def parallel(
    items: Sequence[T], work: Callable[[T], R], jobs: int, done: Callable[[R], None]
) -> list[R]:
    """`work` on every item with `jobs` threads; the first failure stops the rest and is
    raised. At most a few items per thread are in flight, so a million objects cost no
    million futures."""
    results: list[R] = []
    window = max(1, jobs) * 4
    remaining = iter(items)
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="backup") as pool:
        in_flight: set[Future[R]] = set()
        try:
            while True:
                for item in remaining:
                    in_flight.add(pool.submit(work, item))
                    if len(in_flight) >= window:
                        break
                if not in_flight:
                    return results
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = future.result()  # raises the work's error
                    results.append(result)
                    done(result)
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise


def sha256_file(path: Path) -> tuple[int, str]:
    """(size, hex SHA-256) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def copy_hashing(source: Path, target: Path) -> tuple[int, str]:
    """Copy `source` to `target` and return (size, SHA-256) of what was written: one read."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def operational(what: str) -> Iterator[None]:
    """The failures of daily operation (a full disk, a refused permission, the storage or
    the database unreachable) as one BackupError line; anything else as it is."""
    try:
        yield
    except BackupError:
        raise
    except OSError as error:
        raise BackupError(f"{what}: {error}") from error
    except Exception as error:
        module = type(error).__module__
        if module.startswith(("botocore", "boto3", "s3transfer", "sqlalchemy", "psycopg")):
            raise BackupError(f"{what}: {first_line(error)}") from error
        raise


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
