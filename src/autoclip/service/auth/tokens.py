"""Passwords, access tokens, refresh tokens, API keys and signed download links.

Passwords use Argon2id (memory-hard). Refresh tokens and API keys are random secrets the
client keeps; the database holds only their SHA-256, which is enough because they carry
256 bits of entropy (no dictionary to attack) and lets a lookup be one indexed query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "ak_"
VERIFIED_KEPT = 10_000  # access tokens whose signature was checked, kept per process
STREAM_TICKET_SECONDS = 60
_hasher = PasswordHasher()  # Argon2id, 64 MiB, 3 passes: the library's RFC 9106 profile
# A real hash to verify against when the email is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# A studio session (the browser's HttpOnly cookie) is a refresh token of its own kind:
# its prefix is part of the secret (only the hash is stored), so neither kind can be
# made into the other, and each path accepts its own (auth/service.py).
BROWSER_SESSION_PREFIX = "bs_"


def new_refresh_token(browser: bool = False) -> str:
    secret = secrets.token_urlsafe(32)
    return BROWSER_SESSION_PREFIX + secret if browser else secret


def is_browser_session(token: str) -> bool:
    return token.startswith(BROWSER_SESSION_PREFIX)


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


class TokenExpired(ValueError):
    """A token signed by us whose time is up."""


class TokenInvalid(ValueError):
    """A token not signed by us, malformed, or made for another purpose."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    expires_at: datetime
    # When the user last typed their password: refreshed tokens keep their login's time.
    auth_time: datetime


class TokenSigner:
    """HS256 JWT access tokens and HMAC-signed, expiring download links.

    Signs with the first key and accepts any of them: after `autoclip keys rotate` the
    retired key keeps working until what it signed has expired, so nobody is logged out.
    """

    def __init__(self, secret_keys: list[str], access_minutes: int = 15) -> None:
        if not secret_keys or not all(secret_keys):
            raise ValueError("at least one non-empty secret key is needed")
        self._key = secret_keys[0]
        self._keys = secret_keys
        self.access_ttl = timedelta(minutes=access_minutes)
        # A token is the same bytes on every request of its client: its signature is checked
        # once (about a fifth of a cached read's CPU), then only its expiry.
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._verified_lock = threading.Lock()

    def access_token(self, user_id: uuid.UUID, auth_time: datetime) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "type": "access",
            "auth_time": int(auth_time.timestamp()),
            "iat": int(now.timestamp()),
            "exp": int((now + self.access_ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def read_access_token(self, token: str) -> AccessClaims | None:
        with self._verified_lock:
            claims = self._verified.get(token)
            if claims is not None:
                if time.time() < claims.expires_at.timestamp():
                    self._verified.move_to_end(token)
                    return claims
                del self._verified[token]
        claims = self._check_access_token(token)
        if claims is not None:
            with self._verified_lock:
                self._verified[token] = claims
                while len(self._verified) > VERIFIED_KEPT:
                    self._verified.popitem(last=False)
        return claims

    def _check_access_token(self, token: str) -> AccessClaims | None:
        for key in self._keys:
            try:
                claims = jwt.decode(
                    token, key, algorithms=["HS256"], options={"require": ["exp", "sub"]}
                )
            except jwt.InvalidSignatureError:
                continue  # perhaps signed with a retired key
            except (jwt.PyJWTError, ValueError):
                return None
            if claims.get("type") != "access":
                return None
            try:
                user_id = uuid.UUID(claims["sub"])
            except (ValueError, TypeError):
                return None
            # Tokens signed before auth_time existed count as signed in when issued.
            auth_time = claims.get("auth_time", claims.get("iat", 0))
            return AccessClaims(
                user_id,
                datetime.fromtimestamp(claims["exp"], UTC),
                datetime.fromtimestamp(int(auth_time), UTC),
            )
        return None

    def stream_ticket(self, user_id: uuid.UUID, content_id: uuid.UUID) -> str:
        """A ticket for one content's event stream, for a minute: what a browser's
        EventSource (which cannot send headers) puts in its URL instead of a token, so an
        access token never lands in proxy logs."""
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "type": "stream",
            "cid": str(content_id),
            "iat": now,
            "exp": now + STREAM_TICKET_SECONDS,
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def read_stream_ticket(self, ticket: str, content_id: uuid.UUID) -> uuid.UUID | None:
        """The user a ticket was given to, if it is valid for this content's stream."""
        for key in self._keys:
            try:
                claims = jwt.decode(
                    ticket, key, algorithms=["HS256"], options={"require": ["exp", "sub", "cid"]}
                )
            except jwt.InvalidSignatureError:
                continue
            except (jwt.PyJWTError, ValueError):
                return None
            if claims.get("type") != "stream" or claims.get("cid") != str(content_id):
                return None
            try:
                return uuid.UUID(claims["sub"])
            except (ValueError, TypeError):
                return None
        return None

    def purpose_token(
        self, purpose: str, subject: str, ttl: timedelta, claims: dict[str, str]
    ) -> str:
        """A signed, expiring token good for `purpose` only (an email verification link):
        its `type` keeps it from ever being read as an access token or a ticket."""
        now = int(time.time())
        body = {**claims, "sub": subject, "type": purpose, "iat": now,
                "exp": now + int(ttl.total_seconds()), "jti": uuid.uuid4().hex}  # fmt: skip
        return jwt.encode(body, self._key, algorithm="HS256")

    def read_purpose_token(self, token: str, purpose: str) -> dict[str, Any]:
        """The claims of a token `purpose_token` made for `purpose`; TokenExpired or
        TokenInvalid otherwise (expiry is only told for a token we signed)."""
        for key in self._keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token, key, algorithms=["HS256"], options={"require": ["exp", "sub", "type"]}
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.ExpiredSignatureError:
                raise TokenExpired(purpose) from None
            except (jwt.PyJWTError, ValueError):
                raise TokenInvalid(purpose) from None
            if claims.get("type") != purpose:
                raise TokenInvalid(purpose)
            return claims
        raise TokenInvalid(purpose)

    def form_token(self, nonce: str) -> str:
        """The studio's anti-forgery token for a browser's nonce (studio/session.py): a
        form posted from another site has the cookie but cannot know this."""
        return _form_signature(self._key, nonce)

    def check_form_token(self, nonce: str, token: str) -> bool:
        return any(hmac.compare_digest(_form_signature(k, nonce), token) for k in self._keys)

    def sign_download(self, key: str, expires_in: int) -> tuple[int, str]:
        expires = int(time.time()) + expires_in
        return expires, _download_signature(self._key, key, expires)

    def check_download(self, key: str, expires: int, signature: str) -> bool:
        if expires < time.time():
            return False
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
        given = signature.encode("utf-8", "replace")
        return any(
            hmac.compare_digest(_download_signature(secret, key, expires).encode(), given)
            for secret in self._keys
        )


def _download_signature(secret: str, key: str, expires: int) -> str:
    message = f"download\n{key}\n{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _form_signature(secret: str, nonce: str) -> str:
    message = f"studio-form:{nonce}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
