"""The docs page (Swagger UI) is served whole by the API: nothing from another host, every
asset it names answers, and its content policy lets exactly its own script run."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from autoclip.service.docs import script_hash

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # no database involved


class References(HTMLParser):
    """Every URL the page makes the browser load, and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            value = found.get(name)
            if value is not None:
                self.urls.append(value)
        self._in_inline_script = tag == "script" and "src" not in found

    def handle_endtag(self, tag: str) -> None:
        self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts.append(data)


def test_docs_load_nothing_from_another_host(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    # No absolute or protocol-relative URL anywhere: not in a tag, not in the inline script.
    assert "//" not in page.text
    refs = References()
    refs.feed(page.text)
    assert len(refs.urls) == 3, refs.urls  # the script, the stylesheet, the icon
    types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for url in refs.urls:
        assert url.startswith("/docs/assets/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(types[url[url.rfind(".") :]]), url
        assert len(asset.content) > 500, url
    script = next(url for url in refs.urls if url.endswith(".js"))
    assert "SwaggerUIBundle" in client.get(script).text
    # The page's document loads from here too.
    assert "url: '/openapi.json'" in page.text
    assert client.get("/openapi.json").status_code == 200


def test_docs_content_policy_runs_only_its_own_scripts(client: TestClient) -> None:
    page = client.get("/docs")
    directives = (part.strip() for part in page.headers["Content-Security-Policy"].split(";"))
    policy = {name: value for name, _, value in (d.partition(" ") for d in directives)}
    refs = References()
    refs.feed(page.text)
    scripts = [body for body in refs.inline_scripts if body.strip()]
    assert len(scripts) == 1
    # The inline script (the Swagger UI call) is allowed by its exact hash, nothing else inline.
    assert policy["script-src"] == f"'self' 'sha256-{script_hash(scripts[0])}'"
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    # The assets are served under the docs' policy too; the API keeps its strict one.
    asset = client.get("/docs/assets/swagger-ui.css")
    assert asset.headers["Content-Security-Policy"] == page.headers["Content-Security-Policy"]
    api = client.get("/api/v1/users/me")
    assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_no_page_that_loads_from_a_cdn(client: TestClient) -> None:
    # ReDoc and the OAuth2 redirect page would load their scripts from a CDN: off.
    for path in ("/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404, path
    paths = client.get("/openapi.json").json()["paths"]
    assert not any(path.startswith("/docs") for path in paths)
