"""Runs an n8n workflow template's HTTP requests as n8n would, without n8n (it does not
install on these machines): the nodes the templates use, the expressions they use, in
the order the template's connections give.

Nodes: manual and schedule triggers (one empty item), Set (string and array fields),
Split Out, Loop Over Items (batches of one: output 1 gives the next item, output 0 the
end), HTTP Request (method, URL, header parameters, JSON body, sent for real), RSS Feed
Read (fetched and parsed), Wait on a webhook (the next POST to the execution's resume URL:
a local server stands in for n8n's webhook-waiting endpoint), If (string equals, any/all).

Expressions: `={{ … }}` strings and `{{ … }}` inside them, with `$json.a.b`,
`$('Node').item.json.a.b` and `$execution.resumeUrl`. Anything else fails the replay:
a template must stay within what this reads, or the test says so.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import xml.etree.ElementTree as ET  # nosec B405 # a feed the test serves
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Item = dict[str, Any]
_EXPRESSION = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_NODE_REF = re.compile(r"""^\$\(\s*['"](.+?)['"]\s*\)\.item\.json((?:\.\w+)*)$""")


@dataclass
class Request:
    node: str
    method: str
    url: str
    headers: dict[str, str]
    body: Any
    status: int
    answer: Any


@dataclass
class Waiting:
    """n8n's webhook-waiting endpoint, standing in: what AutoClip POSTs to a resume URL."""

    base: str = ""
    posts: queue.Queue[Item] = field(default_factory=queue.Queue)


@contextmanager
def waiting_webhooks() -> Iterator[Waiting]:
    state = Waiting()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.posts.put(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "raw": body,
                    "body": json.loads(body),
                }
            )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Replay:
    def __init__(
        self,
        workflow: dict[str, Any],
        waiting: Waiting,
        *,
        execution: str = "1",
        wait_timeout: float = 300,
        on_wait: Callable[[Item], None] | None = None,
    ) -> None:
        self.nodes = {node["name"]: node for node in workflow["nodes"]}
        self.connections: dict[str, Any] = workflow["connections"]
        self.resume_url = f"{waiting.base}/webhook-waiting/{execution}"
        self.waiting = waiting
        self.wait_timeout = wait_timeout
        self.on_wait = on_wait
        self.outputs: dict[str, list[Item]] = {}  # each node's last output
        self.requests: list[Request] = []
        self._batches: dict[str, list[Item]] = {}
        self.http = httpx.Client(trust_env=False, timeout=60)

    def run(self, trigger: str) -> None:
        try:
            self._run(trigger, [{}])
        finally:
            self.http.close()

    # -- the graph ---------------------------------------------------------------------

    def _run(self, name: str, items: list[Item]) -> None:
        node = self.nodes[name]
        kind = node["type"].removeprefix("n8n-nodes-base.")
        handler = getattr(self, "_" + re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower(), None)
        if handler is None:
            raise AssertionError(f"node {name!r}: the replay does not know {kind}")
        outputs: list[list[Item]] = handler(node, items)
        for index, produced in enumerate(outputs):
            if not produced:
                continue
            self.outputs[name] = produced
            targets = self.connections.get(name, {}).get("main", [])
            for target in targets[index] if index < len(targets) else []:
                self._run(target["node"], produced)

    # -- nodes -------------------------------------------------------------------------

    def _manual_trigger(self, node: Item, items: list[Item]) -> list[list[Item]]:
        return [[{}]]

    _schedule_trigger = _manual_trigger

    def _set(self, node: Item, items: list[Item]) -> list[list[Item]]:
        out = []
        for item in items:
            made: Item = {}
            for field_ in node["parameters"]["assignments"]["assignments"]:
                value = self._value(field_["value"], item)
                if field_["type"] == "array" and isinstance(value, str):
                    value = json.loads(value)
                made[field_["name"]] = value
            out.append(made)
        return [out]

    def _split_out(self, node: Item, items: list[Item]) -> list[list[Item]]:
        params = node["parameters"]
        name = params.get("options", {}).get("destinationFieldName") or params["fieldToSplitOut"]
        return [[{name: value} for item in items for value in item[params["fieldToSplitOut"]]]]

    def _split_in_batches(self, node: Item, items: list[Item]) -> list[list[Item]]:
        waiting = self._batches.get(node["name"])
        if waiting is None:  # entered from before the loop: these are the items
            waiting = self._batches[node["name"]] = list(items)
        if waiting:
            return [[], [waiting.pop(0)]]
        return [[{"done": True}], []]

    def _http_request(self, node: Item, items: list[Item]) -> list[list[Item]]:
        params = node["parameters"]
        out = []
        for item in items:
            url = self._value(params["url"], item)
            headers = {
                h["name"]: self._value(h["value"], item)
                for h in params.get("headerParameters", {}).get("parameters", [])
            } if params.get("sendHeaders") else {}  # fmt: skip
            body = None
            if params.get("sendBody"):
                assert params["specifyBody"] == "json", node["name"]
                body = json.loads(self._value(params["jsonBody"], item))
            answer = self.http.request(params.get("method", "GET"), url, headers=headers,
                                       json=body)  # fmt: skip
            parsed = answer.json() if answer.content else {}
            self.requests.append(
                Request(
                    node["name"],
                    params.get("method", "GET"),
                    url,
                    headers,
                    body,
                    answer.status_code,
                    parsed,
                )
            )
            if answer.status_code >= 400:  # n8n stops the execution on an error answer
                raise AssertionError(f"{node['name']}: {answer.status_code} {answer.text}")
            out.append(parsed)
        return [out]

    def _rss_feed_read(self, node: Item, items: list[Item]) -> list[list[Item]]:
        url = self._value(node["parameters"]["url"], items[0])
        feed = ET.fromstring(self.http.get(url).content)  # nosec B314
        return [[
            {child.tag: (child.text or "").strip() for child in entry}
            for entry in feed.iter("item")
        ]]  # fmt: skip

    def _wait(self, node: Item, items: list[Item]) -> list[list[Item]]:
        assert node["parameters"]["resume"] == "webhook", node["name"]
        post = self.waiting.posts.get(timeout=self.wait_timeout)
        assert post["path"] == self.resume_url.removeprefix(self.waiting.base), post["path"]
        if self.on_wait is not None:
            self.on_wait(post)
        return [[{"headers": post["headers"], "params": {}, "query": {}, "body": post["body"]}]]

    def _if(self, node: Item, items: list[Item]) -> list[list[Item]]:
        spec = node["parameters"]["conditions"]
        yes: list[Item] = []
        no: list[Item] = []
        for item in items:
            results = []
            for condition in spec["conditions"]:
                assert condition["operator"] == {"type": "string", "operation": "equals"}
                left = self._value(condition["leftValue"], item)
                results.append(left == self._value(condition["rightValue"], item))
            passed = any(results) if spec["combinator"] == "or" else all(results)
            (yes if passed else no).append(item)
        return [yes, no]

    # -- expressions -------------------------------------------------------------------

    def _value(self, raw: Any, item: Item) -> Any:
        if not isinstance(raw, str) or not raw.startswith("="):
            return raw
        text = raw[1:]
        whole = _EXPRESSION.fullmatch(text.strip())
        if whole is not None:
            return self._evaluate(whole.group(1), item)
        return _EXPRESSION.sub(lambda m: str(self._evaluate(m.group(1), item)), text)

    def _evaluate(self, expression: str, item: Item) -> Any:
        if expression == "$execution.resumeUrl":
            return self.resume_url
        if expression.startswith("$json"):
            return _path(item, expression.removeprefix("$json"))
        ref = _NODE_REF.match(expression)
        if ref is not None:
            produced = self.outputs.get(ref.group(1))
            assert produced, f"{ref.group(1)} has not run"
            return _path(produced[0], ref.group(2))
        raise AssertionError(f"the replay does not evaluate {expression!r}")


def _path(value: Any, dotted: str) -> Any:
    for key in filter(None, dotted.split(".")):
        value = value[key]
    return value
