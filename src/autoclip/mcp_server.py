"""`autoclip mcp`: a Model Context Protocol server on stdio (the official `mcp` SDK) that
lets an AI agent make, follow and publish shorts.

It is a client of the REST API, acting as the user of one API key
(`AUTOCLIP_API_URL`, `AUTOCLIP_API_KEY`): everything the API checks — scopes, credits,
rate limits, whose contents are whose — holds for the agent too, and the server can run
on another machine than AutoClip. Each tool answers with the API's JSON; an error answer
becomes a tool error carrying the API's problem detail.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

import httpx
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError

from autoclip.settings import Settings

INSTRUCTIONS = (
    "AutoClip makes narrated short videos from a topic, a text or a web page, and publishes "
    "them to YouTube. Create a content, follow its status (queued, processing, review, "
    "ready, publishing, published, failed) with get_content, then publish_content once it "
    "is ready. Each content costs one credit."
)


class Api:
    """The REST API as the key's user."""

    def __init__(self, base_url: str, key: str, timeout_s: float = 30.0) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {key}", "User-Agent": "autoclip-mcp"},
            timeout=timeout_s,
            trust_env=False,
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            answer = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ToolError(f"AutoClip could not be reached: {type(error).__name__}") from None
        body = answer.json() if answer.content else None
        if answer.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else answer.text[:500]
            fields = body.get("errors") if isinstance(body, dict) else None
            raise ToolError(f"HTTP {answer.status_code}: {detail}" + (
                f" {json.dumps(fields, ensure_ascii=False)}" if fields else ""
            ))  # fmt: skip
        return body


def build_server(api: Api) -> FastMCP:
    server = FastMCP("autoclip", instructions=INSTRUCTIONS)

    @server.tool()
    def create_content(
        generation_type: Literal["topic", "text", "url"],
        source: str,
        language: Literal["ko", "en"] | None = None,
        draft: bool = False,
        project_id: str | None = None,
        callback_url: str | None = None,
    ) -> dict[str, Any]:
        """Start making a short from a topic, a text, or a web page's URL (`source`).
        Returns the new content's id and status (queued)."""
        body: dict[str, Any] = {
            "generation_type": generation_type,
            generation_type: source,
            "options": {"draft": draft},
        }
        for name, value in (("language", language), ("project_id", project_id),
                            ("callback_url", callback_url)):  # fmt: skip
            if value is not None:
                body[name] = value
        made: dict[str, Any] = api.call("POST", "/contents", json=body)
        return made

    @server.tool()
    def get_content(content_id: str) -> dict[str, Any]:
        """A content's status, stage, progress, error, script and, once ready, the links
        to its video, thumbnail and audio; with its publications to YouTube."""
        content: dict[str, Any] = api.call("GET", f"/contents/{content_id}")
        content["publications"] = api.call("GET", f"/contents/{content_id}/publications")
        return content

    @server.tool()
    def list_contents(
        page: int = 1,
        per_page: int = 20,
        status: Literal[
            "queued",
            "processing",
            "review",
            "ready",
            "publishing",
            "published",
            "failed",
            "cancelled",
        ]
        | None = None,
    ) -> dict[str, Any]:
        """Your contents, newest first, a page at a time."""
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if status is not None:
            params["status"] = status
        listed: dict[str, Any] = api.call("GET", "/contents", params=params)
        return listed

    @server.tool()
    def publish_content(
        content_id: str,
        privacy: Literal["public", "unlisted", "private"] = "private",
        publish_at: datetime | None = None,
        made_for_kids: bool = False,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        """Upload a ready content's video to your connected YouTube channel. `publish_at`
        schedules it (uploaded private, made public then). Follow it with get_content."""
        body: dict[str, Any] = {"privacy": privacy, "made_for_kids": made_for_kids}
        if publish_at is not None:
            body["publish_at"] = publish_at.isoformat()
        if channel_id is not None:
            body["channel_id"] = channel_id
        published: dict[str, Any] = api.call("POST", f"/contents/{content_id}/publish", json=body)
        return published

    return server


def run(settings: Settings) -> None:
    if settings.api_key is None:
        from autoclip.errors import ConfigurationError

        raise ConfigurationError(
            "`autoclip mcp` acts as the user of an API key: set AUTOCLIP_API_KEY (and "
            "AUTOCLIP_API_URL if AutoClip is not at http://127.0.0.1:8000)"
        )
    api = Api(settings.api_url, settings.api_key.get_secret_value())
    build_server(api).run("stdio")
