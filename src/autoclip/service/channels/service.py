"""Connecting a YouTube channel (OAuth with PKCE), keeping its tokens fresh, and letting go.

The PKCE verifier and who asked travel inside `state`, sealed (kit/sealing.py): nothing is
stored until Google sends the browser back, and a state cannot be read or forged on the
way. Tokens are sealed at rest. A refresh token Google refuses (`invalid_grant`) marks
the channel disconnected, with the reason its owner sees, and no publish retries it.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session

from autoclip.kit.sealing import Sealer, UnreadableSecret
from autoclip.service.auth.callers import Account
from autoclip.service.channels import google
from autoclip.service.channels.repository import ChannelRepository
from autoclip.service.db import Database, utcnow
from autoclip.service.models import ChannelStatus, YouTubeChannel
from autoclip.service.problems import Conflict, Forbidden, NotFound, Unavailable
from autoclip.service.publishing.repository import QuotaRepository, quota_day
from autoclip.settings import Settings

STATE_MINUTES = 15
log = logging.getLogger("autoclip.channels")


class SignInRefused(Forbidden):
    """An answer from Google's consent page that grants nothing: not a sign-in AutoClip
    started, too late, another account's, or a code Google refuses. The state is this
    route's credential, so: 403."""


class ChannelUnusable(Exception):
    """The channel cannot be published to until its owner connects it again."""


def start_connect(
    settings: Settings, sealer: Sealer, user_id: uuid.UUID, redirect_uri: str | None = None
) -> tuple[str, str, datetime]:
    """The consent page's URL, the redirect URI it names, and until when it works."""
    if not settings.youtube_client_id or settings.youtube_client_secret is None:
        raise Conflict(
            "YouTube publishing is not configured here: the operator sets "
            "AUTOCLIP_YOUTUBE_CLIENT_ID and AUTOCLIP_YOUTUBE_CLIENT_SECRET"
        )
    redirect = redirect_uri or settings.effective_youtube_redirect_uri()
    if not redirect.startswith(("http://", "https://")):
        raise Conflict("no redirect URI: the operator sets AUTOCLIP_YOUTUBE_REDIRECT_URI")
    verifier, challenge = pkce_pair()
    expires = utcnow() + timedelta(minutes=STATE_MINUTES)
    state = sealer.seal(
        json.dumps({"u": str(user_id), "v": verifier, "r": redirect, "e": expires.timestamp()})
    )
    return google.authorization_url(settings, state, challenge, redirect), redirect, expires


pkce_pair = google.pkce_pair


def finish_connect(
    session: Session,
    settings: Settings,
    sealer: Sealer,
    code: str,
    state: str,
    user_id: uuid.UUID | None = None,
) -> YouTubeChannel:
    """Exchange the code (with the verifier from `state`) for tokens, learn the channel,
    store it. `user_id`: the caller, who must be who started (None: the state says who)."""
    try:
        started = json.loads(sealer.open(state))
        owner = uuid.UUID(started["u"])
        verifier, redirect, expires = str(started["v"]), str(started["r"]), float(started["e"])
    except (UnreadableSecret, ValueError, KeyError, TypeError):
        raise SignInRefused("this is not a sign-in AutoClip started", field="state") from None
    if utcnow().timestamp() > expires:
        raise SignInRefused("the consent took too long: start connecting again", field="state")
    if user_id is not None and owner != user_id:
        raise SignInRefused("this sign-in was started by another account", field="state")
    try:
        tokens = google.exchange_code(settings, code, verifier, redirect)
        info = google.my_channel(settings, tokens.access_token)
    except google.GoogleUnavailable as error:
        raise Unavailable(str(error)) from None
    except google.GoogleError as error:
        raise SignInRefused(str(error), field="code") from None
    assert tokens.refresh_token is not None
    # channels.list costs a unit of the day's quota; counted (Google enforces it anyway).
    QuotaRepository(session).spend(quota_day(), "units", 1, 2**31 - 1)
    return ChannelRepository(session).save(
        owner,
        info.channel_id,
        info.title,
        sealer.seal(tokens.access_token),
        sealer.seal(tokens.refresh_token),
        tokens.expires_at,
        tokens.scope,
    )


def finish_from_redirect(
    session: Session, settings: Settings, sealer: Sealer, redirect_url: str, user_id: uuid.UUID
) -> YouTubeChannel:
    """`autoclip youtube connect`: the address the browser landed on, pasted back."""
    query = parse_qs(urlsplit(redirect_url.strip()).query)
    if "error" in query:
        raise SignInRefused(f"Google said: {query['error'][0]}", field="redirect_url")
    if "code" not in query or "state" not in query:
        raise SignInRefused("the address has no code and state from Google", field="redirect_url")
    return finish_connect(
        session, settings, sealer, query["code"][0], query["state"][0], user_id=user_id
    )


def list_channels(session: Session, user: Account) -> list[YouTubeChannel]:
    return ChannelRepository(session).of_user(user.id)


def get_channel(session: Session, user: Account, channel_id: uuid.UUID) -> YouTubeChannel:
    channel = ChannelRepository(session).owned(user.id, channel_id)
    if channel is None:
        raise NotFound("no such channel")
    return channel


def remove_channel(
    session: Session, settings: Settings, sealer: Sealer, user: Account, channel_id: uuid.UUID
) -> bool:
    """Revoke the grant at Google and forget the channel. Whether Google confirmed: the
    channel is forgotten either way (its tokens go with the row)."""
    channel = get_channel(session, user, channel_id)
    revoked = False
    try:
        google.revoke(settings, sealer.open(channel.refresh_token))
        revoked = True
    except (google.GoogleError, UnreadableSecret) as error:
        log.warning("channel %s: revoking at Google failed: %s", channel.id, error)
    ChannelRepository(session).remove(channel)
    return revoked


def access_token(
    db: Database, settings: Settings, sealer: Sealer, channel_id: uuid.UUID, *, force: bool
) -> str:
    """A working access token for the channel: the stored one, or (expiring, or `force`:
    YouTube refused it) a refreshed one, stored. Raises ChannelUnusable for a channel
    that is gone or disconnected, marking it so when Google refuses the grant."""
    with db.session(write=False) as session:
        channel = ChannelRepository(session).get(channel_id)
        if channel is None:
            raise ChannelUnusable("the channel was removed")
        if channel.status is not ChannelStatus.CONNECTED:
            raise ChannelUnusable(f"the channel is disconnected: {channel.error}")
        expiring = channel.token_expires_at - google.EXPIRY_MARGIN <= utcnow()
        try:
            current = sealer.open(channel.access_token)
            refresh_token = sealer.open(channel.refresh_token)
        except UnreadableSecret as error:
            raise ChannelUnusable(f"{error}: connect the channel again") from None
    if not (force or expiring):
        return current
    try:
        tokens = google.refresh(settings, refresh_token)
    except google.GrantRevoked as revoked:
        with db.session() as session:
            ChannelRepository(session).disconnect(channel_id, str(revoked))
        raise ChannelUnusable(str(revoked)) from None
    with db.session() as session:
        newer = tokens.refresh_token if tokens.refresh_token != refresh_token else None
        ChannelRepository(session).store_access_token(
            channel_id,
            sealer.seal(tokens.access_token),
            tokens.expires_at,
            sealer.seal(newer) if newer else None,
        )
    log.info("channel %s: access token refreshed", channel_id)
    return tokens.access_token
