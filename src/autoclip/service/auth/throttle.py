"""Failed sign-ins slow the one guessing, never lock out the owner.

An account lock lets anyone lock anyone out (five wrong passwords) and tells which emails
exist. Instead failures are counted in a window per client and email pair, and per
client: a client that keeps failing waits, while the owner signing in from another client
is let through. A hard-targeted account (many failures from many clients) gives each
client one try instead of several. Everything is keyed on the email as typed, so an
unknown email is throttled exactly like a real one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from autoclip.service.problems import TooManyRequests
from autoclip.service.ratelimit import RateLimiter
from autoclip.settings import AuthSettings


def _email_key(email: str) -> str:
    # Hashed: rate-limit keys live in Redis, which need not learn the emails people tried.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


@dataclass(frozen=True)
class LoginThrottle:
    limiter: RateLimiter
    policy: AuthSettings

    @property
    def _window(self) -> int:
        return self.policy.lockout_minutes * 60

    def _keys(self, client: str, email: str) -> tuple[str, str, str]:
        account = _email_key(email)
        return f"login:pair:{client}:{account}", f"login:client:{client}", f"login:acct:{account}"

    def check(self, client: str, email: str) -> None:
        """Refuse (429) a client that has failed too often, before its password is checked."""
        pair, by_client, account = self._keys(client, email)
        targeted = not self.limiter.peek(
            account, self.policy.failures_per_account, self._window
        ).allowed
        per_pair = 1 if targeted else self.policy.max_failed_logins
        for key, limit in ((pair, per_pair), (by_client, self.policy.failures_per_client)):
            decision = self.limiter.peek(key, limit, self._window)
            if not decision.allowed:
                raise TooManyRequests(
                    f"too many failed sign-ins from this address; try again in "
                    f"{decision.reset_in} s",
                    headers={"Retry-After": str(decision.reset_in)},
                )

    def failed(self, client: str, email: str) -> None:
        for key in self._keys(client, email):
            self.limiter.hit(key, 0, self._window)

    def succeeded(self, client: str, email: str) -> None:
        """A client that signs in is forgiven its typos (not the account's other failures)."""
        pair, _, _ = self._keys(client, email)
        self.limiter.forget(pair, self._window)
