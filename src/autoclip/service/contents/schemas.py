from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from autoclip.captions.presets import CaptionStyleName
from autoclip.looks.templates import BUILTIN
from autoclip.options import Aspect, Language, Length, Tone, Vertical
from autoclip.providers.narration.registry import CLOUD_VOICE_PREFIXES, VOICES
from autoclip.providers.writing.base import WriterName
from autoclip.providers.writing.registry import takes_topics
from autoclip.safety import SafetyReport
from autoclip.script.limits import MAX_BODY_SCENES, MAX_NARRATION_CHARS
from autoclip.service.contents.chains import BudgetUsd, ProviderChains, TopicWriterChain
from autoclip.service.contents.records import StoredOptions
from autoclip.service.models import ContentStatus, GenerationType, StageRunStatus
from autoclip.service.schemas import Input, JsonBool, Output, text_pattern

MAX_TEXT = 50_000
MAX_VOICE = 64
# The voices the document lists: the named ones, and a cloud provider's voice by its id.
# (eSpeak's other voices, "espeak:<name>", are taken too: too many to list.)
_CLOUD_VOICES = "|".join(
    rf"^{prefix}[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_VOICE - len(prefix) - 1}}}$"
    for prefix in CLOUD_VOICE_PREFIXES
)
Voice = Annotated[
    str | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list(VOICES)},
                {"type": "string", "pattern": _CLOUD_VOICES},
                {"type": "null"},
            ]
        }
    ),
    Field(
        max_length=MAX_VOICE,
        description="A named voice, or a cloud voice as elevenlabs:<voice id>, "
        "openai:<voice>, google:<voice>, gemini:<voice> or clova:<speaker>; eSpeak's other "
        "voices as espeak:<name>.",
    ),
]
# http(s), a host name (not an address, which the outbound policy refuses), an optional
# port and path: what contents/service.py takes before it fetches anything.
URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z][A-Za-z0-9-]*)+"
    r"(:[1-9][0-9]{0,3})?([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$"
)


TemplateName = Annotated[
    str | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list(BUILTIN)},
                {"type": "string", "format": "uuid"},
                {"type": "null"},
            ]
        }
    ),
    Field(
        max_length=64,
        description="A built-in template by name, or one of your saved templates by id: "
        "layout, card design, caption style and pacing.",
    ),
]


class ContentOptions(ProviderChains):
    """Missing options come from the project; the provider chains and the budget, when
    neither says, from the configuration."""

    caption_style: CaptionStyleName | None = Field(
        default=None, description="Over the template's caption style; none: the classic one."
    )
    template: TemplateName = None

    @field_validator("template")
    @classmethod
    def _known_template(cls, value: str | None) -> str | None:
        if value is None or value in BUILTIN:
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise PydanticCustomError(
                "unknown_template",
                "unknown template '{value}' (choose from {choices}, or a saved template's id)",
                {"value": value, "choices": ", ".join(BUILTIN)},
            ) from None

    length: Length | None = None
    aspect: Aspect | None = None
    voice: Voice = None
    narration_media_id: uuid.UUID | None = Field(
        default=None,
        description="A sound file of your media library (`POST /media`: WAV, MP3, M4A or Ogg) "
        "in which you read the whole script: it is the narration, in place of a voice, and "
        "the captions follow its words. It must be a recording of this script; one that is "
        "silent, not speech, or far longer or shorter than the script fails the content.",
    )
    tone: Tone | None = None
    vertical: Vertical | None = None
    draft: JsonBool = Field(
        default=False, description="Two-thirds size, fastest encode: a preview."
    )
    budget_usd: BudgetUsd | None = Field(
        default=None,
        description="Most this generation may spend on paid providers (estimated, USD); "
        "past it the chains move on to free providers.",
    )
    music_id: uuid.UUID | None = Field(
        default=None,
        description="A music file of your media library, looped under the voice at the "
        "brand kit's music level; none: the project's brand music, if any.",
    )


