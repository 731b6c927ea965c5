"""The Standard Webhooks format: `webhook-id`, `webhook-timestamp` and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the base64 part of a
`whsec_` secret), signed by the `standardwebhooks` package, the spec's own library.

During a secret rotation's overlap the header carries one signature per secret, space
separated, as the spec allows: a receiver that knows either one verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    """24 random bytes, as `whsec_` + base64 (the spec asks for 24 to 64)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def callback_secret(server_secret: str, user_id: uuid.UUID) -> str:
    """The secret a user's per-content callback URLs are signed with: derived from the
    server's signing key (HMAC-SHA256), so none is stored; shown by GET
    /webhooks/callback-secret (of the current key). Rotating the server's key changes it;
    deliveries are signed with the one of each key still accepted, so a receiver keeps
    verifying until the previous key is dropped (webhooks/service.py)."""
    digest = hmac.new(
        server_secret.encode(), b"autoclip webhook callback:" + user_id.bytes, hashlib.sha256
    ).digest()
    return PREFIX + base64.b64encode(digest[:24]).decode()


def signed_headers(
    signing_secrets: Sequence[str], message_id: str, sent_at: datetime, body: str
) -> dict[str, str]:
    signatures = [Webhook(s).sign(message_id, sent_at, body) for s in signing_secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
