"""What a video's page shows of publishing: the publish form's choices and the video's
publications with their state in words. Read-only; the moves are in publish_pages.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from autoclip.service.auth.callers import Caller
from autoclip.service.channels import service as channels
from autoclip.service.models import ChannelStatus, Content, ContentStatus, Publication
from autoclip.service.publishing import service as publishing
from autoclip.service.publishing.repository import PUBLISH_STAGE
from autoclip.service.publishing.schemas import Privacy, PublicationOut
from autoclip.settings import Settings

# The zone a scheduled time is read in before the browser's script says its own.
DEFAULT_ZONE = {"ko": "Asia/Seoul", "en": "UTC"}


@dataclass
class PublishForm:
    """The publish form's values and its errors (after a refused post)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""


def youtube_configured(settings: Settings) -> bool:
    return bool(settings.youtube_client_id) and settings.youtube_client_secret is not None


def publishable(content: Content) -> bool:
    """As PublicationRepository.start decides: ready, or its last publish failed."""
    return content.status is ContentStatus.READY or (
        content.status is ContentStatus.FAILED and content.error_stage == PUBLISH_STAGE
    )


def waiting(publication: PublicationOut) -> str:
    """Why a publication in `publishing` is not being uploaded now: "quota", "retry" or ""."""
    if publication.status.value != "publishing" or publication.not_before is None:
        return ""
    return "quota" if "quota" in (publication.error or "") else "retry"


def live_state(publications: list[PublicationOut]) -> str:
    """What the page's script compares to know the page is out of date."""
    return ";".join(
        f"{p.id}:{p.status.value}:{p.not_before}:{p.bytes_confirmed}" for p in publications
    )


def publications_of(session: Session, user: Caller, content: Content) -> list[PublicationOut]:
    rows: list[Publication] = publishing.publications(session, user, content.id)
    return [PublicationOut.model_validate(p) for p in rows]


def publish_context(
    session: Session, settings: Settings, user: Caller, content: Content, language: str,
    form: PublishForm | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The video page's publishing part: its publications, and the form when it may be
    published (ready, or its last publish failed)."""
    shown = publications_of(session, user, content)
    everyone = channels.list_channels(session, user)
    connected = [c for c in everyone if c.status is ChannelStatus.CONNECTED]
    form = form or PublishForm()
    values = {
        "channel_id": str(connected[0].id) if connected else "",
        "privacy": Privacy.PRIVATE.value,
        "publish_at": "",
        "timezone": DEFAULT_ZONE.get(language, "UTC"),
        "made_for_kids": "",
    } | form.values
    return {
        "publications": shown,
        "publications_live": live_state(shown),
        "publish_open": publishable(content),
        "publish_channels": connected,
        "publish_stale": len(everyone) > len(connected),  # channels to connect again
        "publish_configured": youtube_configured(settings),
        "publish_values": values,
        "publish_errors": form.errors,
        "publish_problem": form.problem,
        "privacies": [p.value for p in Privacy],
        "waiting": waiting,
    }
