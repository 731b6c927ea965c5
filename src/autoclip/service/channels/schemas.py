"""What the channel routes take and give."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from autoclip.service.models import ChannelStatus
from autoclip.service.schemas import Input, Output


class ConnectStarted(Output):
    authorization_url: str = Field(description="Open this in a browser, as the channel's owner.")
    redirect_uri: str = Field(description="Where Google sends the browser back.")
    expires_at: datetime = Field(description="The consent must be given before this.")


class ConnectFinish(Input):
    redirect_url: str = Field(
        min_length=1,
        max_length=8000,
        description="The whole address Google's consent page sent the browser to.",
    )


class ChannelOut(Output):
    id: uuid.UUID
    channel_id: str = Field(description="YouTube's id of the channel.")
    title: str
    status: ChannelStatus
    error: str | None = Field(description="Why a disconnected channel cannot be used.")
    created_at: datetime
    updated_at: datetime


class ChannelRemoved(Output):
    revoked: bool = Field(description="Whether Google confirmed the grant is revoked.")
