"""Templates: the built-in ones, the ones users save, and their preview stills (made on
demand, then kept in storage)."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from autoclip.captions.presets import CaptionStyleName
from autoclip.kit.storage import Storage
from autoclip.looks.preview import PREVIEW_VERSION, render_preview
from autoclip.looks.templates import BUILTIN, TemplateSpec, builtin_for
from autoclip.options import Aspect, Vertical
from autoclip.service.auth.callers import Account
from autoclip.service.contents.repository import ContentRepository
from autoclip.service.models import Content, UserTemplate
from autoclip.service.problems import Conflict, NotFound
from autoclip.service.templates.repository import TemplateRepository
from autoclip.service.templates.schemas import TemplateCreate, TemplateFromContent

PREVIEW_PREFIX = "previews/templates"


@dataclass(frozen=True)
class Found:
    """A template as the API shows it, built-in or saved."""

    name: str
    title: str
    vertical: Vertical
    spec: TemplateSpec
    id: uuid.UUID | None = None  # a saved one's

    @property
    def builtin(self) -> bool:
        return self.id is None

    @property
    def ref(self) -> str:
        """How a URL or a content's options name it."""
        return self.name if self.id is None else str(self.id)


def _builtins() -> list[Found]:
    return [Found(t.name, t.title, t.vertical, t.spec) for t in BUILTIN.values()]


def _saved(row: UserTemplate) -> Found:
    return Found(row.name, row.title, Vertical(row.vertical), row.spec, row.id)


def list_templates(session: Session, user: Account) -> list[Found]:
    return _builtins() + [_saved(row) for row in TemplateRepository(session).list(user.id)]


def get_template(session: Session, user: Account, ref: str) -> Found:
    """A built-in by name, or the user's own saved one by id (404 for anyone else's)."""
    if ref in BUILTIN:
        template = BUILTIN[ref]
        return Found(template.name, template.title, template.vertical, template.spec)
    try:
        template_id = uuid.UUID(ref)
    except ValueError:
        raise NotFound("no such template") from None
    row = TemplateRepository(session).owned(user.id, template_id)
    if row is None:
        raise NotFound("no such template")
    return _saved(row)


def template_spec(session: Session, user: Account, ref: str | None) -> TemplateSpec | None:
    """The spec a content's `options.template` names, checked to be the user's to use."""
    if ref is None:
        return None
    try:
        return get_template(session, user, ref).spec
    except NotFound:
        raise NotFound("no such template", field="options.template") from None


def create_template(session: Session, user: Account, data: TemplateCreate) -> Found:
    return _add(session, user, data.name, data.title, data.vertical, data.spec)


def template_from_content(
    session: Session, user: Account, content_id: uuid.UUID, data: TemplateFromContent
) -> Found:
    content = ContentRepository(session).owned(user.id, content_id)
    if content is None:
        raise NotFound("no such content", field="content_id")
    spec = _content_spec(content)
    return _add(session, user, data.name, data.title, content.options.vertical, spec)


def _add(
    session: Session, user: Account, name: str, title: str, vertical: Vertical, spec: TemplateSpec
) -> Found:
    row = UserTemplate(user_id=user.id, name=name, title=title, vertical=vertical.value, spec=spec)
    if not TemplateRepository(session).add(row):
        raise Conflict("you already have a template of that name", field="name")
    return _saved(row)


def _content_spec(content: Content) -> TemplateSpec:
    """The look a content was made with: its template (else its vertical's built-in
    layout and pacing), with the caption style it asked for over the template's."""
    options = content.options
    spec = options.template_spec or builtin_for(options.vertical).spec
    if options.template_spec is None:
        # No template was used: what the content looked like is AutoClip's classic style.
        spec = spec.model_copy(update={"caption_style": CaptionStyleName.CLASSIC})
    if options.caption_style:
        spec = spec.model_copy(update={"caption_style": CaptionStyleName(options.caption_style)})
    return spec


def delete_template(session: Session, user: Account, ref: str) -> None:
    """Delete one of the user's saved templates (a built-in one is nobody's to delete)."""
    try:
        template_id = uuid.UUID(ref)
    except ValueError:
        raise NotFound("no such template") from None
    repository = TemplateRepository(session)
    row = repository.owned(user.id, template_id)
    if row is None:
        raise NotFound("no such template")
    repository.delete(row)


def aspect_slug(aspect: Aspect) -> str:
    return aspect.value.replace(":", "x")


def preview_key(template: Found, aspect: Aspect) -> str:
    """Keyed by what the still shows: a changed template or drawing is a new key."""
    digest = hashlib.sha256(
        (PREVIEW_VERSION + template.spec.model_dump_json() + template.vertical).encode()
    ).hexdigest()[:20]
    return f"{PREVIEW_PREFIX}/{aspect_slug(aspect)}-{digest}.png"


def preview_png(storage: Storage, template: Found, aspect: Aspect) -> bytes:
    """The preview still, drawn the first time it is asked for and kept in storage. The key
    is the content's digest, so two users' identical templates share one still and no
    still says whose template it came from."""
    key = preview_key(template, aspect)
    if storage.exists(key):
        return storage.get_bytes(key)
    with tempfile.TemporaryDirectory(prefix="autoclip-preview-") as folder:
        png = Path(folder) / "preview.png"
        render_preview(template.spec, template.vertical, aspect, png)
        data = png.read_bytes()
    storage.put_bytes(key, data, "image/png")
    return data
