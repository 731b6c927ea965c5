"""Templates: the built-in ones, and their preview stills (made on demand, then cached)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from autoclip.kit.storage import Storage
from autoclip.looks.preview import PREVIEW_VERSION, render_preview
from autoclip.looks.templates import BUILTIN, BuiltinTemplate
from autoclip.options import Aspect
from autoclip.service.problems import NotFound

PREVIEW_PREFIX = "previews/templates"


def get_template(name: str) -> BuiltinTemplate:
    template = BUILTIN.get(name)
    if template is None:
        raise NotFound("no such template")
    return template


def aspect_slug(aspect: Aspect) -> str:
    return aspect.value.replace(":", "x")


def preview_key(template: BuiltinTemplate, aspect: Aspect) -> str:
    """Keyed by what the still shows: a changed template or drawing is a new key."""
    digest = hashlib.sha256(
        (PREVIEW_VERSION + template.spec.model_dump_json() + template.vertical).encode()
    ).hexdigest()[:16]
    return f"{PREVIEW_PREFIX}/{template.name}/{aspect_slug(aspect)}-{digest}.png"


def preview_png(storage: Storage, template: BuiltinTemplate, aspect: Aspect) -> bytes:
    """The preview still, drawn the first time it is asked for and kept in storage."""
    key = preview_key(template, aspect)
    if storage.exists(key):
        return storage.get_bytes(key)
    with tempfile.TemporaryDirectory(prefix="autoclip-preview-") as folder:
        png = Path(folder) / "preview.png"
        render_preview(template.spec, template.vertical, aspect, png)
        data = png.read_bytes()
    storage.put_bytes(key, data, "image/png")
    return data
