"""What a request was authenticated with: a signed-in session's token, or an API key and
its scopes. Decides what the caller may do beyond being the user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ApiScope(StrEnum):
    READ = "read"  # GET and HEAD
    WRITE = "write"  # everything else a key may do (never managing keys)


@dataclass(frozen=True)
class Credential:
    auth_time: datetime  # when the password was last typed (for a key: when it was made)
    api_key_id: uuid.UUID | None = None
    scopes: frozenset[ApiScope] = frozenset(ApiScope)
