"""Every query and every conditional change of the accounts' tables: users, refresh tokens
(one family per sign-in) and API keys.

A move that decides something (verifying an email, using a refresh token) is one
conditional UPDATE that says whether it landed, so two requests at once cannot both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from autoclip.service.db import changed_rows
from autoclip.service.models import ApiKey, RefreshToken, User


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: uuid.UUID) -> User | None:
        return self.session.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        """The account of `email` (compared in lower case, as stored)."""
        return self.session.execute(
            select(User).where(User.email == email.strip().lower())
        ).scalar_one_or_none()

    def add(self, user: User) -> None:
        """Insert `user`; an IntegrityError at the flush if the email has an account."""
        self.session.add(user)
        self.session.flush()

    def verify(self, user_id: uuid.UUID, now: datetime, password_hash: str | None) -> bool:
        """Mark the email verified if nobody did (and, when given, the password is still
        `password_hash`); True when this call did."""
        condition = [User.id == user_id, User.email_verified_at.is_(None)]
        if password_hash is not None:
            condition.append(User.password_hash == password_hash)
        done = update(User).where(*condition).values(email_verified_at=now)
        return changed_rows(self.session, done) == 1

    def set_admin(self, email: str, is_admin: bool) -> bool:
        """Give or take the operator's right of the account of `email` (as typed, in lower
        case); False when no account has it."""
        changed = update(User).where(User.email == email.lower()).values(is_admin=is_admin)
        return changed_rows(self.session, changed) == 1

    def remove_unverified(self, signed_up_before: datetime) -> int:
        """Delete the accounts never verified that signed up before the time; how many."""
        gone = delete(User).where(
            User.email_verified_at.is_(None), User.created_at < signed_up_before
        )
        return changed_rows(self.session, gone)


class TokenRepository:
    """Refresh tokens, found by the hash of their secret (the secret is never stored)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: RefreshToken) -> None:
        self.session.add(token)

    def by_hash(self, token_hash: str) -> RefreshToken | None:
        return self.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        ).scalar_one_or_none()

    def unused(self, token_hash: str, now: datetime) -> RefreshToken | None:
        """The token if it is neither revoked, used nor expired."""
        return self.session.execute(
            select(RefreshToken).where(
                RefreshToken.token_hash == token_hash,
                RefreshToken.revoked_at.is_(None),
                RefreshToken.used_at.is_(None),
                RefreshToken.expires_at > now,
            )
        ).scalar_one_or_none()

    def use(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Mark the token used; False if it was used before (someone else has a copy)."""
        used = (
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        return changed_rows(self.session, used) == 1

    def family_began(self, family: uuid.UUID) -> datetime:
        """When the family's first token was made: the sign-in."""
        return self.session.execute(
            select(func.min(RefreshToken.created_at)).where(RefreshToken.family_id == family)
        ).scalar_one()

    def revoke_family(self, family: uuid.UUID, now: datetime) -> None:
        self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_all(self, user_id: uuid.UUID, now: datetime) -> int:
        """Revoke every live token of the user; how many sessions that ended."""
        ended = (
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return changed_rows(self.session, ended)


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of_user(self, user_id: uuid.UUID) -> Sequence[ApiKey]:
        """The user's keys, newest first (revoked ones too: the list says so)."""
        return self.session.scalars(
            select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at.desc())
        ).all()

    def owned(self, user_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        key = self.session.get(ApiKey, key_id)
        return key if key is not None and key.user_id == user_id else None

    def live(self, key_hash: str, now: datetime) -> ApiKey | None:
        """The key with this hash if it is neither revoked nor expired."""
        return self.session.execute(
            select(ApiKey).where(
                ApiKey.key_hash == key_hash,
                ApiKey.revoked_at.is_(None),
                or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
            )
        ).scalar_one_or_none()

    def touch(self, key_id: uuid.UUID, now: datetime) -> None:
        """Record the key's last use."""
        self.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))

    def add(self, key: ApiKey) -> None:
        self.session.add(key)
        self.session.flush()

    def revoke(self, key: ApiKey, now: datetime) -> None:
        """Revoke the key, unless it is already (the first revocation's time is kept)."""
        if key.revoked_at is None:
            key.revoked_at = now

    def revoke_all(self, user_id: uuid.UUID, now: datetime) -> None:
        self.session.execute(
            update(ApiKey)
            .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=now)
        )
