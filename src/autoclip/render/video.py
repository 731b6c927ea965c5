"""The one ffmpeg run that turns scene visuals, narration and captions into the video.

Stills get a slow Ken Burns move from `zoompan`. `zoompan` crops in whole pixels, which
shows as jitter on slow zooms; upscaling the still 2x first halves the step to a
sub-pixel one (RENDER-NOTES measured 2.7 px jumps at 1x and 0.17 px at 2x). Each still
is decoded once and one `zoompan` emits all the frames of its scene (`-loop 1` would
re-decode the PNG every frame); `split` + `trim` then cut that motion into the head,
body and tail segments the timeline asks for.

ffmpeg brings every source chain up as soon as the graph starts, and each chain keeps
its frame pools (a supersampled 1080x1920 still is 12 MB) until the end. So the graph
has one chain per scene, not one per segment: measured on the 60 s benchmark, 395 MB
for the filter graph instead of 890 MB, and 15% less filter CPU.
Clips are scaled to cover the frame, looped if short, and trimmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from autoclip.providers.visuals.base import VisualKind
from autoclip.render.audio import (
    MUSIC_LEVEL_DB,
    Loudness,
    SoundtrackInputs,
    add_mix,
    music_input_args,
    normalise_filters,
)
from autoclip.render.graph import Filter, FilterGraph
from autoclip.render.timeline import Segment, SegmentRole, Timeline

SUPERSAMPLE = 2
ZOOM_RANGE = (1.0, 1.08)
# Where each scene's zoom is anchored (fractions of the free margin), cycled by scene so
# consecutive scenes move differently; even scenes zoom in, odd ones zoom out.
FOCUS_POINTS = ((0.5, 0.5), (0.3, 0.35), (0.7, 0.4), (0.45, 0.65), (0.6, 0.3))


@dataclass(frozen=True)
class EncoderSettings:
    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "160k"
    threads: int = 0  # 0 = x264 picks (all cores)

    @classmethod
    def draft(cls) -> EncoderSettings:
        return cls(preset="ultrafast", crf=28, audio_bitrate="128k")


@dataclass(frozen=True)
class SceneInput:
    kind: VisualKind
    path: Path
    duration: float | None = None  # of a clip; None for stills


@dataclass(frozen=True)
class RenderJob:
    scenes: list[SceneInput]
    timeline: Timeline
    size: tuple[int, int]
    narration: Path
    music: Path | None
    captions: Path | None
    fonts_dir: Path
    loudness: Loudness
    encoder: EncoderSettings
    output: Path
    # A brand's logo: an RGBA PNG already scaled, its opacity applied, and where its
    # top-left corner goes. Drawn under the captions, over every scene.
    logo: Path | None = None
    logo_at: tuple[int, int] = (0, 0)
    music_level_db: float = MUSIC_LEVEL_DB


def _cover(width: int, height: int) -> list[Filter]:
    """Scale to cover width x height, centre-crop, as limited-range BT.709 yuv420p.

    Stills and clips arrive as full-range RGB or anything else; converting in the same
    `scale` that resizes saves a pass and a frame pool per chain, and the tags make
    players use the right matrix.
    """
    return [
        Filter.of(
            "scale",
            w=width,
            h=height,
            force_original_aspect_ratio="increase",
            flags="bicubic",
            out_color_matrix="bt709",
            out_range="tv",
        ),
        Filter.of("format", pix_fmts="yuv420p"),
        Filter.of("crop", w=width, h=height),
        Filter.of(
            "setparams", range="tv", colorspace="bt709", color_primaries="bt709", color_trc="bt709"
        ),
    ]


def _still_source(scene: SceneInput, size: tuple[int, int]) -> list[Filter]:
    """Decode the still and supersample it for `zoompan`."""
    width, height = size
    # A `movie` source rather than an -i input: it needs no demuxer thread and queue.
    source = Filter.of("movie", filename=graph_path(scene.path))
    return [source, *_cover(width * SUPERSAMPLE, height * SUPERSAMPLE)]


def _still_motion(segment: Segment, span_frames: int, size: tuple[int, int], fps: int) -> Filter:
    width, height = size
    zoom_in = segment.scene % 2 == 0
    start, end = ZOOM_RANGE if zoom_in else ZOOM_RANGE[::-1]
    focus_x, focus_y = FOCUS_POINTS[segment.scene % len(FOCUS_POINTS)]
    # progress runs 0 -> 1 over the scene's whole span, whichever segment this is
    progress = f"(on+{segment.first_frame})/{max(1, span_frames - 1)}"
    return Filter.of(
        "zoompan",
        z=f"{start}+({end - start:.4f})*{progress}",
        x=f"(iw-iw/zoom)*{focus_x}",
        y=f"(ih-ih/zoom)*{focus_y}",
        d=segment.frames,
        s=f"{width}x{height}",
        fps=fps,
    )


def _clip_fit(segment: Segment, fps: int, size: tuple[int, int]) -> list[Filter]:
    width, height = size
    return [
        Filter.of("fps", fps=fps),
        *_cover(width, height),
        Filter.of("trim", end_frame=segment.frames),
        Filter.of("setpts", expr="PTS-STARTPTS"),
    ]


_SAFE_GRAPH_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")


def graph_path(path: Path) -> str:
    """A file named inside the filter graph: relative to the render's working directory and
    made of safe characters only, so no escaping rules are ever in play."""
    text = path.as_posix()
    if path.is_absolute() or ".." in path.parts or not _SAFE_GRAPH_PATH.fullmatch(text):
        raise ValueError(f"unsafe path for a filter graph: {text!r}")
    return text


def _clip_input(scene: SceneInput, segment: Segment, fps: int) -> list[str]:
    # Seek into the clip where this segment starts; loop clips shorter than the scene.
    offset = segment.first_frame / fps
    if scene.duration:
        offset %= scene.duration
    return ["-stream_loop", "-1", "-ss", f"{offset:.3f}", "-i", str(scene.path)]


def _add_still_scene(
    graph: FilterGraph, job: RenderJob, index: int, feeds: list[tuple[str, Segment]]
) -> None:
    """One moving still for the scene's whole span, cut into its head, body and tail."""
    span = job.timeline.spans[index].frames
    whole = Segment(index, SegmentRole.BODY, 0, span)
    chain = [
        *_still_source(job.scenes[index], job.size),
        _still_motion(whole, span, job.size, job.timeline.fps),
        Filter.of("setsar", r=1),
    ]
    if len(feeds) == 1:
        graph.add([], chain, [feeds[0][0]])
        return
    cuts = [f"cut{segment.role.value}{index}" for _, segment in feeds]
    graph.add([], [*chain, Filter.of("split", outputs=len(feeds))], cuts)
    for cut, (label, segment) in zip(cuts, feeds, strict=True):
        end = segment.first_frame + segment.frames
        trim = Filter.of("trim", start_frame=segment.first_frame, end_frame=end)
        graph.add([cut], [trim, Filter.of("setpts", expr="PTS-STARTPTS")], [label])


