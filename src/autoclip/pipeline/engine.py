"""The generation pipeline: script, safety, narration, visuals, captions, render, thumbnail,
publish.

Every stage's output sits in the stage cache under a hash of its inputs. Re-running the
same generation reuses everything; editing one scene re-does that scene's narration and
visual, then the captions and the render. Nothing reaches the published keys until every
stage has succeeded, so a failure never leaves a half-made content behind.

Who does the work is a `Providers` choice: a chain per capability, tried in order. The
narration falls back as a whole (one voice per video); visuals fall back scene by scene
(a scene with no stock footage gets a card). The result says who served each stage.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from autoclip.captions.ass import render_ass
from autoclip.captions.layout import layout_pages
from autoclip.captions.srt import render_srt
from autoclip.captions.style import CaptionStyle, caption_style
from autoclip.captions.style import release_fonts as release_caption_fonts
from autoclip.errors import (
    CancelledError,
    ContentBlockedError,
    InputError,
    MediaError,
)
from autoclip.kit.emoji import (
    EMOJI_FAMILY,
    LAYER_FONT_VERSION,
    emoji_available,
    has_emoji,
    layer_font,
)
from autoclip.kit.emoji import release_tables as release_emoji_tables
from autoclip.kit.ffmpeg import media_info
from autoclip.kit.fonts import CAPTION_FONT_FAMILY, sans_font_path
from autoclip.kit.memory import return_freed_memory
from autoclip.kit.private import make_private_dir
from autoclip.kit.storage import Storage, image_key, video_key
from autoclip.looks.bookends import BookendKind, clip_info, draw_card
from autoclip.looks.brand import check_text_covered, font_info, logo_corner, prepare_logo
from autoclip.looks.look import Look
from autoclip.options import GenerateOptions
from autoclip.pipeline.cache import StageCache, file_fingerprint, input_hash
from autoclip.pipeline.chains import Providers
from autoclip.pipeline.progress import ProgressListener, SilentProgress, Stage
from autoclip.providers.chain import first_that_serves
from autoclip.providers.narration import recorded
from autoclip.providers.narration.base import Narrator, SceneNarration, VoiceRequest, WordTiming
from autoclip.providers.narration.recorded import load_recording, split_recording
from autoclip.providers.narration.track import assemble_track
from autoclip.providers.visuals.base import (
    Attribution,
    Visual,
    VisualKind,
    VisualRequest,
    VisualSource,
    credit_line,
    read_attribution,
    stock_key,
)
from autoclip.providers.visuals.library import AssetLibrary
from autoclip.providers.visuals.picture import PictureVisual
from autoclip.providers.writing.base import ScriptWriter, SourceMaterial
from autoclip.render.audio import (
    MUSIC_LEVEL_DB,
    Padding,
    encode_voice_track,
    measure_loudness,
    pad_voice,
)
from autoclip.render.thumbnail import make_thumbnail
from autoclip.render.timeline import FPS, plan_timeline
from autoclip.render.video import (
    BookendInput,
    EncoderSettings,
    RenderJob,
    SceneInput,
    render_video,
)
from autoclip.safety import SAFETY_VERSION, SafetyReport, Verdict, check_script, with_disclaimer
from autoclip.script.model import Scene, Script
from autoclip.visuals.colour_emoji import cache_parts
from autoclip.visuals.typeset import release_fonts as release_card_fonts

# Bump when a change to captions, rendering or publishing should invalidate cached renders.
ENGINE_VERSION = "6"  # 6: sub-pixel warp, frames piped to one encoder
SHARED_STAGES = frozenset({"script", "safety", "narration", "track", "visuals", "captions"})
NARRATION_GAP = 0.35  # seconds of silence between scenes
CONTENT_NAMESPACE = uuid.UUID("6f1c2a52-3b8e-4d0e-9a57-0c9d2f4e8b11")
T = TypeVar("T")
log = logging.getLogger("autoclip.engine")


@dataclass(frozen=True)
class GenerateRequest:
    source: SourceMaterial
    options: GenerateOptions = field(default_factory=GenerateOptions)
    music: Path | None = None
    assets: Path | AssetLibrary | None = None  # a folder, or the service's media library
    script: Script | None = None  # an edited script, used instead of writing one
    content_id: str | None = None  # the service passes its own; the CLI derives one
    # Stages to make anew although their inputs are unchanged (the service's "regenerate").
    # `refresh_token` joins their cache keys, so what follows them is remade too.
    refresh: frozenset[Stage] = frozenset()
    refresh_token: str = ""
    # A flagged script stops before narration until a person approves it (the project
    # asks for review); `approved` says one did.
    hold_flagged: bool = False
    approved: bool = False
    # From an earlier phase of the same content (the service's render phase): who served
    # each stage, so their cached work is reused rather than the chains asked again, and
    # the safety report of the script given, so it is not reviewed (and paid for) twice.
    served: dict[str, Any] | None = None
    safety: SafetyReport | None = None
    # Template, caption style and brand kit; the default is AutoClip's own look.
    look: Look = field(default_factory=Look)
    # The creator's own recording of the whole script, used instead of a narrator.
    narration_audio: Path | None = None
    # The files of the scenes' own pictures, by the `picture_id` the script's scenes give.
    pictures: dict[str, Path] = field(default_factory=dict)

    @property
    def music_bed(self) -> Path | None:
        """The music given for this video, else the brand's default bed."""
        if self.music is not None:
            return self.music
        return self.look.brand.music if self.look.brand else None


