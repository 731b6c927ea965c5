from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Response

from autoclip.options import Language
from autoclip.service.deps import CurrentUser, RuntimeDep
from autoclip.service.schemas import Output
from autoclip.service.voices import service

router = APIRouter(prefix="/voices", tags=["voices"])


class VoiceOut(Output):
    narrator: str
    voice_id: str
    name: str
    language: Language
    sample_url: str


@router.get("")
def list_voices(
    user: CurrentUser, runtime: RuntimeDep, language: Language = Language.KO
) -> list[VoiceOut]:
    """The voices of every narrator this server is configured with, that speak `language`.
    `voice_id` is what a content's `options.voice` takes; `sample_url` plays a sentence."""
    return [
        VoiceOut(
            narrator=voice.narrator,
            voice_id=voice.id,
            name=voice.name,
            language=language,
            sample_url=f"/api/v1/voices/{voice.narrator}/{quote(voice.id, safe='')}/sample"
            f"?language={language.value}",
        )
        for voice, _ in service.list_voices(runtime.settings, language)
    ]


@router.get(
    "/{narrator}/{voice_id}/sample",
    response_class=Response,
    responses={200: {"content": {service.SAMPLE_TYPE: {"schema": {"type": "string",
                                                              "format": "binary"}}}}},
)  # fmt: skip
def voice_sample(
    user: CurrentUser,
    runtime: RuntimeDep,
    narrator: Annotated[str, Path(max_length=40)],
    voice_id: Annotated[str, Path(max_length=100)],
    language: Language = Language.KO,
) -> Response:
    """A few seconds of the voice (MP3): the same sentence for every voice of a language,
    spoken once and kept."""
    data = service.sample(runtime.settings, runtime.storage, narrator, voice_id, language)
    # The same bytes for every user: a browser may keep them for a day.
    return Response(
        data, media_type=service.SAMPLE_TYPE, headers={"Cache-Control": "private, max-age=86400"}
    )
