"""Who is calling, without a database read on every request.

A signed access token names its user; what a request needs of that user (the id, the
plan, whether the account is active or an operator) is a `Caller`, kept per process for a
few seconds (`AUTOCLIP_AUTH__CALLER_CACHE_SECONDS`). So a deactivated account, a changed
plan or a revoked operator right reaches every API process within those seconds, and
most requests read no user row. Whatever needs the user's changing state (the credit
balance, the password hash) reads the row itself.

`Account` is what the services take: a `Caller` and a `User` row both are one.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from autoclip.service.models import User

MAX_CACHED = 10_000  # callers kept per process; the least recently seen go first


class Account(Protocol):
    """The user as the services need it: who, on which plan, with which rights."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def plan_id(self) -> str: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_admin(self) -> bool: ...


@dataclass(frozen=True)
class Caller:
    """A snapshot of a user's row, as it was when the cache read it."""

    id: uuid.UUID
    email: str
    name: str
    plan_id: str
    is_active: bool
    is_admin: bool
    email_verified: bool  # False: the account may not be used yet (verification.py)

    @classmethod
    def of(cls, user: User) -> Caller:
        return cls(user.id, user.email, user.name, user.plan_id, user.is_active, user.is_admin,
                   user.email_verified_at is not None)  # fmt: skip


class CallerCache:
    """Callers by user id for `seconds`, then read again; thread-safe. `clock` is
    injectable so a test moves time instead of waiting."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[uuid.UUID, tuple[float, Caller | None]] = OrderedDict()

    def fresh(self, user_id: uuid.UUID) -> tuple[bool, Caller | None]:
        """(True, the caller) while the cache holds a fresh entry (None: no such user);
        (False, None) when the row must be read."""
        with self._lock:
            found = self._entries.get(user_id)
            if found is None or found[0] <= self._clock():
                return False, None
            self._entries.move_to_end(user_id)
            return True, found[1]

    def get(self, user_id: uuid.UUID, load: Callable[[], User | None]) -> Caller | None:
        """The caller, from the cache while fresh, else from `load()` (None: no such user,
        which is remembered as briefly as a found one)."""
        now = self._clock()
        hit, cached = self.fresh(user_id)
        if hit:
            return cached
        user = load()
        caller = Caller.of(user) if user is not None else None
        if self._seconds > 0:
            with self._lock:
                self._entries[user_id] = (now + self._seconds, caller)
                self._entries.move_to_end(user_id)
                while len(self._entries) > MAX_CACHED:
                    self._entries.popitem(last=False)
        return caller

    def forget(self, user_id: uuid.UUID) -> None:
        """Drop a user this process just changed, so its next request reads the row."""
        with self._lock:
            self._entries.pop(user_id, None)
