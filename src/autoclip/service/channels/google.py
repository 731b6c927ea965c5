"""Google's OAuth 2.0 for installed and web apps, as its documentation gives it: the
authorization-code flow with PKCE (RFC 7636, S256), the token endpoint for the code
exchange and for refreshes, the revocation endpoint, and `channels.list?mine=true` to learn
which channel the tokens are for.

Every call goes through `kit/outbound.py` (the base URLs are settings a deployment can
point anywhere). Errors say what the owner of the channel can do about them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from autoclip.kit.outbound import Fetched, OutboundError, fetch
from autoclip.service.db import utcnow
from autoclip.settings import Settings

# Upload, and read the channel's id and name (channels.list mine=true).
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
)
# A token this close to its expiry is refreshed before use: an upload must not start
# with a token that dies after its first chunk.
EXPIRY_MARGIN = timedelta(seconds=120)


class GoogleError(Exception):
    """A call to Google failed; the message is fit for the channel's owner."""


class GoogleUnavailable(GoogleError):
    """Google could not be reached or answered 5xx: worth trying again later."""


class GrantRevoked(GoogleError):
    """The refresh token is no good (`invalid_grant`): the owner must connect again."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None  # only on the code exchange (access_type=offline)
    expires_at: datetime
    scope: str

    def expiring(self) -> bool:
        return self.expires_at - EXPIRY_MARGIN <= utcnow()


@dataclass(frozen=True)
class ChannelInfo:
    channel_id: str
    title: str


def pkce_pair() -> tuple[str, str]:
    """A code verifier (43 characters of the unreserved set) and its S256 challenge."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(settings: Settings, state: str, challenge: str, redirect_uri: str) -> str:
    query = {
        "client_id": settings.youtube_client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "access_type": "offline",  # a refresh token: publishing happens while nobody watches
        "prompt": "consent",  # and a new one on every connect, even a repeated one
        "include_granted_scopes": "true",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{settings.google_oauth_auth_url}?{urlencode(query)}"


def exchange_code(settings: Settings, code: str, verifier: str, redirect_uri: str) -> Tokens:
    answer = _token_call(
        settings,
        {
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
            "grant_type": "authorization_code",
        },
    )
    tokens = _tokens(answer, None)
    if tokens.refresh_token is None:
        raise GoogleError(
            "Google gave no refresh token; remove AutoClip's access and connect again"
        )
    return tokens


def refresh(settings: Settings, refresh_token: str) -> Tokens:
    answer = _token_call(settings, {"refresh_token": refresh_token, "grant_type": "refresh_token"})
    return _tokens(answer, refresh_token)


def revoke(settings: Settings, token: str) -> None:
    """Revoke the grant (a refresh token revokes its access tokens too). A token Google no
    longer knows counts as revoked."""
    answer = _call(
        settings,
        settings.google_oauth_revoke_url,
        method="POST",
        form={"token": token},
    )
    if answer.status != 200 and _oauth_error(answer) != "invalid_token":
        raise GoogleError(f"Google did not revoke the token (HTTP {answer.status})")


def my_channel(settings: Settings, access_token: str) -> ChannelInfo:
    url = f"{settings.youtube_api_base_url.rstrip('/')}/youtube/v3/channels?part=snippet&mine=true"
    answer = _call(settings, url, headers={"Authorization": f"Bearer {access_token}"})
    if answer.status != 200:
        raise GoogleError(
            f"could not read the channel (HTTP {answer.status}: {api_reason(answer)})"
        )
    items = _json(answer).get("items") or []
    if not items:
        raise GoogleError("this Google account has no YouTube channel; create one first")
    first = items[0]
    return ChannelInfo(str(first["id"]), str(first.get("snippet", {}).get("title", "")))


def api_reason(answer: Fetched) -> str:
    """The `reason` of a Google API error body ({"error": {"errors": [{"reason": …}]}})."""
    error = _json(answer).get("error")
    if isinstance(error, dict):
        for item in error.get("errors") or []:
            if isinstance(item, dict) and item.get("reason"):
                return str(item["reason"])
        if error.get("status"):
            return str(error["status"])
    return "no reason given"


def _token_call(settings: Settings, form: dict[str, str]) -> dict[str, Any]:
    secret = settings.youtube_client_secret
    form = {
        **form,
        "client_id": settings.youtube_client_id,
        "client_secret": secret.get_secret_value() if secret else "",
    }
    answer = _call(settings, settings.google_oauth_token_url, method="POST", form=form)
    if answer.status == 200:
        return _json(answer)
    reason = _oauth_error(answer)
    if reason == "invalid_grant":
        raise GrantRevoked(
            "Google no longer accepts this channel's authorization (revoked, or expired "
            "unused): connect the channel again"
        )
    if answer.status >= 500:
        raise GoogleUnavailable(f"Google's token endpoint answered HTTP {answer.status}")
    raise GoogleError(f"Google refused the token request ({reason or f'HTTP {answer.status}'})")


def _tokens(answer: dict[str, Any], refresh_token: str | None) -> Tokens:
    try:
        access = str(answer["access_token"])
        lifetime = int(answer.get("expires_in", 3600))
    except (KeyError, TypeError, ValueError):
        raise GoogleError("Google's token answer has no access token") from None
    return Tokens(
        access_token=access,
        refresh_token=str(answer.get("refresh_token") or refresh_token or "") or None,
        expires_at=utcnow() + timedelta(seconds=lifetime),
        scope=str(answer.get("scope", "")),
    )


def _call(
    settings: Settings,
    url: str,
    *,
    method: str = "GET",
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    sent = dict(headers or {})
    body = None
    if form is not None:
        body = urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        return fetch(
            url,
            settings.outbound_policy(),
            method=method,
            headers=sent,
            content=body,
            deadline_s=settings.youtube_timeout_s,
            follow_redirects=False,
        )
    except OutboundError as error:
        raise GoogleUnavailable(f"Google could not be reached: {error}") from None


def _json(answer: Fetched) -> dict[str, Any]:
    try:
        parsed = json.loads(answer.body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _oauth_error(answer: Fetched) -> str | None:
    error = _json(answer).get("error")
    return error if isinstance(error, str) else None
