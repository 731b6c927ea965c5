"""A local stand-in for Google's OAuth endpoints and the YouTube Data API v3 upload, on
127.0.0.1, answering as Google documents them, errors included:

- `GET /o/oauth2/v2/auth`: the consent page a browser is sent to, whose "Allow" sends it
  back to the redirect URI with a code (`consent()` does the same for tests without one).
- `POST /token`: the authorization-code exchange (PKCE S256 checked against the
  challenge the consent page saw) and refreshes; `invalid_grant` for a revoked grant.
- `POST /revoke`: revokes a refresh token and the access tokens it gave.
- `GET /youtube/v3/channels?part=snippet&mine=true`: the channel of the token.
- `POST /upload/youtube/v3/videos?uploadType=resumable`: opens a session (`Location`),
  checking `X-Upload-Content-Length/-Type` and the video resource.
- `PUT <session>`: chunks by `Content-Range: bytes a-b/N` (308 with `Range`, then 201
  and the video resource), and status queries by `Content-Range: bytes */N`.

Faults are planned per chunk PUT (`plan[n] = fault`, counting chunk PUTs from 1): "cut"
(half the chunk is read and kept, then the connection is dropped with no answer), "503",
"expire" (the access token expires just before: 401 with Google's body, until a refresh),
"quota" (403 quotaExceeded), "gone" (the session is forgotten: 404).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "autoclip-test.apps.example"
CLIENT_SECRET = "test-client-secret"  # nosec B105 # the stand-in's own
CHANNEL_ID = "UCstandin0000000000000000"
CHANNEL_TITLE = "AutoClip 테스트 채널"
# The consent page a browser is sent to (the authorization URL), and its "Allow" button.
CONSENT_PATH = "/o/oauth2/v2/auth"
APPROVE_PATH = "/o/oauth2/v2/approve"

UNAUTHENTICATED = {
    "error": {
        "code": 401,
        "message": "Request had invalid authentication credentials. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential.",
        "errors": [
            {
                "message": "Invalid Credentials",
                "domain": "global",
                "reason": "authError",
                "location": "Authorization",
                "locationType": "header",
            }
        ],
        "status": "UNAUTHENTICATED",
    }
}
QUOTA_EXCEEDED = {
    "error": {
        "code": 403,
        "message": "The request cannot be completed because you have exceeded your "
        '<a href="/youtube/v3/getting-started#quota">quota</a>.',
        "errors": [
            {
                "message": "The request cannot be completed because you have exceeded your "
                '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                "domain": "youtube.quota",
                "reason": "quotaExceeded",
            }
        ],
    }
}


@dataclass
class Session:
    size: int
    mime: str
    resource: dict[str, Any]
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None


@dataclass
class Google:
    """The stand-in's state, shared by its handler threads; tests read it."""

    base: str = ""
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)  # access token -> refresh token
    refresh: set[str] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    sessions: dict[str, Session] = field(default_factory=dict)
    videos: dict[str, Session] = field(default_factory=dict)
    plan: dict[int, str] = field(default_factory=dict)
    chunk_puts: int = 0
    log: list[str] = field(default_factory=list)  # "METHOD path header-of-interest"
    token_lifetime: int = 3600
    lock: threading.Lock = field(default_factory=threading.Lock)

    def consent(self, authorization_url: str) -> str:
        """What Google's consent page does when the owner agrees: the redirect URL, with
        a code bound to the PKCE challenge and redirect URI it was given."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        assert query["client_id"] == CLIENT_ID
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        assert query["access_type"] == "offline"
        assert "youtube.upload" in query["scope"]
        code = "4/" + secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
        }
        return f"{query['redirect_uri']}?{urlencode({'state': query['state'], 'code': code})}"

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access.clear()

    def revoke_all(self) -> None:
        with self.lock:
            self.revoked |= self.refresh
            self.access.clear()

    def issue(self, refresh: str) -> str:
        token = "ya29." + secrets.token_urlsafe(24)
        self.access[token] = refresh
        return token


class Handler(BaseHTTPRequestHandler):
    google: Google
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: Any) -> None:
        pass

    # -- plumbing ----------------------------------------------------------------------

    def _answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        with self.google.lock:
            ok = header.startswith("Bearer ") and token in self.google.access
        if not ok:
            self._answer(401, UNAUTHENTICATED, {"WWW-Authenticate": 'Bearer realm="google"'})
        return ok

    # -- routes ------------------------------------------------------------------------

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/token":
            self._token(parse_qs(self._body().decode()))
        elif path == "/revoke":
            self._revoke(parse_qs(self._body().decode()))
        elif path == "/upload/youtube/v3/videos":
            self._open_session()
        else:
            self._answer(404, {"error": {"code": 404, "message": "Not Found"}})

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        if split.path in (CONSENT_PATH, APPROVE_PATH):
            self._consent_page(split.path, split.query)
            return
        if split.path == "/youtube/v3/channels" and query.get("mine") == ["true"]:
            if self._authorized():
                self._answer(
                    200,
                    {
                        "kind": "youtube#channelListResponse",
                        "items": [
                            {
                                "kind": "youtube#channel",
                                "id": CHANNEL_ID,
                                "snippet": {"title": CHANNEL_TITLE},
                            }
                        ],
                    },
                )
            return
        self._answer(404, {"error": {"code": 404, "message": "Not Found"}})

    def _consent_page(self, path: str, query: str) -> None:
        """Google's consent page, for a browser: the page with an "Allow" button, and
        the button's answer, a redirect to the redirect URI with a code (as consent())."""
        if path == APPROVE_PATH:
            landed = self.google.consent(f"{self.google.base}{CONSENT_PATH}?{query}")
            self._answer(302, None, {"Location": landed})
            return
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Sign in - Google stand-in"
            "</title><h1>AutoClip wants to access your YouTube account</h1>"
            f'<p><a id="allow" href="{html.escape(APPROVE_PATH + "?" + query)}">Allow</a></p>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def do_PUT(self) -> None:
        split = urlsplit(self.path)
        upload_id = parse_qs(split.query).get("upload_id", [""])[0]
        if split.path != "/upload/youtube/v3/videos" or not upload_id:
            self._answer(404, {"error": {"code": 404, "message": "Not Found"}})
            return
        self._put(upload_id)

    # -- OAuth -------------------------------------------------------------------------

    def _token(self, form: dict[str, list[str]]) -> None:
        got = {k: v[0] for k, v in form.items()}
        if got.get("client_id") != CLIENT_ID or got.get("client_secret") != CLIENT_SECRET:
            self._answer(401, {"error": "invalid_client", "error_description": "Unauthorized"})
            return
        google = self.google
        body: dict[str, Any]
        with google.lock:
            if got.get("grant_type") == "authorization_code":
                issued = google.codes.pop(got.get("code", ""), None)
                verifier = got.get("code_verifier", "")
                digest = hashlib.sha256(verifier.encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if (
                    issued is None
                    or issued["challenge"] != challenge
                    or issued["redirect_uri"] != got.get("redirect_uri")
                ):
                    body = {"error": "invalid_grant", "error_description": "Bad Request"}
                    status = 400
                else:
                    refresh = "1//" + secrets.token_urlsafe(24)
                    google.refresh.add(refresh)
                    body = {
                        "access_token": google.issue(refresh),
                        "expires_in": google.token_lifetime,
                        "refresh_token": refresh,
                        "scope": "https://www.googleapis.com/auth/youtube.upload "
                        "https://www.googleapis.com/auth/youtube.readonly",
                        "token_type": "Bearer",
                    }
                    status = 200
            elif got.get("grant_type") == "refresh_token":
                refresh = got.get("refresh_token", "")
                if refresh not in google.refresh or refresh in google.revoked:
                    body = {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    }
                    status = 400
                else:
                    body = {
                        "access_token": google.issue(refresh),
                        "expires_in": google.token_lifetime,
                        "scope": "https://www.googleapis.com/auth/youtube.upload",
                        "token_type": "Bearer",
                    }
                    status = 200
            else:
                body, status = {"error": "unsupported_grant_type"}, 400
            google.log.append(f"POST /token {got.get('grant_type')} {status}")
        self._answer(status, body)

    def _revoke(self, form: dict[str, list[str]]) -> None:
        token = form.get("token", [""])[0]
        google = self.google
        with google.lock:
            if token in google.refresh and token not in google.revoked:
                google.revoked.add(token)
                for access, refresh in list(google.access.items()):
                    if refresh == token:
                        del google.access[access]
                found = True
            else:
                found = token in google.access
                google.access.pop(token, None)
        if found:
            self._answer(200, {})
        else:
            self._answer(400, {"error": "invalid_token", "error_description": "Bad Request"})

    # -- the upload --------------------------------------------------------------------

    def _open_session(self) -> None:
        google = self.google
        query = parse_qs(urlsplit(self.path).query)
        body = self._body()
        google.log.append(f"POST /upload {self.headers.get('X-Upload-Content-Length')}")
        if not self._authorized():
            return
        if query.get("uploadType") != ["resumable"] or "snippet" not in query.get("part", [""])[0]:
            self._answer(400, {"error": {"code": 400, "message": "uploadType must be resumable"}})
            return
        size = self.headers.get("X-Upload-Content-Length", "")
        mime = self.headers.get("X-Upload-Content-Type", "")
        if not size.isdigit() or not (
            mime.startswith("video/") or mime == "application/octet-stream"
        ):
            self._answer(400, {"error": {"code": 400, "message": "missing upload headers"}})
            return
        if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
            self._answer(400, {"error": {"code": 400, "message": "the body is JSON"}})
            return
        resource = json.loads(body)
        snippet = resource.get("snippet", {})
        if not snippet.get("title") or len(snippet["title"]) > 100:
            self._answer(400, {"error": {"code": 400, "errors": [{"reason": "invalidTitle"}]}})
            return
        upload_id = secrets.token_urlsafe(12)
        with google.lock:
            google.sessions[upload_id] = Session(int(size), mime, resource)
        location = (
            f"{google.base}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        )
        self._answer(200, None, {"Location": location, "X-GUploader-UploadID": upload_id})

    def _put(self, upload_id: str) -> None:
        google = self.google
        content_range = self.headers.get("Content-Range", "")
        length = int(self.headers.get("Content-Length") or 0)
        query = content_range.startswith("bytes */")
        fault = None
        if not query:
            with google.lock:
                google.chunk_puts += 1
                fault = google.plan.get(google.chunk_puts)
            if fault == "expire":
                google.expire_access_tokens()
        google.log.append(f"PUT {content_range}" + (f" [{fault}]" if fault else ""))
        with google.lock:
            session = google.sessions.get(upload_id)
        if fault == "gone" and session is not None:
            with google.lock:
                del google.sessions[upload_id]
            session = None
        if session is None:
            self._body()
            self._answer(404, {"error": {"code": 404, "message": "Not Found"}})
            return
        if fault == "cut":
            kept = self.rfile.read(length // 2)
            with google.lock:
                session.data += kept
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = self._body()
        if not self._authorized():
            return
        if fault == "503":
            self._answer(503, {"error": {"code": 503, "message": "Backend Error"}})
            return
        if fault == "quota":
            self._answer(403, QUOTA_EXCEEDED)
            return
        if not query:
            first, _, total = content_range.removeprefix("bytes ").partition("/")
            start = int(first.split("-")[0])
            if int(total) != session.size or start != len(session.data):
                self._incomplete(session)  # out of step: say what is here
                return
            with google.lock:
                session.data += body
        if len(session.data) >= session.size:
            self._finish(upload_id, session)
        else:
            self._incomplete(session)

    def _incomplete(self, session: Session) -> None:
        headers: dict[str, str] = {}
        if session.data:
            headers["Range"] = f"bytes=0-{len(session.data) - 1}"
        self._answer(308, None, headers)

    def _finish(self, upload_id: str, session: Session) -> None:
        google = self.google
        with google.lock:
            if session.video_id is None:
                session.video_id = secrets.token_urlsafe(8)[:11]
                google.videos[session.video_id] = session
        resource = {
            "kind": "youtube#video",
            "id": session.video_id,
            "snippet": {**session.resource.get("snippet", {}), "channelId": CHANNEL_ID},
            "status": {**session.resource.get("status", {}), "uploadStatus": "uploaded"},
        }
        self._answer(201, resource)


@contextmanager
def google_standin() -> Iterator[Google]:
    state = Google()
    handler = type("GoogleHandler", (Handler,), {"google": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def youtube_settings(base: str) -> dict[str, Any]:
    """Settings fields that point AutoClip at the stand-in."""
    return {
        "youtube_client_id": CLIENT_ID,
        "youtube_client_secret": CLIENT_SECRET,
        "youtube_api_base_url": base,
        "google_oauth_auth_url": f"{base}{CONSENT_PATH}",
        "google_oauth_token_url": f"{base}/token",
        "google_oauth_revoke_url": f"{base}/revoke",
        "youtube_redirect_uri": "http://127.0.0.1:1/callback",
        "outbound_allow": "127.0.0.1",
        "youtube_chunk_bytes": 256 * 1024,
    }
