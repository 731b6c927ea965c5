"""The resumable upload against the local Google stand-in (tests/youtube_server.py): the
bytes YouTube ends up with are the file's, whatever breaks on the way."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from autoclip.service.publishing.youtube import (
    CHUNK_UNIT,
    QuotaExceeded,
    ResumableUpload,
    Unauthorized,
    UploadInterrupted,
)
from autoclip.settings import Settings
from youtube_server import Google, google_standin, youtube_settings

RESOURCE = {
    "snippet": {"title": "수면 부족의 진짜 신호", "description": "d", "tags": ["수면"]},
    "status": {"privacyStatus": "private", "containsSyntheticMedia": True},
}


@pytest.fixture
def google() -> Any:
    with google_standin() as state:
        yield state


def video(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "video.mp4"
    path.write_bytes(os.urandom(size))
    return path


def connect(google: Google) -> str:
    """A granted refresh token and its first access token, as after a connect."""
    google.refresh.add("1//granted")
    return google.issue("1//granted")


class Tokens:
    """What the publishing job passes: the current token, or a refreshed one."""

    def __init__(self, google: Google, first: str) -> None:
        self.google = google
        self.current = first
        self.refreshes = 0

    def __call__(self, force: bool) -> str:
        if force:
            self.refreshes += 1
            with self.google.lock:
                self.current = self.google.issue("1//granted")
        return self.current


def upload(google: Google, tokens: Tokens, **settings: Any) -> tuple[ResumableUpload, list[int]]:
    confirmed: list[int] = []
    waits: list[float] = []
    config = Settings(**{**youtube_settings(google.base), **settings})
    job = ResumableUpload(
        config, tokens, lambda _session, n: confirmed.append(n), sleep=waits.append
    )
    job.waits = waits  # type: ignore[attr-defined]
    return job, confirmed


def test_a_cut_connection_a_503_and_an_expired_token_still_deliver_every_byte(
    google: Google, tmp_path: Path
) -> None:
    size = 5 * CHUNK_UNIT + 12_345  # six chunk PUTs when nothing goes wrong
    path = video(tmp_path, size)
    google.plan = {2: "cut", 4: "503", 6: "expire"}
    tokens = Tokens(google, connect(google))
    job, confirmed = upload(google, tokens)

    done = job.run(path, RESOURCE)

    stored = google.videos[done.video_id]
    assert bytes(stored.data) == path.read_bytes()
    assert stored.resource["snippet"]["title"] == "수면 부족의 진짜 신호"
    assert done.resource["status"]["containsSyntheticMedia"] is True
    log = google.log
    assert log[0] == f"POST /upload {size}"
    # the cut: half of chunk 2 arrived; the status query finds out, and the upload goes
    # on from the byte after the 308's Range, not from the chunk's start
    cut = log.index(f"PUT bytes {CHUNK_UNIT}-{2 * CHUNK_UNIT - 1}/{size} [cut]")
    assert log[cut + 1] == f"PUT bytes */{size}"
    resumed = CHUNK_UNIT + CHUNK_UNIT // 2
    assert log[cut + 2].startswith(f"PUT bytes {resumed}-")
    # the 503: asked again after a backoff, then resent
    failed = next(i for i, line in enumerate(log) if line.endswith("[503]"))
    assert log[failed + 1] == f"PUT bytes */{size}"
    assert job.waits == [1.0, 1.0]  # type: ignore[attr-defined]  # each after progress
    # the expired token: one refresh, then the status query with the new token
    assert tokens.refreshes == 1
    expired = next(i for i, line in enumerate(log) if line.endswith("[expire]"))
    assert log[expired + 1] == f"PUT bytes */{size}"
    # what the server confirmed, kept as it went (the finished upload needs no resume)
    assert confirmed == sorted(confirmed)
    assert 5 * CHUNK_UNIT - CHUNK_UNIT // 2 <= confirmed[-1] < size


def test_resuming_a_stored_session_asks_first_and_sends_only_the_rest(
    google: Google, tmp_path: Path
) -> None:
    size = 3 * CHUNK_UNIT
    path = video(tmp_path, size)
    tokens = Tokens(google, connect(google))
    google.plan = {2: "cut"}
    first, confirmed = upload(google, tokens, youtube_max_attempts=1)
    sessions: list[str] = []
    first.progress = lambda session, n: (sessions.append(session), confirmed.append(n))  # type: ignore[assignment,func-returns-value]
    with pytest.raises(UploadInterrupted, match="resume from byte"):
        first.run(path, RESOURCE)  # a worker that gives up (or dies) after the cut

    google.log.clear()
    second, _ = upload(google, tokens)
    done = second.run(path, RESOURCE, session=sessions[-1])

    assert bytes(google.videos[done.video_id].data) == path.read_bytes()
    assert google.log[0] == f"PUT bytes */{size}"  # no new session: the old one goes on
    assert not any(line.startswith("POST /upload") for line in google.log)
    assert google.log[1].startswith(f"PUT bytes {CHUNK_UNIT + CHUNK_UNIT // 2}-")


def test_a_forgotten_session_starts_over(google: Google, tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK_UNIT)
    google.plan = {2: "gone"}
    job, _ = upload(google, Tokens(google, connect(google)))
    done = job.run(path, RESOURCE)
    assert bytes(google.videos[done.video_id].data) == path.read_bytes()
    assert [line for line in google.log if line.startswith("POST")] == [
        f"POST /upload {2 * CHUNK_UNIT}"
    ] * 2


def test_quota_exceeded_is_told_apart(google: Google, tmp_path: Path) -> None:
    path = video(tmp_path, CHUNK_UNIT)
    google.plan = {1: "quota"}
    job, _ = upload(google, Tokens(google, connect(google)))
    with pytest.raises(QuotaExceeded, match="quotaExceeded"):
        job.run(path, RESOURCE)


def test_a_token_refused_even_after_a_refresh_is_not_tried_forever(
    google: Google, tmp_path: Path
) -> None:
    path = video(tmp_path, CHUNK_UNIT)
    job, _ = upload(google, lambda force: "ya29.never-valid")  # type: ignore[arg-type]
    with pytest.raises(Unauthorized):
        job.run(path, RESOURCE)
    assert len(google.log) == 2  # the session POST, once more after the "refresh"


def test_5xx_without_end_gives_up_after_the_configured_tries(
    google: Google, tmp_path: Path
) -> None:
    path = video(tmp_path, CHUNK_UNIT)
    google.plan = {n: "503" for n in range(1, 20)}
    job, _ = upload(google, Tokens(google, connect(google)), youtube_max_attempts=4)
    with pytest.raises(UploadInterrupted):
        job.run(path, RESOURCE)
    assert job.waits == [1.0, 2.0, 4.0]  # type: ignore[attr-defined]
