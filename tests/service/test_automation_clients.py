"""The automation clients against a live `autoclip serve`: the MCP server driven by the
SDK's own client, and the n8n templates in integrations/n8n, replayed: each
template's own URLs, headers and bodies, in its order (tests/n8n_replay.py), after the
edits its import steps ask for (the settings node's base URL, API key, feed and notice
URLs). The topics template makes a short and publishes it on the YouTube stand-in; the
RSS template makes one from a page of the feed and posts the notice."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent
from standardwebhooks.webhooks import Webhook

from fake_cloud import fake_cloud
from localserver import serve
from n8n_replay import Replay, waiting_webhooks
from webhook_receiver import webhook_receiver
from youtube_server import Google, google_standin, youtube_settings

TEMPLATES = Path(__file__).parents[2] / "integrations" / "n8n"
ARTICLE = """<html><head><title>Why a daily walk matters - Health Desk</title></head><body>
<article><h1>Why a daily walk matters</h1>
<p>A brisk walk of thirty minutes a day strengthens the heart and the lungs.</p>
<p>Walking after meals helps the body manage blood sugar, researchers found.</p>
<p>Regular walkers sleep better and report less stress than people who sit all day.</p>
<p>Start with ten minutes and add five minutes each week until walking is a habit.</p>
</article></body></html>"""


@dataclass
class Live:
    url: str
    key: str
    google: Google
    callback_secret: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """`autoclip serve` (embedded: SQLite, the worker inside), its model on the fake cloud,
    YouTube on the stand-in; a user with an API key and a connected channel."""
    data = tmp_path_factory.mktemp("n8n") / "data"
    data.mkdir()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with fake_cloud() as cloud, google_standin() as google, contextlib.ExitStack() as stack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOCLIP_")}
        env |= {f"AUTOCLIP_{k.upper()}": str(v) for k, v in youtube_settings(google.base).items()}
        env |= {
            "AUTOCLIP_DATA_DIR": str(data),
            "AUTOCLIP_SECRET_KEY": "n8n-test-secret",
            "AUTOCLIP_AUTH__VERIFY_EMAIL": "false",
            "AUTOCLIP_SCRIPT_WRITER": "gemini,offline",
            "AUTOCLIP_GEMINI__API_KEY": "gemini-test-key",
            "AUTOCLIP_GEMINI__BASE_URL": cloud.base_url,
            "AUTOCLIP_WEBHOOKS__RETRY_SCHEDULE": "0.5,1,2,4",
            "AUTOCLIP_RATE_LIMITS": "false",
        }
        log = (data / "serve.log").open("wb")
        stack.callback(log.close)
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "autoclip"), "serve", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip

        def stop() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)

        stack.callback(stop)
        with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, (data / "serve.log").read_text()
                with contextlib.suppress(httpx.TransportError):
                    if http.get("/health").status_code == 200:
                        break
                assert time.monotonic() < deadline, "autoclip serve did not start"
                time.sleep(0.2)
            account = {"email": "n8n@example.com", "password": "n8n-flows-pass-1", "name": "N"}
            assert http.post("/api/v1/auth/register", json=account).status_code == 202
            login = http.post(
                "/api/v1/auth/login",
                json={"email": account["email"], "password": account["password"]},
            )
            assert login.status_code == 200, login.text
            auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
            key = http.post("/api/v1/api-keys", json={"name": "n8n"}, headers=auth)
            assert key.status_code == 201, key.text
            started = http.post("/api/v1/channels/youtube/connect", headers=auth).json()
            landed = google.consent(started["authorization_url"])
            finished = http.post("/api/v1/channels/youtube/finish",
                                 json={"redirect_url": landed}, headers=auth)  # fmt: skip
            assert finished.status_code == 200, finished.text
            secret = http.get("/api/v1/webhooks/callback-secret", headers=auth).json()["secret"]
        yield Live(url, key.json()["key"], google, secret)


def template(name: str, **settings: str) -> dict[str, Any]:
    """A template as a user leaves it after import: the settings node filled in."""
    workflow: dict[str, Any] = json.loads((TEMPLATES / name).read_text())
    for node in workflow["nodes"]:
        if node["name"] == "AutoClip settings":
            for field in node["parameters"]["assignments"]["assignments"]:
                field["value"] = settings.get(field["name"], field["value"])
    return workflow


def checked(live: Live) -> Any:
    """Each callback is signed with the user's callback secret."""

    def check(post: dict[str, Any]) -> None:
        Webhook(live.callback_secret).verify(post["raw"], post["headers"])

    return check


@pytest.mark.e2e
def test_topics_template_makes_and_publishes_a_short(live: Live) -> None:
    workflow = template("topics-to-youtube.json", base_url=live.url, api_key=live.key)
    topics = next(n for n in workflow["nodes"] if n["name"] == "Topics")
    topic = topics["parameters"]["assignments"]["assignments"][0]
    topic["value"] = json.dumps(json.loads(topic["value"])[:1], ensure_ascii=False)  # one
    with waiting_webhooks() as waiting:
        replay = Replay(workflow, waiting, execution="101", on_wait=checked(live))
        replay.run("Start")
    made, published = replay.requests
    assert (made.node, made.status) == ("Generate", 202)
    assert made.url == f"{live.url}/api/v1/contents"
    assert made.headers == {"Authorization": f"Bearer {live.key}"}
    assert made.body["generation_type"] == "topic"
    assert made.body["callback_url"] == replay.resume_url
    content_id = made.answer["id"]
    assert (published.node, published.status) == ("Publish", 202)
    assert published.url == f"{live.url}/api/v1/contents/{content_id}/publish"
    # the last event the workflow waited for: published on the stand-in
    event = replay.outputs["Wait for YouTube"][0]["body"]
    assert event["type"] == "content.published"
    video_id = event["data"]["video_id"]
    assert live.google.videos[video_id].resource["snippet"]["defaultLanguage"] == "ko"
    assert live.google.videos[video_id].resource["status"]["containsSyntheticMedia"] is True
    assert bytes(live.google.videos[video_id].data[:12])[4:8] == b"ftyp"  # an MP4


