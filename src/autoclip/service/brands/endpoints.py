from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from autoclip.service.brands import service
from autoclip.service.brands.records import BookendRecord, BrandRecord
from autoclip.service.brands.schemas import BookendOut, BrandFile, BrandOut, BrandUpdate
from autoclip.service.deps import CurrentUser, RuntimeDep, SessionDep
from autoclip.service.openapi import problems

router = APIRouter(prefix="/projects", tags=["brand kits"])
# Uploads take a raw body (the file itself), so they sit outside the API's JSON-only rule
# and under their own, larger body limit (AUTOCLIP_MAX_UPLOAD_BYTES).
uploads = APIRouter(prefix="/brand-files", tags=["brand kits"])


def brand_out(brand: BrandRecord) -> BrandOut:
    return BrandOut(
        logo=brand.logo_key is not None,
        logo_position=brand.logo_position,
        logo_size=brand.logo_size,
        logo_opacity=brand.logo_opacity,
        primary_colour=brand.primary_colour,
        accent_colour=brand.accent_colour,
        font_family=brand.font_family,
        music=brand.music_key is not None,
        music_level_db=brand.music_level_db,
        intro=_bookend_out(brand.intro),
        outro=_bookend_out(brand.outro),
    )


def _bookend_out(record: BookendRecord | None) -> BookendOut | None:
    if record is None:
        return None
    return BookendOut(kind=record.kind, seconds=record.seconds, text=record.text)


@router.get("/{project_id}/brand", responses=problems(404))
def get(project_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> BrandOut:
    return brand_out(service.get_brand(session, user, project_id))


@router.patch("/{project_id}/brand", responses=problems(404))
def update(
    project_id: uuid.UUID,
    data: BrandUpdate,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> BrandOut:
    return brand_out(service.update_brand(session, runtime.storage, user, project_id, data))


@router.delete("/{project_id}/brand/{kind}", responses=problems(404))
def remove(
    project_id: uuid.UUID,
    kind: BrandFile,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> BrandOut:
    return brand_out(service.remove(session, runtime.storage, user, project_id, kind))


_CLIP = (
    "A video clip (MP4, MOV, WebM or MKV, sniffed from its content), 0.5 to 10 seconds, "
    "144 to 3840 pixels a side; fitted into every aspect ratio, its own sound kept."
)
_DESCRIBED = {
    BrandFile.LOGO: "A PNG, JPEG or WebP image, 16 to 4096 pixels a side, at most 2 MiB.",
    BrandFile.FONT: "An OpenType (.otf) or TrueType (.ttf) font that draws every character "
    "the project's language needs (for Korean, the 2,350 common Hangul syllables).",
    BrandFile.MUSIC: "An audio file ffmpeg reads, at most 15 minutes.",
    BrandFile.INTRO: _CLIP,
    BrandFile.OUTRO: _CLIP,
}


def _add_upload(kind: BrandFile) -> None:
    """`PUT /brand-files/{project_id}/{kind}`: the file itself as the body."""

    async def upload(
        project_id: uuid.UUID,
        request: Request,
        user: CurrentUser,
        session: SessionDep,
        runtime: RuntimeDep,
    ) -> BrandOut:
        data = await request.body()  # bounded by BodyLimit before it is read
        content_type = request.headers.get("content-type", "")
        brand = await run_in_threadpool(
            service.upload, session, runtime.storage, user, project_id, kind, content_type, data
        )
        return brand_out(brand)

    binary = {"schema": {"type": "string", "format": "binary"}}
    uploads.put(
        f"/{{project_id}}/{kind.value}",
        name=f"upload_{kind.value}",
        summary=f"Upload the {kind.value}",
        description=_DESCRIBED[kind],
        responses=problems(404, 413, 415),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {media: binary for media in sorted(service.ACCEPTED_TYPES[kind])},
            }
        },
    )(upload)


for _kind in BrandFile:
    _add_upload(_kind)
