"""build_render_args and render_video: the encoder's arguments and graph, the frames fed
to it, and real tiny renders checked frame by frame with ffprobe."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from autoclip.captions.ass import render_ass
from autoclip.captions.layout import CaptionPage, TimedWord
from autoclip.captions.style import caption_style
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.kit.fonts import sans_font_path
from autoclip.providers.visuals.base import VisualKind
from autoclip.render.audio import Loudness, measure_loudness
from autoclip.render.frames import video_frames
from autoclip.render.timeline import plan_timeline
from autoclip.render.video import (
    EncoderSettings,
    RenderJob,
    SceneInput,
    build_render_args,
    graph_path,
    render_video,
)

SIZE = (180, 320)
STARTS = [0.0, 1.0, 2.0]
DURATION = 3.0
COLOURS = [(220, 30, 30), (30, 200, 30), (30, 30, 220)]
FIXED_LOUDNESS = Loudness(integrated=-21.75)
_CHAIN = re.compile(r"^((?:\[[^\]]+\])*)(.*?)((?:\[[^\]]+\])*)$")


def write_sine(path: Path, seconds: float, frequency: int) -> Path:
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}:sample_rate=24000",
         "-c:a", "pcm_s16le", str(path)],
        timeout=60,
    )  # fmt: skip
    return path


def write_clip(path: Path, seconds: float) -> Path:
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}",
         "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(path)],
        timeout=60,
    )  # fmt: skip
    return path


def make_job(
    workdir: Path,
    *,
    music: bool = False,
    captions: bool = False,
    fps: int = 30,
    clip_scene: int | None = None,
    loudness: Loudness | None = None,
) -> RenderJob:
    """A 3-scene job whose files live in `workdir`, named relative to it."""
    (workdir / "scenes").mkdir(exist_ok=True)
    scenes = []
    # stills of different shapes, so scale-and-crop has work to do
    shapes = [(200, 300), (400, 200), (90, 160)]
    for number, (colour, shape) in enumerate(zip(COLOURS, shapes, strict=True)):
        if number == clip_scene:
            write_clip(workdir / "scenes" / f"c{number}.mp4", 0.6)
            scenes.append(SceneInput(VisualKind.CLIP, Path(f"scenes/c{number}.mp4"), 0.6))
            continue
        Image.new("RGB", shape, colour).save(workdir / "scenes" / f"s{number}.png")
        scenes.append(SceneInput(VisualKind.STILL, Path(f"scenes/s{number}.png")))
    write_sine(workdir / "voice.wav", DURATION, 440)
    music_path = write_sine(workdir / "music.wav", 1.0, 220) if music else None
    captions_path = None
    fonts = workdir / "fonts"
    if not fonts.exists():
        fonts.symlink_to(sans_font_path().parent, target_is_directory=True)
    if captions:
        page = CaptionPage([[TimedWord("hello", 0.0, 1.5), TimedWord("world", 1.5, 3.0)]], 0, 3)
        (workdir / "captions.ass").write_text(
            render_ass([page], caption_style(SIZE)), encoding="utf-8"
        )
        captions_path = Path("captions.ass")
    if loudness is None:
        loudness = FIXED_LOUDNESS
    return RenderJob(
        scenes=scenes,
        timeline=plan_timeline(STARTS, DURATION, fps=fps),
        size=SIZE,
        narration=Path("voice.wav"),
        music=Path("music.wav") if music_path else None,
        captions=captions_path,
        fonts_dir=Path("fonts"),
        loudness=loudness,
        encoder=EncoderSettings.draft(),
        output=Path("out.mp4"),
    )


def graph_of(args: list[str]) -> str:
    return args[args.index("-filter_complex") + 1]


def chains(graph: str) -> list[tuple[list[str], str, list[str]]]:
    """(input labels, filters, output labels) of each chain of a rendered graph."""
    parsed = []
    for text in graph.split(";"):
        match = _CHAIN.match(text)
        assert match is not None
        inputs, body, outputs = match.groups()
        parsed.append(
            (re.findall(r"\[([^\]]+)\]", inputs), body, re.findall(r"\[([^\]]+)\]", outputs))
        )
    return parsed


def assert_wired_once(graph: str, sinks: set[str]) -> None:
    """The rendered text, independently of FilterGraph.validate: every label made once and
    used once, every input stream used once."""
    parsed = chains(graph)
    produced = Counter(label for _, _, outs in parsed for label in outs)
    consumed = Counter(label for ins, _, _ in parsed for label in ins)
    assert all(count == 1 for count in produced.values())
    for label in produced:
        assert consumed[label] + (label in sinks) == 1, label
    for label, count in consumed.items():
        assert label in produced or re.fullmatch(r"\d+:[va]", label), label
        assert count == 1, label
    assert sinks <= set(produced)


def test_the_encoder_reads_raw_frames_then_the_narration(tmp_path: Path) -> None:
    job = make_job(tmp_path)
    args = build_render_args(job)
    graph = graph_of(args)
    assert_wired_once(graph, {"vout", "aout"})
    # the frames arrive raw on stdin at the job's size and the timeline's rate
    assert args[: args.index("-i") + 2] == [
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "180x320", "-framerate", "30",
        "-i", "pipe:0",
    ]  # fmt: skip
    # the narration is the second (and last) input; no scene is an input of the encoder
    assert [args[i + 1] for i, arg in enumerate(args) if arg == "-i"] == ["pipe:0", "voice.wav"]
    assert "[1:a]" in graph
    assert str(tmp_path) not in graph
    assert "1080" not in graph
    assert "1920" not in graph
    (video,) = [body for ins, body, outs in chains(graph) if outs == ["vout"]]
    assert video == "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"
    assert "ass=" not in graph
    assert args[args.index("-frames:v") + 1] == str(job.timeline.total_frames) == "90"
    assert args[args.index("-r") + 1] == "30"
    for option in ("-colorspace", "-color_primaries", "-color_trc"):
        assert args[args.index(option) + 1] == "bt709"
    assert args[args.index("-movflags") + 1] == "+faststart"
    assert args[-1] == "out.mp4"
    assert args[args.index("-map") : args.index("-map") + 4] == ["-map", "[vout]", "-map", "[aout]"]


def test_captions_add_the_ass_filter_before_the_tags(tmp_path: Path) -> None:
    job = make_job(tmp_path, captions=True)
    graph = graph_of(build_render_args(job))
    assert_wired_once(graph, {"vout", "aout"})
    ((ins, body),) = [(ins, body) for ins, body, outs in chains(graph) if outs == ["vout"]]
    assert ins == ["0:v"]
    assert body.startswith("ass=filename=captions.ass:fontsdir=fonts,setparams=")


def test_music_is_a_looped_third_input(tmp_path: Path) -> None:
    job = make_job(tmp_path, music=True)
    args = build_render_args(job)
    graph = graph_of(args)
    assert_wired_once(graph, {"vout", "aout"})
    inputs = args[args.index("pipe:0") + 1 : args.index("-filter_complex")]
    assert inputs == ["-i", "voice.wav", "-stream_loop", "-1", "-i", "music.wav"]
    assert "[2:a]" in graph
    assert "sidechaincompress" in graph


def test_the_frame_rate_follows_the_timeline(tmp_path: Path) -> None:
    job = make_job(tmp_path, fps=25)
    args = build_render_args(job)
    assert args[args.index("-framerate") + 1] == "25"
    assert args[args.index("-r") + 1] == "25"
    assert args[args.index("-frames:v") + 1] == "75"


def _centre_rgb(frame_y: int, frame_u: int, frame_v: int) -> tuple[float, float, float]:
    """BT.709 limited-range YUV to full-range RGB, for telling the test colours apart."""
    y, u, v = (frame_y - 16) * 255 / 219, (frame_u - 128) * 255 / 224, (frame_v - 128) * 255 / 224
    return y + 1.5748 * v, y - 0.1873 * u - 0.4681 * v, y + 1.8556 * u


def test_frames_follow_the_timeline_with_crossfades(tmp_path: Path) -> None:
    """Every planned frame, each scene's own picture in its body, and a crossfade that
    moves from one scene to the next one step at a time."""
    job = make_job(tmp_path, clip_scene=1)
    timeline = job.timeline
    seen: list[tuple[float, float, float]] = []
    for frame in video_frames(job.scenes, timeline, SIZE, tmp_path):
        assert frame.data.size == 180 * 320 * 3 // 2
        y, u, v = int(frame.y[160, 90]), int(frame.u[80, 45]), int(frame.v[80, 45])
        seen.append(_centre_rgb(y, u, v))
    assert len(seen) == timeline.total_frames == 90
    # scene 0 (red still) then scene 2 (blue still); scene 1 is the test clip
    assert max(range(3), key=lambda c: seen[5][c]) == 0
    assert max(range(3), key=lambda c: seen[85][c]) == 2
    # the fade into scene 2: red-free clip content fades to blue, monotonically in blue
    fade = timeline.fade_frames
    start = timeline.spans[2].start_frame
    blues = [seen[start + k][2] for k in range(fade)]
    assert blues == sorted(blues)
    assert seen[start - 1][2] < blues[-1] < seen[start + fade][2] + 2


@pytest.mark.parametrize(
    "good", ["scenes/s0.png", "a.png", "_x/y-z.1.png", "fonts", "dir/sub/file_name.ass"]
)
def test_graph_path_accepts_safe_relative_paths(good: str) -> None:
    assert graph_path(Path(good)) == good


@pytest.mark.parametrize(
    "bad",
    [
        "/tmp/a.png",
        "../a.png",
        "scenes/../../a.png",
        "my scene.png",
        "it's.png",
        'say"hi".png',
        "c:a.png",
        "dir/a:b.png",
        "a,b.png",
        "a[1].png",
        "a;b.png",
        "-rf.png",
        ".hidden.png",
    ],
)
def test_graph_path_refuses_unsafe_paths(bad: str) -> None:
    with pytest.raises(ValueError, match="unsafe path"):
        graph_path(Path(bad))


def test_an_absolute_scene_path_is_refused_by_the_builder(tmp_path: Path) -> None:
    job = make_job(tmp_path)
    absolute = SceneInput(VisualKind.STILL, tmp_path / "scenes" / "s0.png")
    bad = RenderJob(**{**job.__dict__, "scenes": [absolute, *job.scenes[1:]]})
    with pytest.raises(ValueError, match="unsafe path"):
        build_render_args(bad)


# --- real renders ---------------------------------------------------------------------


def ffprobe() -> str:
    found = shutil.which("ffprobe")
    if found is None:
        pytest.skip("ffprobe is not installed")
    return found


def probe(path: Path) -> dict[str, object]:
    completed = subprocess.run(
        [ffprobe(), "-v", "error", "-count_frames", "-show_streams", "-show_format",
         "-of", "json", str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    data: dict[str, object] = json.loads(completed.stdout)
    return data


def frame_at(video: Path, seconds: float, out: Path) -> tuple[int, int, int]:
    """RGB of the centre pixel of the frame shown at `seconds`."""
    run_ffmpeg(["-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", str(out)], timeout=60)
    with Image.open(out) as image:
        rgb = image.convert("RGB")
        pixel = rgb.getpixel((rgb.width // 2, rgb.height // 2))
    assert isinstance(pixel, tuple)
    red, green, blue = (int(channel) for channel in pixel[:3])
    return red, green, blue


def integrated_loudness(path: Path) -> float:
    stderr = run_ffmpeg(["-i", str(path), "-map", "0:a", "-af", "ebur128", "-f", "null", "-"])
    summary = stderr[stderr.rindex("Summary:") :]
    match = re.search(r"I:\s+(-?\d+(?:\.\d+)?) LUFS", summary)
    assert match is not None
    return float(match.group(1))


def render(job: RenderJob, workdir: Path) -> Path:
    progress: list[float] = []
    render_video(job, timeout=120, cwd=workdir, on_progress=progress.append, what="test render")
    assert progress
    assert progress[-1] > 0
    return workdir / job.output


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("music", "captions", "fps", "clip_scene"),
    [
        pytest.param(False, True, 30, None, id="captions"),
        pytest.param(True, False, 30, None, id="music"),
        pytest.param(True, True, 25, None, id="music-25fps"),
        pytest.param(False, False, 30, 1, id="clip"),
    ],
)
def test_a_tiny_render_has_exactly_the_planned_frames(
    tmp_path: Path, music: bool, captions: bool, fps: int, clip_scene: int | None
) -> None:
    job = make_job(tmp_path, music=music, captions=captions, fps=fps, clip_scene=clip_scene)
    music_path = tmp_path / job.music if job.music else None
    measured = measure_loudness(tmp_path / job.narration, music_path, DURATION)
    job = RenderJob(**{**job.__dict__, "loudness": measured})
    here = Path.cwd()
    output = render(job, tmp_path)
    assert Path.cwd() == here

    info = probe(output)
    streams = info["streams"]
    assert isinstance(streams, list)
    (video,) = [s for s in streams if s["codec_type"] == "video"]
    (audio,) = [s for s in streams if s["codec_type"] == "audio"]
    assert int(video["nb_read_frames"]) == job.timeline.total_frames
    assert (int(video["width"]), int(video["height"])) == SIZE
    assert video["r_frame_rate"] == f"{fps}/1"
    assert float(video["duration"]) == pytest.approx(DURATION, abs=1 / fps)
    assert (int(audio["sample_rate"]), int(audio["channels"])) == (48000, 2)
    assert float(audio["duration"]) == pytest.approx(DURATION, abs=0.1)
    format_info = info["format"]
    assert isinstance(format_info, dict)
    assert float(format_info["duration"]) == pytest.approx(DURATION, abs=0.1)

    # each scene shows its own still (or the clip) in the middle of its time
    for scene, seconds in enumerate([0.3, 1.5, 2.7]):
        pixel = frame_at(output, seconds, tmp_path / f"frame{scene}.png")
        if scene == clip_scene:
            continue
        channel = max(range(3), key=lambda c: pixel[c])
        assert channel == scene, (scene, pixel)

    assert integrated_loudness(output) == pytest.approx(-14.0, abs=1.0)
    assert not list(tmp_path.glob("*.partial"))
    assert os.listdir(tmp_path)  # the render wrote into its own working directory


def test_a_logo_is_overlaid_on_the_frames_under_the_captions(tmp_path: Path) -> None:
    job = make_job(tmp_path, captions=True)
    job = RenderJob(**{**job.__dict__, "logo": Path("logo.png"), "logo_at": (12, 34)})
    graph = graph_of(build_render_args(job))
    assert_wired_once(graph, {"vout", "aout"})
    parsed = chains(graph)
    assert ([], "movie=filename=logo.png", ["logo"]) in parsed
    assert (["0:v", "logo"], "overlay=x=12:y=34:format=yuv420", ["branded"]) in parsed
    ((ins, body),) = [(ins, body) for ins, body, outs in parsed if outs == ["vout"]]
    assert ins == ["branded"]
    assert body.startswith("ass=filename=captions.ass")
