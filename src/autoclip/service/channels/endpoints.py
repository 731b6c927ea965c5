"""`/channels`: connect a YouTube channel (OAuth with PKCE), list, remove (revoking)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from autoclip.service.channels import service
from autoclip.service.channels.schemas import (
    ChannelOut,
    ChannelRemoved,
    ConnectFinish,
    ConnectStarted,
)
from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.openapi import problems

router = APIRouter(prefix="/channels", tags=["channels"])


@router.post(
    "/youtube/connect",
    responses=problems(409, s409="YouTube publishing is not configured on this server."),
)
def connect(user: CurrentUser, runtime: RuntimeDep) -> ConnectStarted:
    """Start connecting a channel: open `authorization_url` as the channel's owner; Google
    sends the browser back to the callback, which stores the channel."""
    url, redirect, expires = service.start_connect(runtime.settings, runtime.sealer, user.id)
    return ConnectStarted(authorization_url=url, redirect_uri=redirect, expires_at=expires)


@router.get(
    "/youtube/callback",
    responses=problems(
        403,
        503,
        s403="Not a sign-in AutoClip started, too late, or a code Google refused.",
        s503="Google could not be reached; try again.",
    ),
)
def callback(
    session: SessionDep,
    runtime: RuntimeDep,
    code: Annotated[str, Query(min_length=1, max_length=2000)],
    state: Annotated[str, Query(min_length=1, max_length=4000)],
) -> ChannelOut:
    """Where Google sends the browser back. No sign-in needed: the sealed `state` says who
    started, and only AutoClip can make one."""
    channel = service.finish_connect(session, runtime.settings, runtime.sealer, code, state)
    return ChannelOut.model_validate(channel)


@router.post(
    "/youtube/finish",
    responses=problems(
        403,
        503,
        s403="Not a sign-in AutoClip started, too late, or a code Google refused.",
        s503="Google could not be reached; try again.",
    ),
)
def finish(
    data: ConnectFinish, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ChannelOut:
    """Finish with the address the browser landed on (when the callback cannot be
    reached, as with `autoclip youtube connect`)."""
    channel = service.finish_from_redirect(
        session, runtime.settings, runtime.sealer, data.redirect_url, user.id
    )
    return ChannelOut.model_validate(channel)


@router.get("")
def list_channels(user: CurrentUser, session: SessionDep) -> list[ChannelOut]:
    return [ChannelOut.model_validate(c) for c in service.list_channels(session, user)]


@router.get("/{channel_id}", responses=problems(404))
def get(channel_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ChannelOut:
    return ChannelOut.model_validate(service.get_channel(session, user, channel_id))


@router.delete("/{channel_id}", responses=problems(404))
def remove(
    channel_id: uuid.UUID, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ChannelRemoved:
    """Revoke AutoClip's access at Google and forget the channel."""
    revoked = service.remove_channel(session, runtime.settings, runtime.sealer, user, channel_id)
    return ChannelRemoved(revoked=revoked)