class TopicOptions(ContentOptions):
    writer: TopicWriterChain = None

    @field_validator("writer")
    @classmethod
    def _has_a_model(cls, value: str | None) -> str | None:
        if value is not None and not takes_topics([WriterName(n) for n in value.split(",")]):
            raise ValueError(
                "a topic is written by a language model: name gemini or openai in the chain"
            )
        return value


def _absent(kind: GenerationType) -> Any:
    """A before-validator for the source fields another generation type takes: null or
    left out, else refused naming the field."""

    def check(value: object, info: ValidationInfo) -> None:
        if value is not None:
            raise PydanticCustomError(
                "other_source",
                "give only '{wanted}' for generation_type {wanted}",
                {"wanted": kind.value},
            )
        return None

    return check


class _ContentCreate(Input):
    """What every generation type takes. The fields are in the order the request hash of
    an Idempotency-Key has always been made from (contents/service.py)."""

    # The tag of each member, as plain text: pydantic's errors then list the choices as a
    # client wrote them ('topic', not GenerationType.TOPIC). `kind` is the enum.
    generation_type: str
    topic: str | None = None
    text: str | None = None
    url: str | None = None
    language: Language | None = None
    project_id: uuid.UUID | None = None
    options: ContentOptions = Field(default_factory=ContentOptions)
    callback_url: str | None = Field(
        default=None,
        min_length=8,
        max_length=2000,
        # Only documented: the service checks it against the outbound policy, which an
        # operator may open to an address (contents/service.py).
        json_schema_extra={"pattern": URL_PATTERN, "format": "uri"},
        description="Where this content's events are also POSTed (Standard Webhooks, signed "
        "with your callback secret: GET /webhooks/callback-secret), such as an n8n Wait "
        "node's resume URL.",
    )

    @property
    def kind(self) -> GenerationType:
        return GenerationType(self.generation_type)

    @property
    def source(self) -> str:
        value = getattr(self, self.generation_type)
        assert isinstance(value, str)
        return value


class TopicContent(_ContentCreate):
    """A video about a topic, written by a language model."""

    generation_type: Literal["topic"]
    topic: str = Field(min_length=2, max_length=500)
    text: None = None
    url: None = None
    options: TopicOptions = Field(default_factory=TopicOptions)

    _other_sources = field_validator("text", "url", mode="before")(_absent(GenerationType.TOPIC))


class TextContent(_ContentCreate):
    """A video from a text of your own."""

    generation_type: Literal["text"]
    topic: None = None
    text: str = Field(min_length=20, max_length=MAX_TEXT)
    url: None = None

    _other_sources = field_validator("topic", "url", mode="before")(_absent(GenerationType.TEXT))


class UrlContent(_ContentCreate):
    """A video from a web page's text."""

    generation_type: Literal["url"]
    topic: None = None
    text: None = None
    url: str = Field(
        min_length=8,
        max_length=2000,
        json_schema_extra={"pattern": URL_PATTERN, "format": "uri"},
        description="An http(s) page on the public internet.",
    )

    _other_sources = field_validator("topic", "text", mode="before")(_absent(GenerationType.URL))


# One request body, told apart by `generation_type`: each type requires its own source
# field, and the OpenAPI document shows the three as a tagged union (oneOf with a
# discriminator), so a generated client knows which field goes with which type.
ContentCreate = Annotated[
    TopicContent | TextContent | UrlContent, Field(discriminator="generation_type")
]


class RegeneratePart(StrEnum):
    SCRIPT = "script"
    NARRATION = "narration"
    VISUALS = "visuals"
    RENDER = "render"


class Regenerate(Input):
    parts: list[RegeneratePart] = Field(min_length=1, max_length=4)


# Items of a list of words: a list's items get no `text_pattern` from `Input` (it documents
# a model's own fields), so the document is told here. Blank items are dropped by the
# service, not refused.
Keyword = Annotated[
    str,
    Field(max_length=60),
    WithJsonSchema({"type": "string", "maxLength": 60, "pattern": text_pattern()}),
]
Hashtag = Annotated[
    str,
    Field(max_length=100),
    WithJsonSchema({"type": "string", "maxLength": 100, "pattern": text_pattern()}),
]


