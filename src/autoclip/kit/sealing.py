"""Secrets kept in the database, encrypted: OAuth tokens, webhook signing secrets.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with a list of keys: the first
encrypts, all of them decrypt, so a key can be rotated while old rows stay readable. A
row read with an old key is re-sealed with the new one the next time it is written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Derived keys are bound to this purpose: the same secret key signs tokens (HS256) too.
_PURPOSE = b"autoclip: secrets at rest"


class UnreadableSecret(Exception):
    """A sealed value no configured key opens (the key was changed without keeping it)."""


def derive_key(secret: str) -> bytes:
    """A Fernet key from a service secret (HMAC-SHA256 as the extract step of HKDF)."""
    digest = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)


def new_key() -> str:
    return Fernet.generate_key().decode()


class Sealer:
    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("no encryption key")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError:
            raise ValueError(
                "AUTOCLIP_ENCRYPTION_KEY is not a Fernet key (32 bytes, URL-safe base64): "
                "make one with `autoclip keys encryption`"
            ) from None

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret(
                "a stored secret cannot be decrypted with the keys given"
            ) from None