@dataclass
class GenerateResult:
    content_id: str
    script: Script
    outputs: dict[str, str | list[str]]
    duration_s: float
    timings: dict[str, float]
    reused: dict[str, bool]
    safety: SafetyReport
    served: dict[str, Any]  # who served each stage: {"script": "gemini", ...}
    usage_usd: float  # estimated spend on paid providers in this run


@dataclass(frozen=True)
class NarrationTrack:
    key: str
    wav: Path
    mp3: Path
    offsets: list[float]
    duration: float
    scenes: list[SceneNarration]


@dataclass(frozen=True)
class SceneVisual:
    key: str
    visual: Visual
    source: str  # the visual source that made it
    attribution: Attribution | None  # stock footage: whose work it is


@dataclass(frozen=True)
class Captions:
    key: str
    ass: Path
    srt: Path


@dataclass(frozen=True)
class Prepared:
    """Everything a render needs: the stages before it."""

    script: Script
    safety: SafetyReport
    track: NarrationTrack
    visuals: list[SceneVisual]
    captions: Captions
    served: dict[str, Any]


@dataclass(frozen=True)
class Held:
    """A flagged script whose project wants approval first: nothing after the safety check
    was made or paid for. `script` carries the disclaimer; `served` who wrote and checked."""

    report: SafetyReport
    script: Script
    served: dict[str, Any]


@dataclass
class RunContext:
    """One generation's own bookkeeping, so that the engine holds none between runs: how
    long each stage took, whether it came from the cache, who served it, and which stages
    are being remade (their cache keys carry the refresh token)."""

    refresh: frozenset[Stage] = frozenset()
    refresh_token: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    reused: dict[str, bool] = field(default_factory=dict)
    served: dict[str, Any] = field(default_factory=dict)

    def key(self, stage: Stage, *parts: object) -> str:
        """The stage cache key: its inputs, and the refresh token if it is to be remade."""
        token = self.refresh_token if stage in self.refresh else ""
        return input_hash(*parts, token) if token else input_hash(*parts)


