"""Every query and change of connected YouTube channels."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from autoclip.service.db import changed_rows, utcnow
from autoclip.service.models import ChannelStatus, YouTubeChannel


class ChannelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def owned(self, user_id: uuid.UUID, channel_id: uuid.UUID) -> YouTubeChannel | None:
        """The user's channel; None for another user's (never told apart)."""
        channel = self.session.get(YouTubeChannel, channel_id)
        return channel if channel is not None and channel.user_id == user_id else None

    def get(self, channel_id: uuid.UUID) -> YouTubeChannel | None:
        return self.session.get(YouTubeChannel, channel_id)

    def of_user(self, user_id: uuid.UUID) -> list[YouTubeChannel]:
        return list(
            self.session.scalars(
                select(YouTubeChannel)
                .where(YouTubeChannel.user_id == user_id)
                .order_by(YouTubeChannel.created_at, YouTubeChannel.id)
            )
        )

    def save(
        self,
        user_id: uuid.UUID,
        youtube_id: str,
        title: str,
        access_token: str,
        refresh_token: str,
        expires_at: datetime,
        scope: str,
    ) -> YouTubeChannel:
        """Connect (or connect again) the user's channel `youtube_id` with new tokens."""
        channel = self.session.execute(
            select(YouTubeChannel).where(
                YouTubeChannel.user_id == user_id, YouTubeChannel.channel_id == youtube_id
            )
        ).scalar_one_or_none()
        if channel is None:
            channel = YouTubeChannel(id=uuid.uuid4(), user_id=user_id, channel_id=youtube_id)
            self.session.add(channel)
        channel.title = title
        channel.access_token = access_token
        channel.refresh_token = refresh_token
        channel.token_expires_at = expires_at
        channel.scope = scope
        channel.status = ChannelStatus.CONNECTED
        channel.error = None
        channel.updated_at = utcnow()
        self.session.flush()
        return channel

    def store_access_token(
        self, channel_id: uuid.UUID, sealed: str, expires_at: datetime, refresh: str | None
    ) -> None:
        values: dict[str, object] = {
            "access_token": sealed,
            "token_expires_at": expires_at,
            "updated_at": utcnow(),
        }
        if refresh is not None:  # Google may hand out a new refresh token; keep the newest
            values["refresh_token"] = refresh
        self.session.execute(
            update(YouTubeChannel).where(YouTubeChannel.id == channel_id).values(**values)
        )

    def disconnect(self, channel_id: uuid.UUID, reason: str) -> bool:
        """Mark a connected channel as no longer usable, with why; once."""
        return (
            changed_rows(
                self.session,
                update(YouTubeChannel)
                .where(
                    YouTubeChannel.id == channel_id,
                    YouTubeChannel.status == ChannelStatus.CONNECTED,
                )
                .values(status=ChannelStatus.DISCONNECTED, error=reason, updated_at=utcnow()),
            )
            == 1
        )

    def remove(self, channel: YouTubeChannel) -> None:
        self.session.delete(channel)
        self.session.flush()