def _add_crossfade(
    graph: FilterGraph, outgoing: str, incoming: str, number: int, timeline: Timeline
) -> str:
    """The incoming scene fades in over the outgoing one; returns the blended label.

    overlay blends yuv420p directly, where xfade converts both inputs to yuv444p:
    measured 12% less filter CPU and 10% less memory for the whole graph.
    """
    seconds = timeline.fade_frames / timeline.fps
    fade_in = Filter.of("fade", type="in", start_time=0, duration=seconds, alpha=1)
    graph.add([incoming], [Filter.of("format", pix_fmts="yuva420p"), fade_in], [f"a{number}"])
    graph.add(
        [outgoing, f"a{number}"],
        [Filter.of("overlay", format="yuv420", shortest=1)],
        [f"x{number}"],
    )
    return f"x{number}"


def _add_soundtrack(graph: FilterGraph, job: RenderJob, first_input: int) -> list[str]:
    """Wire narration (and music) into [aout]; returns their input arguments."""
    args = ["-i", str(job.narration)]
    music_label = None
    if job.music is not None:
        args += music_input_args(job.music)
        music_label = f"{first_input + 1}:a"
    inputs = SoundtrackInputs(
        f"{first_input}:a", music_label, job.timeline.duration, job.music_level_db
    )
    add_mix(graph, inputs, "mix")
    graph.add(["mix"], normalise_filters(job.loudness), ["aout"])
    return args


