"""The web studio: server-rendered pages at `/` for creators, in Korean or English.

Pages are Jinja2 templates rendered by the same process as the API, changing data only
through the API's own service functions; a few small ES modules (static/) add live
progress, copy buttons and the wizard's steps. See docs/studio.md.
"""

from __future__ import annotations

import logging
import os
import re
from os import PathLike
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from autoclip.kit.fonts import sans_font_path
from autoclip.kit.storage import Storage
from autoclip.service.protection import HeaderPolicy
from autoclip.service.studio import (
    account_pages,
    auth_pages,
    batch_pages,
    content_pages,
    media_pages,
    publish_pages,
    schedule_pages,
    source_pages,
    storyboard_pages,
    webhook_pages,
    wizard_pages,
)
from autoclip.service.studio.render import STATIC_DIR, STATIC_URL
from autoclip.service.studio.web import install_handlers

# Pages load only this site's own styles, scripts, images and media; no inline script, no
# framing, forms post only here. Videos and pictures are signed links of this site, or,
# with S3 storage, presigned links to the bucket: its origin alone is added to img-src
# and media-src (`page_csp`).
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{media}; "
    "media-src 'self'{media}; connect-src 'self'; font-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# scheme://host[:port], nothing that could end a directive or add a source to it.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
log = logging.getLogger("autoclip.studio")


def media_origin(storage: Storage) -> str | None:
    """The origin the storage's presigned links point at (an S3 endpoint, path-style or
    virtual-hosted, as the storage itself signs them), or None when this API serves the
    files itself (local storage). Read from a link signed for a probe key: signing is
    done here, without a request."""
    try:
        url = storage.presigned_url("media/csp-probe", 60)
    except Exception as error:  # no credentials yet, say: the pages work, pictures blocked
        log.warning("no storage origin for the pages' policy: %s", error)
        return None
    if url is None:
        return None
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    if not _ORIGIN.match(origin):
        log.warning("the storage's links point at %r, not an origin a policy can name", origin)
        return None
    return origin


def page_csp(origin: str | None) -> str:
    """The pages' policy; with `origin`, the storage's links may be shown as pictures,
    videos and captions (img-src, media-src), nothing more."""
    return PAGE_CSP.format(media=f" {origin}" if origin else "")


# Static files: the cache policy is StudioFiles's, by the address.
STATIC_HEADERS = HeaderPolicy()


class StudioFiles(StaticFiles):
    """The studio's files. Asked for with their hash (`?v=`, render.static_url), as the
    pages link them, they are kept a year; asked for by name alone (a module's import of
    another), the browser checks each time whether they changed (an ETag: a 304 when
    not), so an upgrade is never hidden behind a cached module."""

    def file_response(
        self, full_path: PathLike[str] | str, stat_result: os.stat_result, scope: Scope,
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["cache-control"] = (
            "public, max-age=31536000, immutable" if versioned else "no-cache"
        )
        return response


async def _hangul_font() -> FileResponse:
    # The font the video engine sets Korean with, from its package: nothing vendored.
    return FileResponse(sans_font_path(), media_type="font/otf")


def install_studio(app: FastAPI, storage: Storage) -> dict[str, HeaderPolicy]:
    """Mount the studio's pages and files; returns the header policies by path prefix."""
    # The storyboard before the contents: POST /contents/{id}/storyboard must not be taken
    # for one of a video's actions (POST /contents/{id}/{action}); so must the publish.
    for router in (
        auth_pages.router,
        storyboard_pages.router,
        publish_pages.router,
        webhook_pages.router,
        content_pages.router,
        wizard_pages.router,
        media_pages.router,
        account_pages.router,
        source_pages.router,
        schedule_pages.router,
        batch_pages.router,
    ):
        app.include_router(router, include_in_schema=False)
    app.add_api_route(f"{STATIC_URL}/fonts/noto-sans-kr.otf", _hangul_font,
                      include_in_schema=False)  # fmt: skip
    app.mount(STATIC_URL, StudioFiles(directory=STATIC_DIR), name="studio-static")
    install_handlers(app)
    # Pages hold a user's data: no shared cache may keep them.
    pages = HeaderPolicy(
        content_security_policy=page_csp(media_origin(storage)), cache_control="no-store"
    )
    return {"/": pages, STATIC_URL: STATIC_HEADERS}