class Feed(BaseHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass

    def do_GET(self) -> None:
        host = f"http://{self.headers['Host']}"
        if self.path == "/feed.xml":
            body = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>Health Desk</title>'
                f"<item><title>Why a daily walk matters</title><link>{host}/walk</link>"
                "<pubDate>Mon, 07 Dec 2026 09:00:00 GMT</pubDate></item></channel></rss>"
            ).encode()
            kind = "application/rss+xml"
        else:
            body, kind = ARTICLE.encode(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.e2e
def test_rss_template_makes_a_short_and_posts_the_notice(live: Live) -> None:
    with serve(Feed) as site, webhook_receiver() as chat, waiting_webhooks() as waiting:
        chat.signed = False  # a chat's incoming hook: plain JSON
        workflow = template(
            "rss-to-notify.json",
            base_url=live.url,
            api_key=live.key,
            feed_url=f"{site}/feed.xml",
            notify_url=f"{chat.url}/notice",
        )
        replay = Replay(workflow, waiting, execution="202", on_wait=checked(live))
        replay.run("Every hour")
        made, notice = replay.requests
        assert made.body == {
            "generation_type": "url",
            "url": f"{site}/walk",
            "callback_url": replay.resume_url,
            "options": {"draft": True},
        }
        assert made.status == 202
        assert notice.node == "Notify"
        assert notice.url == f"{chat.url}/notice"
        assert notice.body["content_id"] == made.answer["id"]
        with httpx.Client(trust_env=False, timeout=30) as http:
            content = http.get(f"{live.url}/api/v1/contents/{made.answer['id']}",
                               headers={"Authorization": f"Bearer {live.key}"}).json()  # fmt: skip
        assert content["status"] == "ready"
        assert notice.body["text"] == f'AutoClip: "{content["title"]}" is ready'
        assert [r.path for r in chat.got] == ["/notice"]


def _text(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


def _tool_json(result: CallToolResult) -> Any:
    assert not result.isError, result.content
    return json.loads(_text(result))


async def _agent(live: Live) -> dict[str, Any]:
    """What an agent does through `autoclip mcp`, with the SDK's own stdio client."""
    params = StdioServerParameters(
        command=str(Path(sys.executable).parent / "autoclip"),
        args=["mcp"],
        env={"AUTOCLIP_API_URL": live.url, "AUTOCLIP_API_KEY": live.key},
    )
    seen: dict[str, Any] = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        tools = await client.list_tools()
        seen["tools"] = sorted(t.name for t in tools.tools)
        made = _tool_json(await client.call_tool(
            "create_content",
            {"generation_type": "text", "source": ARTICLE_TEXT, "language": "en", "draft": True},
        ))  # fmt: skip
        seen["made"] = made
        deadline = time.monotonic() + 240
        while True:
            content = _tool_json(await client.call_tool("get_content", {"content_id": made["id"]}))
            if content["status"] in ("ready", "failed") or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        seen["ready"] = content
        refused = await client.call_tool("get_content", {"content_id": str(uuid.uuid4())})
        seen["refused"] = (refused.isError, _text(refused))
        seen["publication"] = _tool_json(await client.call_tool(
            "publish_content", {"content_id": made["id"], "privacy": "unlisted"}
        ))  # fmt: skip
        while True:
            content = _tool_json(await client.call_tool("get_content", {"content_id": made["id"]}))
            if content["status"] != "publishing" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        seen["published"] = content
        seen["listed"] = _tool_json(await client.call_tool("list_contents",
                                                           {"status": "published"}))  # fmt: skip
    return seen


ARTICLE_TEXT = (
    "A brisk walk of thirty minutes a day strengthens the heart and the lungs. Walking after "
    "meals helps the body manage blood sugar. Regular walkers sleep better and report less "
    "stress. Start with ten minutes and add five minutes each week until it is a habit."
)


@pytest.mark.e2e
def test_an_agent_makes_and_publishes_through_the_mcp_server(live: Live) -> None:
    seen = asyncio.run(_agent(live))
    assert seen["tools"] == ["create_content", "get_content", "list_contents", "publish_content"]
    assert seen["made"]["status"] == "queued"
    assert seen["ready"]["status"] == "ready", seen["ready"]
    assert seen["ready"]["video_url"]
    assert seen["refused"][0] is True
    assert "HTTP 404" in seen["refused"][1]
    assert seen["publication"]["status"] == "publishing"
    published = seen["published"]
    assert published["status"] == "published", published
    video_id = published["publications"][0]["video_id"]
    assert live.google.videos[video_id].resource["snippet"]["defaultLanguage"] == "en"
    assert seen["made"]["id"] in [c["id"] for c in seen["listed"]["items"]]