def build_render_args(job: RenderJob) -> list[str]:
    """ffmpeg arguments (without the binary) for the whole render."""
    timeline = job.timeline
    graph = FilterGraph()
    args: list[str] = []
    concat_labels: list[str] = []
    next_input = 0
    feeds: dict[int, list[tuple[str, Segment]]] = {}
    for number, piece in enumerate(timeline.pieces):
        labels = []
        for segment in piece:
            scene = job.scenes[segment.scene]
            label = f"p{number}{segment.role.value}{segment.scene}"
            labels.append(label)
            if scene.kind is VisualKind.STILL:
                feeds.setdefault(segment.scene, []).append((label, segment))
                continue
            args += _clip_input(scene, segment, timeline.fps)
            filters = _clip_fit(segment, timeline.fps, job.size)
            graph.add([f"{next_input}:v"], [*filters, Filter.of("setsar", r=1)], [label])
            next_input += 1
        if len(piece) == 2 and piece[0].role is SegmentRole.TAIL:
            labels = [_add_crossfade(graph, labels[0], labels[1], number, timeline)]
        concat_labels += labels

    for scene_index, scene_feeds in feeds.items():
        _add_still_scene(graph, job, scene_index, scene_feeds)

    video_filters = [Filter.of("concat", n=len(concat_labels), v=1, a=0)]
    if job.logo is not None:
        graph.add(concat_labels, video_filters, ["scenes"])
        _add_logo(graph, job, "scenes", "branded")
        concat_labels, video_filters = ["branded"], [Filter.of("null")]
    if job.captions is not None:
        video_filters.append(
            Filter.of(
                "ass",
                filename=graph_path(job.captions),
                fontsdir=graph_path(job.fonts_dir),
            )
        )
    graph.add(concat_labels, video_filters, ["vout"])

    args += _add_soundtrack(graph, job, first_input=next_input)
    graph.validate({"vout", "aout"})

    return [
        *args,
        "-filter_complex",
        graph.render(),
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        *_encoder_args(job, timeline),
        str(job.output),
    ]


def _add_logo(graph: FilterGraph, job: RenderJob, under: str, out: str) -> None:
    """The logo over `under`: one decoded still, overlaid in place on every frame."""
    assert job.logo is not None
    graph.add([], [Filter.of("movie", filename=graph_path(job.logo))], ["logo"])
    x, y = job.logo_at
    overlay = Filter.of("overlay", x=x, y=y, format="yuv420")
    graph.add([under, "logo"], [overlay], [out])


def _encoder_args(job: RenderJob, timeline: Timeline) -> list[str]:
    enc = job.encoder
    return [
        "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf),
        "-pix_fmt", "yuv420p", "-r", str(timeline.fps), "-g", str(timeline.fps * 2),
        "-color_range", "tv", "-colorspace", "bt709", "-color_primaries", "bt709",
        "-color_trc", "bt709",
        "-threads", str(enc.threads),
        "-c:a", "aac", "-b:a", enc.audio_bitrate, "-ar", "48000", "-ac", "2",
        "-frames:v", str(timeline.total_frames),
        "-movflags", "+faststart",
    ]  # fmt: skip