class Engine:
    def __init__(
        self,
        storage: Storage,
        providers: Providers,
        progress: ProgressListener | None = None,
        render_timeout: float = 1800.0,
        *,
        work_dir: Path,
        should_cancel: Callable[[], bool] | None = None,
        shared_cache: Storage | None = None,
    ) -> None:
        self.storage = storage
        self.providers = providers
        self.progress = progress or SilentProgress()
        self.render_timeout = render_timeout
        self.work_dir = work_dir  # local scratch: the stage cache and render folders
        # Workers on several machines share the stages before the render through storage;
        # the render's output is published anyway, so it stays local.
        self.cache = StageCache(work_dir / "stages", shared_cache, SHARED_STAGES)
        self.should_cancel = should_cancel or (lambda: False)

    def generate(self, request: GenerateRequest) -> GenerateResult:
        """Every stage, published under the content's keys. A flagged script goes on: only
        `prepare` holds one for review."""
        run = _context(request)
        prepared = self._prepare(request, run, hold_flagged=False)
        assert isinstance(prepared, Prepared)
        content_id = request.content_id or content_id_for(request)
        script, track, visuals, captions = (
            prepared.script, prepared.track, prepared.visuals, prepared.captions
        )  # fmt: skip
        options = request.options
        video = self._stage(
            run,
            Stage.RENDER,
            track.duration,
            lambda: self._render(run, visuals, track, captions, request, options),
        )
        thumbnail = self._stage(
            run, Stage.THUMBNAIL, 1, lambda: self._thumbnail(run, script, visuals, options)
        )
        outputs = self._stage(
            run,
            Stage.PUBLISH,
            1,
            lambda: (
                self._publish(content_id, script, track, visuals, captions, video, thumbnail),
                False,
            ),
        )
        return GenerateResult(
            content_id=content_id,
            script=script,
            outputs=outputs,
            # the video's length: the narration's, and the brand's intro and outro
            duration_s=round(track.duration + sum(bookend_frames(request.look)) / FPS, 3),
            timings=dict(run.timings),
            reused=dict(run.reused),
            safety=prepared.safety,
            served=prepared.served,
            usage_usd=round(sum(r.usd for r in self.providers.meter.records), 6),
        )

    def prepare(self, request: GenerateRequest) -> Prepared | Held:
        """The stages up to the render: script, safety, narration, visuals, captions.

        Raises `ContentBlockedError` for a banned script; returns `Held` for a flagged one
        whose project wants approval first — both before any narration is paid for.
        """
        return self._prepare(request, _context(request), request.hold_flagged)

    def _prepare(
        self, request: GenerateRequest, run: RunContext, hold_flagged: bool
    ) -> Prepared | Held:
        narrators, visual_sources = self._validate(request)
        # A stage being remade asks its chain afresh: the user may be regenerating exactly
        # to be rid of what a fallback made.
        refreshed = {stage.value for stage in request.refresh}
        served = {k: v for k, v in (request.served or {}).items() if k not in refreshed}
        options = request.options
        script = self._stage(run, Stage.SCRIPT, 1, lambda: self._script(run, request))
        report = self._stage(run, Stage.SAFETY, 1, lambda: self._safety(run, script, request))
        if report.verdict is Verdict.BLOCKED:
            raise ContentBlockedError(report)
        if report.verdict is Verdict.FLAGGED and report.disclaimer:
            script = with_disclaimer(script, report.disclaimer)
            if hold_flagged and not request.approved:
                return Held(report, script, dict(run.served))
        brand = request.look.brand
        if brand is not None and brand.font is not None:
            # Before anything is spoken or paid for: a caption the font cannot draw would
            # lose characters silently.
            shown = " ".join(scene.narration for _, scene in script.timeline())
            check_text_covered(brand.font, shown)
        timeline_length = len(script.timeline())
        recording = request.narration_audio
        narrators = _pinned_first(narrators, served.get("narration"))

        def narrate() -> tuple[NarrationTrack, bool]:
            if recording is not None:  # the creator's own voice: no narrator is asked
                return self._narrate_recording(run, script, options, recording)
            return self._narrate(run, script, options, narrators)

        try:
            track = self._stage(run, Stage.NARRATION, timeline_length, narrate)
        finally:
            _release_voices(narrators)
        visuals = self._stage(
            run,
            Stage.VISUALS,
            timeline_length,
            lambda: self._visuals(
                run,
                script,
                options,
                visual_sources,
                served.get("visuals"),
                request.look,
                request.pictures,
            ),
        )
        captions = self._stage(
            run, Stage.CAPTIONS, 1, lambda: self._captions(track, options, request.look)
        )
        # Each stock item once, though several scenes may show it.
        by_item = {(c["provider"], c["id"]): c for v in visuals if (c := v.attribution)}
        credits = list(by_item.values())
        run.served["visuals"] = [v.source for v in visuals]
        run.served["attributions"] = credits
        script = _with_credits(script, [credit_line(c) for c in credits])
        return Prepared(script, report, track, visuals, captions, dict(run.served))

    # -- validation ---------------------------------------------------------------------

    def _validate(self, request: GenerateRequest) -> tuple[list[Narrator], list[VisualSource]]:
        """Check everything the user gave before any work or any file is written."""
        # Raises for an unknown voice or a provider that lacks its key.
        language = request.script.language if request.script else request.options.language
        narrators = self.providers.narrators(
            language, request.options.voice, dict(request.options.pronunciations)
        )
        if request.music is not None:
            if not request.music.is_file():
                raise InputError("music", f"file not found: {request.music}")
            try:
                _, kinds = media_info(request.music)
            except MediaError:
                kinds = set()
            if "audio" not in kinds:
                raise InputError("music", f"{request.music} is not an audio file")
        if request.narration_audio is not None and not request.narration_audio.is_file():
            raise InputError("narration_audio", f"file not found: {request.narration_audio}")
        if request.script is not None:
            for field_name, scene in _scene_fields(request.script):
                picture = scene.picture_id
                if picture is not None and not request.pictures.get(picture, Path()).is_file():
                    raise InputError(f"{field_name}.picture_id", f"no such picture: {picture}")
        return narrators, self.providers.visual_sources(request.assets)

    def _stage(
        self, run: RunContext, stage: Stage, total: float, work: Callable[[], tuple[T, bool]]
    ) -> T:
        if self.should_cancel():
            raise CancelledError(f"cancelled before {stage.value}")
        self.progress.stage_started(stage, total)
        self.providers.meter.stage = stage.value  # paid calls are accounted to this stage
        began = time.perf_counter()
        value, reused = work()
        seconds = time.perf_counter() - began
        run.timings[stage.value] = round(seconds, 3)
        run.reused[stage.value] = reused
        self.progress.stage_finished(stage, seconds, reused)
        return value

    # -- stages -------------------------------------------------------------------------

    def _script(self, run: RunContext, request: GenerateRequest) -> tuple[Script, bool]:
        if request.script is not None:
            run.served["script"] = (request.served or {}).get("script", "given")
            return request.script, True
        source, options = request.source, request.options

        def write_with(writer: ScriptWriter) -> tuple[Script, bool]:
            # Keyed by the writer that wrote it, not the chain: a script a fallback wrote
            # while the first writer was down is not reused once that writer is back.
            key = run.key(
                Stage.SCRIPT,
                "script",
                writer.identity(),
                asdict(source),
                [options.language, options.vertical, options.tone, options.length],
            )

            def write(folder: Path) -> None:
                script = writer.write(source, options)
                (folder / "script.json").write_text(script.model_dump_json(indent=2), "utf-8")

            entry, reused = self.cache.get_or_make("script", key, write)
            return Script.model_validate_json((entry / "script.json").read_text("utf-8")), reused

        writers = self.providers.writers_for(source)
        writer, (script, reused) = first_that_serves(writers, write_with, "script writer")
        run.served["script"] = writer.name
        return script, reused

    def _safety(
        self, run: RunContext, script: Script, request: GenerateRequest
    ) -> tuple[SafetyReport, bool]:
        if request.safety is not None:  # this very script was checked in an earlier phase
            run.served["safety"] = "+".join(request.safety.checked_by)
            return request.safety, True
        vertical = request.options.vertical
        reviewer = self.providers.reviewer()
        key = run.key(
            Stage.SAFETY,
            "safety",
            SAFETY_VERSION,
            script.words(),
            vertical.value,
            reviewer.identity() if reviewer else None,
        )

        def check(folder: Path) -> None:
            report = check_script(script, vertical, reviewer=reviewer)
            if reviewer is not None and reviewer.name not in report.checked_by:
                # The model could not review it (down, out of budget): use the rules'
                # report this once, but keep none, so a later run asks the model again.
                raise _NotKept(report)
            (folder / "safety.json").write_text(report.model_dump_json(indent=2), "utf-8")

        try:
            entry, reused = self.cache.get_or_make("safety", key, check)
        except _NotKept as unreviewed:
            report, reused = unreviewed.report, False
        else:
            report = SafetyReport.model_validate_json((entry / "safety.json").read_text("utf-8"))
        run.served["safety"] = "+".join(report.checked_by)
        return report, reused

    def _narrate(
        self,
        run: RunContext,
        script: Script,
        options: GenerateOptions,
        narrators: list[Narrator],
    ) -> tuple[NarrationTrack, bool]:
        """The whole narration by the first narrator of the chain that can give it: a video
        keeps one voice, so a narrator failing halfway hands every scene to the next."""
        narrator, made = first_that_serves(
            narrators, lambda n: self._narrate_with(run, n, script, options), "narrator"
        )
        run.served["narration"] = narrator.name
        return made

    def _narrate_with(
        self, run: RunContext, narrator: Narrator, script: Script, options: GenerateOptions
    ) -> tuple[NarrationTrack, bool]:
        requests = [
            VoiceRequest(scene.narration, script.language, options.voice, options.vertical)
            for _, scene in script.timeline()
        ]
        keys = [
            run.key(Stage.NARRATION, "narration", narrator.name, narrator.identity(request))
            for request in requests
        ]
        # A narration that would pass the budget halfway is not started: its first scenes
        # would be paid for and then thrown away, since a video keeps one voice.
        to_say = sum(
            len(request.text)
            for request, key in zip(requests, keys, strict=True)
            if self.cache.lookup("narration", key) is None
        )
        service = getattr(narrator, "service", None)
        if service is not None and to_say:
            self.providers.meter.check_affordable(service, {"characters": to_say})
        scenes: list[SceneNarration] = []
        all_reused = True
        for number, (voice_request, key) in enumerate(zip(requests, keys, strict=True), 1):
            if self.should_cancel():
                raise CancelledError("cancelled during narration")

            def speak(folder: Path, voice_request: VoiceRequest = voice_request) -> None:
                spoken = narrator.narrate(voice_request, folder / "scene.wav")
                stored = spoken.model_copy(update={"wav_path": Path("scene.wav")})
                (folder / "narration.json").write_text(stored.model_dump_json(), "utf-8")

            entry, reused = self.cache.get_or_make("narration", key, speak)
            stored = SceneNarration.model_validate_json((entry / "narration.json").read_text())
            scenes.append(stored.model_copy(update={"wav_path": entry / "scene.wav"}))
            all_reused &= reused
            self.progress.stage_advanced(Stage.NARRATION, number)
        # Every scene is spoken: the voice is not needed for the track's encodes that follow.
        _release_voices([narrator])
        track_key = input_hash("track", ENGINE_VERSION, keys, NARRATION_GAP)
        entry, reused = self.cache.get_or_make("track", track_key, lambda d: _assemble(scenes, d))
        meta = json.loads((entry / "track.json").read_text())
        track = NarrationTrack(
            key=track_key,
            wav=entry / "narration.wav",
            mp3=entry / "audio.mp3",
            offsets=meta["offsets"],
            duration=meta["duration"],
            scenes=scenes,
        )
        return track, all_reused and reused

    def _narrate_recording(
        self, run: RunContext, script: Script, options: GenerateOptions, audio: Path
    ) -> tuple[NarrationTrack, bool]:
        """The creator's recording of the whole script, cut into the scenes' narrations
        (`narration.recorded`); its scenes join with no added gap: the recording's own
        pauses between scenes are kept instead."""
        texts = [scene.narration for _, scene in script.timeline()]
        lexicon = dict(options.pronunciations)
        recording = load_recording(audio)
        key = run.key(
            Stage.NARRATION,
            "narration",
            recorded.SERVED_BY,
            recorded.identity(recording, texts, script.language, lexicon),
        )

        def cut(folder: Path) -> None:
            scenes = split_recording(recording, texts, script.language, folder, lexicon)
            stored = [
                s.model_copy(update={"wav_path": Path(s.wav_path.name)}).model_dump(mode="json")
                for s in scenes
            ]
            (folder / "narration.json").write_text(json.dumps(stored), "utf-8")

        entry, reused = self.cache.get_or_make("narration", key, cut)
        scenes = [
            stored.model_copy(update={"wav_path": entry / stored.wav_path})
            for stored in map(
                SceneNarration.model_validate,
                json.loads((entry / "narration.json").read_text("utf-8")),
            )
        ]
        self.progress.stage_advanced(Stage.NARRATION, len(scenes))
        run.served["narration"] = recorded.SERVED_BY
        track_key = input_hash("track", ENGINE_VERSION, [key], 0.0)
        made, track_reused = self.cache.get_or_make(
            "track", track_key, lambda d: _assemble(scenes, d, gap=0.0)
        )
        meta = json.loads((made / "track.json").read_text())
        track = NarrationTrack(
            key=track_key,
            wav=made / "narration.wav",
            mp3=made / "audio.mp3",
            offsets=meta["offsets"],
            duration=meta["duration"],
            scenes=scenes,
        )
        return track, reused and track_reused

    def _visuals(
        self,
        run: RunContext,
        script: Script,
        options: GenerateOptions,
        sources: list[VisualSource],
        pinned: list[str] | None,
        look: Look,
        pictures: dict[str, Path],
    ) -> tuple[list[SceneVisual], bool]:
        timeline = script.timeline()
        fields = [name for name, _ in _scene_fields(script)]
        card = look.card_layout(options.aspect, options.frame_size)
        made: list[SceneVisual] = []
        all_reused = True
        shown: set[str] = set()
        for number, (kind, scene) in enumerate(timeline, start=1):
            if self.should_cancel():
                raise CancelledError("cancelled during visuals")
            visual_request = VisualRequest(
                scene=scene,
                kind=kind,
                number=number,
                total=len(timeline),
                title=script.title,
                language=script.language,
                vertical=options.vertical,
                size=options.frame_size,
                shown=frozenset(shown),
                card=card,
            )
            first = pinned[number - 1] if pinned and len(pinned) == len(timeline) else None
            chain = _pinned_first(sources, first)
            if scene.picture_id is not None:
                # The user's own choice for this scene: no other source stands in for it.
                where = f"{fields[number - 1]}.picture_id"
                if scene.picture_id not in pictures:
                    raise InputError(where, f"no such picture: {scene.picture_id}")
                chain = [PictureVisual(pictures[scene.picture_id], where)]
            visual, reused = self._scene_visual(run, visual_request, chain)
            if visual.attribution:
                shown.add(stock_key(visual.attribution))
            made.append(visual)
            all_reused &= reused
            self.progress.stage_advanced(Stage.VISUALS, number)
        return made, all_reused

    def _scene_visual(
        self, run: RunContext, visual_request: VisualRequest, sources: list[VisualSource]
    ) -> tuple[SceneVisual, bool]:
        """The scene's visual from the first source of the chain that has one."""

        def make_with(source: VisualSource) -> tuple[SceneVisual, bool]:
            key = run.key(Stage.VISUALS, "visual", source.name, source.identity(visual_request))

            def make(folder: Path) -> None:
                visual = source.make(visual_request, folder)
                (folder / "visual.json").write_text(json.dumps(_visual_record(visual, folder)))

            entry, reused = self.cache.get_or_make("visuals", key, make)
            credit = read_attribution(entry)
            return SceneVisual(key, _load_visual(entry), source.name, credit), reused

        what = f"scene {visual_request.number} visual source"
        _, made = first_that_serves(sources, make_with, what)
        return made

    def _captions(
        self, track: NarrationTrack, options: GenerateOptions, look: Look
    ) -> tuple[Captions, bool]:
        # On the whole video's clock: after the brand's intro, if it has one.
        intro_frames, _ = bookend_frames(look)
        shift = intro_frames / FPS
        words = [
            WordTiming(
                text=word.text, start=shift + offset + word.start, end=shift + offset + word.end
            )
            for offset, scene in zip(track.offsets, track.scenes, strict=True)
            for word in scene.words
        ]
        size = options.frame_size
        style = _caption_style(look, options)
        parts: list[object] = [
            "captions",
            ENGINE_VERSION,
            asdict(style),
            file_fingerprint(style.font_path) if style.font_path else None,
            track.duration,
            [w.model_dump() for w in words],
        ]
        if intro_frames:  # without an intro, the same key as before intros existed
            parts.append(intro_frames)
        if style.look.emoji and any(has_emoji(word.text) for word in words):
            # whether and how emoji are drawn; emoji-free captions keep their key
            parts.append(("emoji", LAYER_FONT_VERSION, emoji_available()))
        key = input_hash(*parts)

        def write(folder: Path) -> None:
            pages = layout_pages(words, size, shift + track.duration, style=style)
            (folder / "captions.ass").write_text(render_ass(pages, style), "utf-8")
            (folder / "captions.srt").write_text(render_srt(pages), "utf-8")

        entry, reused = self.cache.get_or_make("captions", key, write)
        return Captions(key, entry / "captions.ass", entry / "captions.srt"), reused

    def _render(
        self,
        run: RunContext,
        visuals: list[SceneVisual],
        track: NarrationTrack,
        captions: Captions,
        request: GenerateRequest,
        options: GenerateOptions,
    ) -> tuple[Path, bool]:
        encoder = EncoderSettings.draft() if options.draft else EncoderSettings()
        music, look = request.music_bed, request.look
        brand = look.brand
        parts: list[object] = [
            "render",
            ENGINE_VERSION,
            [v.key for v in visuals],
            track.key,
            captions.key,
            file_fingerprint(music) if music else None,
            options.frame_size,
            asdict(encoder),
        ]
        if not look.is_default:  # AutoClip's own look keeps its cached renders
            logo = file_fingerprint(brand.logo) if brand and brand.logo else None
            parts.append([look.fingerprint(), look.crossfade, logo])
            clips = [b.clip for b in (brand.intro, brand.outro) if b and b.clip] if brand else []
            if clips:
                parts.append([file_fingerprint(clip) for clip in clips])

        key = run.key(Stage.RENDER, *parts)

        def render(folder: Path) -> None:
            self._run_render(visuals, track, captions, music, look, options, encoder, folder)

        entry, reused = self.cache.get_or_make("render", key, render)
        return entry / "original.mp4", reused

    def _run_render(
        self,
        visuals: list[SceneVisual],
        track: NarrationTrack,
        captions: Captions,
        music: Path | None,
        look: Look,
        options: GenerateOptions,
        encoder: EncoderSettings,
        out_folder: Path,
    ) -> None:
        # ffmpeg runs inside a scratch folder holding links to its inputs under plain names,
        # so no path that reaches the filter graph needs escaping.
        scratch = self.work_dir / "jobs" / uuid.uuid4().hex
        make_private_dir(scratch)  # temp/ and jobs/ too, when made here: owner-only
        try:
            scenes = [_link_scene_input(v.visual, n, scratch) for n, v in enumerate(visuals, 1)]
            shutil.copyfile(captions.ass, scratch / "captions.ass")
            brand = look.brand
            emoji = _emoji_font(captions.ass, self.work_dir / "fonts")
            _link_fonts(scratch / "fonts", brand.font if brand else None, emoji)
            level = brand.music_level_db if brand else MUSIC_LEVEL_DB
            timeline = plan_timeline(track.offsets, track.duration, crossfade=look.crossfade)
            intro, outro = _bookend_inputs(look, options, scratch)
            voice, duration = track.wav, track.duration
            if intro is not None or outro is not None:
                voice = scratch / "voice.wav"
                pad_voice(track.wav, timeline.duration, _padding(intro), _padding(outro), voice)
                duration = _wav_seconds(voice)
            loudness = measure_loudness(voice, music, duration, level)
            logo, logo_at = None, (0, 0)
            if brand is not None and brand.logo is not None:
                logo = Path("logo.png")
                drawn = prepare_logo(
                    brand.logo, options.frame_size, brand.logo_size, brand.logo_opacity,
                    scratch / logo,
                )  # fmt: skip
                logo_at = logo_corner(brand.logo_position, options.frame_size, drawn)
            # The encoder is about to start beside this process: give back what the earlier
            # stages freed (measured on the 60 s benchmark: the render's whole-tree peak),
            # the fonts the cards and captions opened included (the thumbnail reopens one).
            release_caption_fonts()
            release_card_fonts()
            release_emoji_tables()
            return_freed_memory()
            job = RenderJob(
                scenes=scenes,
                timeline=timeline,
                size=options.frame_size,
                narration=voice,
                music=music,
                captions=Path("captions.ass"),
                fonts_dir=Path("fonts"),
                loudness=loudness,
                encoder=encoder,
                output=out_folder / "original.mp4",
                logo=logo,
                logo_at=logo_at,
                music_level_db=level,
                intro=intro,
                outro=outro,
            )
            render_video(
                job,
                cwd=scratch,
                timeout=self.render_timeout,
                on_progress=lambda seconds: self.progress.stage_advanced(Stage.RENDER, seconds),
                should_cancel=self.should_cancel,
                what="render",
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _thumbnail(
        self,
        run: RunContext,
        script: Script,
        visuals: list[SceneVisual],
        options: GenerateOptions,
    ) -> tuple[Path, bool]:
        # The first body scene makes the backdrop: the hook card is mostly text already.
        backdrop = visuals[1] if len(visuals) > 1 else visuals[0]
        # The thumbnail says what the hook says: the fact that makes a viewer stop.
        headline = script.hook.on_screen_text.strip() or script.title
        key = run.key(
            Stage.THUMBNAIL,
            "thumbnail",
            ENGINE_VERSION,
            headline,
            backdrop.key,
            options.frame_size,
            options.vertical,
            *cache_parts(headline),
        )

        def draw(folder: Path) -> None:
            make_thumbnail(
                headline,
                backdrop.visual.still_path,
                options.frame_size,
                options.vertical,
                folder / "thumbnail.jpg",
            )

        entry, reused = self.cache.get_or_make("thumbnail", key, draw)
        return entry / "thumbnail.jpg", reused

    def _publish(
        self,
        content_id: str,
        script: Script,
        track: NarrationTrack,
        visuals: list[SceneVisual],
        captions: Captions,
        video: Path,
        thumbnail: Path,
    ) -> dict[str, str | list[str]]:
        put = self.storage.put_file
        scratch = self.work_dir / "jobs" / uuid.uuid4().hex
        make_private_dir(scratch)  # temp/ and jobs/ too, when made here: owner-only
        try:
            script_file = scratch / "script.json"
            script_file.write_text(script.model_dump_json(indent=2), "utf-8")
            images = [
                put(image_key(content_id, n), v.visual.still_path)
                for n, v in enumerate(visuals, start=1)
            ]
            return {
                "script": put(video_key(content_id, "script.json"), script_file),
                "audio": put(video_key(content_id, "audio.mp3"), track.mp3),
                "captions_srt": put(video_key(content_id, "captions.srt"), captions.srt),
                "captions_ass": put(video_key(content_id, "captions.ass"), captions.ass),
                "thumbnail": put(video_key(content_id, "thumbnail.jpg"), thumbnail),
                # the video last: its presence means the content is complete
                "video": put(video_key(content_id, "original.mp4"), video),
                "images": images,
            }
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _scene_fields(script: Script) -> list[tuple[str, Scene]]:
    """The scenes in timeline order with the field that names each ("scenes.0")."""
    body = [(f"scenes.{n}", scene) for n, scene in enumerate(script.scenes)]
    return [("hook", script.hook), *body, ("cta", script.cta)]


def _context(request: GenerateRequest) -> RunContext:
    return RunContext(refresh=request.refresh, refresh_token=request.refresh_token)


class _NotKept(Exception):
    """Raised inside a stage cache `make` to use a result without keeping it."""

    def __init__(self, report: SafetyReport) -> None:
        super().__init__("not kept")
        self.report = report


def _with_credits(script: Script, credits: list[str]) -> Script:
    """The description with a credit line for every stock item not credited yet."""
    missing = [line for line in dict.fromkeys(credits) if line not in script.description]
    if not missing:
        return script
    description = "\n".join([script.description.rstrip(), *missing]).strip()
    return script.model_copy(update={"description": description})


def _release_voices(narrators: list[Narrator]) -> None:
    """Let narrators free what they loaded (a Piper voice and its onnxruntime session take
    about 400 MiB once it has spoken a minute) before the render starts beside them."""
    for narrator in narrators:
        release = getattr(narrator, "release", None)
        if callable(release):
            release()


def _pinned_first(chain: list[T], name: str | None) -> list[T]:
    """`chain` with the provider called `name` (one that served before) moved to the front."""
    if name is None:
        return chain
    first = [p for p in chain if getattr(p, "name", None) == name]
    return first + [p for p in chain if getattr(p, "name", None) != name]


def content_id_for(request: GenerateRequest) -> str:
    """The same request always names the same content, so a re-run resumes it."""
    script = request.script.model_dump(mode="json") if request.script else None
    parts: list[object] = [
        asdict(request.source),
        asdict(request.options),
        file_fingerprint(request.music) if request.music else None,
        _assets_named(request.assets),
        script,
    ]
    if request.narration_audio is not None:  # the same content ids as before without one
        parts.append(file_fingerprint(request.narration_audio))
    if not request.look.is_default:  # the same content ids as before for AutoClip's look
        parts.append(request.look.fingerprint())
    digest = input_hash(*parts)
    return str(uuid.uuid5(CONTENT_NAMESPACE, digest))


def _assets_named(assets: Path | AssetLibrary | None) -> object:
    if isinstance(assets, AssetLibrary):
        return [asset.ident or str(asset.path) for asset in assets.assets]
    return str(assets.resolve()) if assets else None


def _caption_style(look: Look, options: GenerateOptions) -> CaptionStyle:
    brand = look.brand
    font = brand.font if brand else None
    family = font_info(font.read_bytes(), "brand.font").family if font else CAPTION_FONT_FAMILY
    return caption_style(
        options.frame_size,
        look.caption_look(options.aspect),
        font_path=font,
        font_family=family,
        max_page_seconds=look.caption_page_seconds,
    )


def bookend_frames(look: Look) -> tuple[int, int]:
    """Frames of the brand's intro and outro (0 for none)."""
    brand = look.brand
    if brand is None:
        return 0, 0
    intro = brand.intro.frames(FPS) if brand.intro else 0
    outro = brand.outro.frames(FPS) if brand.outro else 0
    return intro, outro


def _bookend_inputs(
    look: Look, options: GenerateOptions, scratch: Path
) -> tuple[BookendInput | None, BookendInput | None]:
    """The intro and outro as the render takes them: a card drawn into `scratch` at the
    frame's size, or a link to the clip."""
    brand = look.brand
    if brand is None:
        return None, None
    made: list[BookendInput | None] = []
    for name, bookend in (("intro", brand.intro), ("outro", brand.outro)):
        if bookend is None:
            made.append(None)
            continue
        if bookend.kind is BookendKind.CLIP:
            assert bookend.clip is not None
            path = scratch / f"{name}_clip"
            path.symlink_to(bookend.clip.resolve())
        else:
            path = scratch / f"{name}.png"
            draw_card(
                bookend, options.frame_size, path,
                accent=brand.accent_colour, logo=brand.logo, font=brand.font,
            )  # fmt: skip
        made.append(BookendInput(path, bookend.frames(FPS), bookend.kind is BookendKind.CLIP))
    return made[0], made[1]


def _padding(bookend: BookendInput | None) -> Padding:
    if bookend is None:
        return Padding(0.0)
    sound = bookend.path if bookend.clip and clip_info(bookend.path).audio else None
    return Padding(bookend.frames / FPS, sound)


def _emoji_font(captions: Path, cache_dir: Path) -> Path | None:
    """The emoji layer font (`kit/emoji.py`), derived once into `cache_dir`, when the
    captions draw emoji; libass reads every font in its folder, so only then."""
    if EMOJI_FAMILY not in captions.read_text("utf-8"):
        return None
    return layer_font(cache_dir)


def _link_fonts(folder: Path, brand_font: Path | None, emoji_font: Path | None = None) -> None:
    """The fonts libass may use: the bundled sans, the brand's font when there is one, and
    the emoji layer font when the captions draw emoji."""
    # Only the files named: libass reads every font in the folder into memory (the serif
    # beside the sans in its package is 7.3 MiB the captions never use).
    folder.mkdir()
    (folder / sans_font_path().name).symlink_to(sans_font_path())
    if brand_font is not None:
        brand = folder / f"brand{brand_font.suffix.lower() or '.ttf'}"
        brand.symlink_to(brand_font.resolve())
    if emoji_font is not None:
        (folder / "emoji-layers.ttf").symlink_to(emoji_font.resolve())


def _assemble(scenes: list[SceneNarration], folder: Path, gap: float = NARRATION_GAP) -> None:
    wav = folder / "narration.wav"
    offsets = assemble_track(scenes, wav, gap=gap)
    # audio.mp3: the narration on its own, at the same loudness as the video.
    encode_voice_track(wav, folder / "audio.mp3", ["-c:a", "libmp3lame", "-b:a", "128k"])
    exact = _wav_seconds(wav)
    (folder / "track.json").write_text(json.dumps({"offsets": offsets, "duration": exact}))


def _wav_seconds(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def _visual_record(visual: Visual, folder: Path) -> dict[str, str]:
    inside = visual.path.parent == folder
    return {
        "kind": visual.kind.value,
        "path": visual.path.name if inside else str(visual.path),
        "inside": "yes" if inside else "no",
        "still": visual.still_path.name,
        "origin": visual.origin,
    }


def _load_visual(entry: Path) -> Visual:
    record = json.loads((entry / "visual.json").read_text())
    path = entry / record["path"] if record["inside"] == "yes" else Path(record["path"])
    return Visual(
        kind=VisualKind(record["kind"]),
        path=path,
        still_path=entry / record["still"],
        origin=record["origin"],
    )


def _link_scene_input(visual: Visual, number: int, scratch: Path) -> SceneInput:
    if visual.kind is VisualKind.STILL:
        name = Path(f"scene_{number}.png")
        (scratch / name).symlink_to(visual.path)
        return SceneInput(VisualKind.STILL, name)
    duration, _ = media_info(visual.path)
    return SceneInput(VisualKind.CLIP, visual.path, duration)
