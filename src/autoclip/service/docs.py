"""The interactive API docs (Swagger UI at /docs), served whole by this process.

FastAPI's default page loads Swagger UI's script and CSS from a CDN: a third party could
change the script that runs next to a user's token, and the docs break offline. The files
come instead from the `swagger-ui-bundle-v2` package (Swagger UI's own dist folder),
mounted under /docs/assets, as FastAPI documents for self-hosting. The page's one inline
script (the Swagger UI call) is allowed by its hash, so the page's content policy still
allows no other script than these. ReDoc (/redoc) is off: the package does not ship it,
and one docs page is enough.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from autoclip.service.protection import HeaderPolicy

DOCS_URL = "/docs"
ASSETS_URL = f"{DOCS_URL}/assets"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install_docs(app: FastAPI) -> HeaderPolicy:
    """Serve the docs page and its assets; return the header policy the page needs.

    The app must be made with `docs_url=None` and `redoc_url=None` (FastAPI's own pages).
    """
    if app.openapi_url is None:
        raise ValueError("the docs need the OpenAPI document")
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - docs",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
    )
    html = bytes(page.body)
    app.mount(ASSETS_URL, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html)

    return HeaderPolicy(content_security_policy=docs_content_policy(html.decode()))


def docs_content_policy(html: str) -> str:
    """Scripts, styles and images from this origin only, the page's inline scripts by
    hash; requests (the OpenAPI document, "Try it out") to this origin only."""
    hashes = " ".join(f"'sha256-{script_hash(body)}'" for body in _INLINE_SCRIPT.findall(html))
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' {hashes}",
            "style-src 'self'",
            "img-src 'self' data:",  # Swagger UI's icons are data: URLs in its CSS
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def script_hash(body: str) -> str:
    """The CSP hash of an inline script: base64 of the SHA-256 of its exact text."""
    return base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
