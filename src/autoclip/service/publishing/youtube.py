"""The YouTube Data API v3 resumable upload, as Google documents it.

1. The session: `POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`
   with the video resource as JSON and `X-Upload-Content-Length` / `X-Upload-Content-Type`;
   the answer's `Location` is the session URI.
2. The file in chunks: `PUT <session>` with `Content-Range: bytes first-last/total`, each
   chunk but the last a multiple of 256 KiB. `308 Resume Incomplete` with
   `Range: bytes=0-N` confirms N+1 bytes; the last chunk gets `200`/`201` and the video
   resource.
3. After an interruption (a connection cut, a 5xx): `PUT <session>` with no body and
   `Content-Range: bytes */total` asks what arrived; the 308's `Range` says where to go on
   from (none: from 0). 5xx answers are retried with exponential backoff; 404/410 means
   the session is gone and the upload starts over; 401 gets a fresh access token.

The caller keeps the session URI and the confirmed offset (`progress`), so a worker that
takes over a publish resumes where the last one stopped instead of uploading again.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autoclip.kit.outbound import Fetched, OutboundError, fetch
from autoclip.service.channels.google import api_reason
from autoclip.settings import Settings

CHUNK_UNIT = 256 * 1024  # every chunk but the last is a multiple of this
_RANGE = re.compile(r"bytes=0-(\d+)")
log = logging.getLogger("autoclip.publishing")


class UploadError(Exception):
    """The upload failed for good; the message is fit for the content's owner."""


class QuotaExceeded(UploadError):
    """403 quotaExceeded / uploadLimitExceeded: nothing more today (midnight Pacific).
    `bucket` is the one YouTube says is spent: `uploads` (the videos.insert count) or
    `units` (the project's daily units)."""

    def __init__(self, message: str, bucket: str) -> None:
        super().__init__(message)
        self.bucket = bucket


class Unauthorized(UploadError):
    """401 even with a fresh token."""


class UploadInterrupted(UploadError):
    """Out of tries against a connection that keeps breaking or 5xx answers: the publish
    may be tried again later, from the confirmed offset."""


@dataclass(frozen=True)
class Uploaded:
    video_id: str
    resource: dict[str, Any]


# Given True, a token refreshed now (the last was refused); else the current one.
TokenSource = Callable[[bool], str]
# Told the session URI and the bytes the server confirmed, after every step.
Progress = Callable[[str, int], None]


class _Gone(Exception):
    """The session URI is no longer known (404/410): start a new session."""


class _Retry(Exception):
    """A cut connection or a 5xx: ask where the upload stands, then go on."""


class _Refused(Exception):
    """401: the access token expired or was revoked."""