class SceneEdit(Input):
    """A scene of an edited script, as `GET /contents/{id}` shows it in `script`."""

    narration: str = Field(
        min_length=1, max_length=MAX_NARRATION_CHARS, description="What the narrator says."
    )
    on_screen_text: str = Field(
        default="", max_length=200, description="Short text set on the scene's visual."
    )
    visual: str = Field(
        default="", max_length=500, description="What the visual should show, in words."
    )
    keywords: list[Keyword] = Field(
        default_factory=list, max_length=20, description="Words to match stock visuals by."
    )
    picture_id: uuid.UUID | None = Field(
        default=None,
        description="An image or clip of your media library shown as this scene's picture, "
        "instead of a made one; null: made by the visual chain.",
    )


class ScriptEdit(Input):
    """The whole script as it should be: scenes edited, reordered, deleted or added (the
    body `scenes` play between the hook and the call to action)."""

    title: str = Field(min_length=1, max_length=200)
    hook: SceneEdit
    scenes: list[SceneEdit] = Field(min_length=1, max_length=MAX_BODY_SCENES)
    cta: SceneEdit
    description: str = Field(default="", max_length=5000)
    hashtags: list[Hashtag] = Field(default_factory=list, max_length=30)


class Reject(Input):
    reason: str = Field(default="", max_length=500)


class ContentError(Output):
    stage: str | None
    message: str


class ContentSummary(Output):
    """A content as a list shows it: without its script, safety report and who served it
    (`GET /contents/{id}` has them)."""

    id: uuid.UUID
    project_id: uuid.UUID
    generation_type: GenerationType
    language: Language
    options: StoredOptions
    status: ContentStatus
    stage: str | None
    progress: int
    title: str | None
    # Not read from the row's `error` (its message, a string): content_out builds it from
    # the message and the stage. (Read directly, every failed content answered 500.)
    error: ContentError | None = Field(default=None, validation_alias="error_detail")
    duration_s: float | None
    cost_usd: float = Field(description="Estimated spend on paid providers, every generation.")
    approved_at: datetime | None
    video_url: str | None = None
    thumbnail_url: str | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class ContentOut(ContentSummary):
    script: dict[str, Any] | None
    safety: SafetyReport | None = Field(description="The safety check's report.")
    # Only the stages that were served: content_out fills it from the row's record.
    served: dict[str, Any] | None = Field(
        default=None, validation_alias="served_detail", description="Who served each stage."
    )
    audio_url: str | None = None


class EventTicket(Output):
    ticket: str
    expires_in: int = Field(description="Seconds the ticket can open the stream.")
    events_url: str


class ContentCreated(Output):
    id: uuid.UUID
    status: ContentStatus


class EstimatedCall(Output):
    stage: str = Field(description="script, safety, narration or visuals.")
    provider: str = Field(description="The first provider of the stage's chain.")
    service: str = Field(description="What its calls are priced and recorded as.")
    units: dict[str, float]
    cost_usd: float


class Estimate(Output):
    credits: int = Field(description="Credits the content takes (one per generation).")
    balance: int | None = Field(description="The caller's credits now; null on an unlimited plan.")
    affordable: bool = Field(description="Whether the caller has the credits it takes.")
    estimated_cost_usd: float = Field(
        description="Estimated spend on paid providers, capped by the budget; 0 when every "
        "first provider is free (offline)."
    )
    uncapped_cost_usd: float = Field(description="The same estimate without the budget's cap.")
    budget_usd: float | None = Field(description="Most the generation may spend; null: no cap.")
    language: Language
    calls: list[EstimatedCall] = Field(description="The paid calls the estimate counts.")


class UsageOut(Output):
    service: str
    stage: str | None
    units: dict[str, float]
    cost_usd: float
    created_at: datetime


class StageRunOut(Output):
    id: uuid.UUID
    stage: str
    status: StageRunStatus
    attempt: int
    worker: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    error: str | None