class ResumableUpload:
    def __init__(
        self,
        settings: Settings,
        token: TokenSource,
        progress: Progress,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.token = token
        self.progress = progress
        self.sleep = sleep
        self.chunk = max(settings.youtube_chunk_bytes // CHUNK_UNIT, 1) * CHUNK_UNIT
        self.requests = 0  # calls made (sessions, chunks, status queries), for the logs

    def run(
        self,
        path: Path,
        resource: dict[str, Any],
        *,
        session: str | None = None,
        mime: str = "video/mp4",
    ) -> Uploaded:
        """Upload `path` as a video with `resource`'s snippet and status; resume
        `session` if given (its state is asked first)."""
        size = path.stat().st_size
        failures = 0
        refreshed = False
        offset = 0
        ask = session is not None
        with path.open("rb") as video:
            while True:
                try:
                    if session is None:
                        session = self._open(resource, size, mime)
                        offset, ask = 0, False
                        self.progress(session, 0)
                    if ask:
                        done = self._status(session, size)
                        ask = False
                    else:
                        video.seek(offset)
                        done = self._put(session, video.read(self.chunk), offset, size)
                    if isinstance(done, Uploaded):
                        return done
                    if done > offset:
                        failures = 0  # progress made: the backoff starts over
                    offset = done
                    refreshed = False
                    self.progress(session, offset)
                except _Gone:
                    log.warning("upload session expired; starting a new one")
                    session = None
                    failures += 1
                except _Refused:
                    if refreshed:
                        raise Unauthorized(
                            "YouTube refused a freshly refreshed access token"
                        ) from None
                    self.token(True)
                    refreshed, ask = True, True
                    continue
                except _Retry as interruption:
                    failures += 1
                    if failures >= self.settings.youtube_max_attempts:
                        raise UploadInterrupted(
                            f"the upload kept failing ({interruption}); it will resume from "
                            f"byte {offset} of {size}"
                        ) from None
                    wait = min(2.0 ** (failures - 1), 64.0)
                    log.warning("upload interrupted (%s); asking where it stands in %.0f s",
                                interruption, wait)  # fmt: skip
                    self.sleep(wait)
                    ask = session is not None
                if failures >= self.settings.youtube_max_attempts:
                    raise UploadInterrupted("the upload session kept expiring")

    # -- the three requests ---------------------------------------------------------------

    def _open(self, resource: dict[str, Any], size: int, mime: str) -> str:
        base = self.settings.youtube_api_base_url.rstrip("/")
        url = f"{base}/upload/youtube/v3/videos?uploadType=resumable&part=snippet%2Cstatus"
        body = json.dumps(resource, ensure_ascii=False).encode()
        answer = self._send(
            "POST",
            url,
            {
                "Content-Type": "application/json; charset=UTF-8",
                "X-Upload-Content-Length": str(size),
                "X-Upload-Content-Type": mime,
            },
            body,
        )
        if answer.status == 404:
            raise UploadError("YouTube's upload endpoint was not found (check the API base URL)")
        location = answer.headers.get("location")
        if answer.status not in (200, 201) or not location:
            raise UploadError(f"YouTube did not open an upload session (HTTP {answer.status})")
        return str(location)

    def _put(self, session: str, data: bytes, offset: int, size: int) -> int | Uploaded:
        last = offset + len(data) - 1
        headers = {
            "Content-Type": "video/*",
            "Content-Range": f"bytes {offset}-{last}/{size}",
        }
        return self._outcome(self._send("PUT", session, headers, data), size)

    def _status(self, session: str, size: int) -> int | Uploaded:
        return self._outcome(
            self._send("PUT", session, {"Content-Range": f"bytes */{size}"}, b""), size
        )

    # -- answers --------------------------------------------------------------------------

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Fetched:
        self.requests += 1
        sent = {**headers, "Authorization": f"Bearer {self.token(False)}"}
        try:
            answer = fetch(
                url,
                self.settings.outbound_policy(),
                method=method,
                headers={**sent, "Content-Length": str(len(body))},
                content=body,
                deadline_s=self.settings.youtube_timeout_s,
                follow_redirects=False,
            )
        except OutboundError as error:
            raise _Retry(str(error)) from None
        if answer.status == 401:
            raise _Refused
        if answer.status >= 500:
            raise _Retry(f"HTTP {answer.status}")
        if answer.status == 403:
            reason = api_reason(answer)
            if reason in ("quotaExceeded", "uploadLimitExceeded", "dailyLimitExceeded"):
                bucket = "uploads" if reason == "uploadLimitExceeded" else "units"
                raise QuotaExceeded(f"YouTube's daily quota is used up ({reason})", bucket)
            raise UploadError(f"YouTube refused the upload ({reason})")
        if answer.status == 400:
            raise UploadError(f"YouTube refused the video's details ({api_reason(answer)})")
        return answer

    def _outcome(self, answer: Fetched, size: int) -> int | Uploaded:
        if answer.status in (404, 410):
            raise _Gone
        if answer.status in (200, 201):
            try:
                resource = json.loads(answer.body)
                return Uploaded(str(resource["id"]), resource)
            except (ValueError, KeyError, TypeError):
                raise _Retry("the finished upload's answer is not a video resource") from None
        if answer.status == 308:
            found = _RANGE.fullmatch(answer.headers.get("range", "").strip())
            confirmed = int(found.group(1)) + 1 if found else 0
            if confirmed > size:
                raise UploadError("YouTube confirmed more bytes than the file has")
            return confirmed
        raise UploadError(f"unexpected answer from YouTube's upload (HTTP {answer.status})")
