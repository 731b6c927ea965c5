"""Bad input through the real CLI: one `error:` line naming the field, no output, no files."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from localserver import serve


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOCLIP_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    # The test pages are on loopback, which the outbound guard opens only when told to.
    env["AUTOCLIP_OUTBOUND_ALLOW"] = "127.0.0.1"
    command = [str(Path(sys.executable).parent / "autoclip")]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
    )


def assert_rejected(args: list[str], tmp_path: Path, names: str) -> str:
    out = tmp_path / "out"
    done = _run(["generate", *args, "--out", str(out)], tmp_path)
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {done.stderr!r}"
    assert lines[0].startswith("error:"), lines[0]
    assert names in lines[0], f"{names!r} not named in {lines[0]!r}"
    # nothing written: the root is not even created
    assert not out.exists(), sorted(str(p) for p in out.rglob("*"))
    xdg = tmp_path / "xdg"
    assert not xdg.exists() or not any(p.is_file() for p in xdg.rglob("*"))
    return lines[0]


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "input.txt"
    path.write_text("Sleep is when the body repairs itself. Go to bed on time.\n", "utf-8")
    return path


@pytest.fixture
def empty_page_url() -> Iterator[str]:
    """A local web server whose page has markup but no readable text."""
    page = b"<!doctype html><html><head><title></title></head><body><div></div></body></html>"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_: object) -> None:
            pass

    with serve(Handler) as base:
        yield f"{base}/empty.html"


@pytest.fixture
def refused_url() -> str:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize("content", ["", "   \n\t\n  \n"], ids=["empty", "whitespace"])
def test_empty_text_file(content: str, tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(content, "utf-8")
    assert_rejected(["--text", str(path)], tmp_path, "text")


def test_missing_text_file(tmp_path: Path) -> None:
    assert_rejected(["--text", str(tmp_path / "nope.txt")], tmp_path, "text")


def test_unknown_language(text_file: Path, tmp_path: Path) -> None:
    line = assert_rejected(["--text", str(text_file), "--language", "fr"], tmp_path, "language")
    assert "'fr'" in line


def test_unknown_aspect(text_file: Path, tmp_path: Path) -> None:
    assert_rejected(["--text", str(text_file), "--aspect", "4:3"], tmp_path, "aspect")


def test_unknown_option(text_file: Path, tmp_path: Path) -> None:
    assert_rejected(["--text", str(text_file), "--foo"], tmp_path, "--foo")


def test_unknown_option_exits_2(text_file: Path, tmp_path: Path) -> None:
    done = _run(["generate", "--text", str(text_file), "--foo"], tmp_path)
    assert done.returncode == 2


def test_refused_url(refused_url: str, tmp_path: Path) -> None:
    assert_rejected(["--url", refused_url], tmp_path, "url")


def test_url_without_text(empty_page_url: str, tmp_path: Path) -> None:
    line = assert_rejected(["--url", empty_page_url], tmp_path, "url")
    assert "no readable text" in line


def test_url_into_a_private_network_is_refused(empty_page_url: str, tmp_path: Path) -> None:
    inward = empty_page_url.replace("127.0.0.1", "localhost")  # not in the allow-list
    line = assert_rejected(["--url", inward], tmp_path, "url")
    assert "private, local or reserved" in line


def test_topic_needs_a_language_model(tmp_path: Path) -> None:
    line = assert_rejected(["--topic", "sleep and health"], tmp_path, "AUTOCLIP_SCRIPT_WRITER")
    assert "topic" in line


def test_music_that_is_not_audio(text_file: Path, tmp_path: Path) -> None:
    notes = tmp_path / "music.mp3"
    notes.write_text("this is not audio\n", "utf-8")
    assert_rejected(["--text", str(text_file), "--music", str(notes)], tmp_path, "music")


def test_assets_folder_empty(text_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "assets"
    folder.mkdir()
    assert_rejected(["--text", str(text_file), "--assets", str(folder)], tmp_path, "assets")


def test_assets_folder_missing(text_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no_assets"
    assert_rejected(["--text", str(text_file), "--assets", str(missing)], tmp_path, "assets")


@pytest.mark.parametrize(
    ("args", "code"),
    [(["--language", "fr"], 2), (["--music", "NOTAUDIO"], 2)],
    ids=["language", "music"],
)
def test_input_errors_exit_2(args: list[str], code: int, text_file: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio", "utf-8")
    args = [str(notes) if a == "NOTAUDIO" else a for a in args]
    done = _run(
        ["generate", "--text", str(text_file), *args, "--out", str(tmp_path / "o")], tmp_path
    )
    assert done.returncode == code


@pytest.mark.e2e
def test_json_success_prints_one_object(tmp_path: Path) -> None:
    path = tmp_path / "input.txt"
    path.write_text("잠은 몸을 고치는 시간입니다.\n매일 같은 시간에 자세요.\n", "utf-8")
    done = _run(
        ["generate", "--text", str(path), "--draft", "--out", str(tmp_path / "out"), "--json"],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    summary = json.loads(lines[0])
    assert isinstance(summary, dict)
    assert set(summary) == {
        "content_id", "title", "outputs", "duration_s", "timings_s", "reused", "served",
        "safety", "usage_usd",
    }  # fmt: skip
    assert Path(summary["outputs"]["video"]).is_file()
    assert summary["served"]["script"] == "offline"
    assert summary["safety"]["verdict"] == "ok"
    assert summary["usage_usd"] == 0
    assert done.stderr == ""


def test_unknown_voice_is_rejected_before_any_work(text_file: Path, tmp_path: Path) -> None:
    assert_rejected(["--text", str(text_file), "--voice", "nobody"], tmp_path, "voice")


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--narrator", "elevenlabs,nobody", "narrator"),
        ("--writer", "claude", "writer"),
        ("--visuals", "cards,cards", "visuals"),
        ("--budget", "-1", "budget"),
    ],
)
def test_unknown_providers_and_bad_budgets_are_rejected_by_name(
    text_file: Path, tmp_path: Path, flag: str, value: str, named: str
) -> None:
    assert_rejected(["--text", str(text_file), flag, value], tmp_path, named)


def test_a_cloud_provider_without_its_key_says_which_setting(
    text_file: Path, tmp_path: Path
) -> None:
    assert_rejected(
        ["--text", str(text_file), "--narrator", "elevenlabs"],
        tmp_path,
        "AUTOCLIP_ELEVENLABS_API_KEY",
    )


def _script_json(scenes: int, narration: str = "Sleep well tonight.") -> str:
    def scene(words: str) -> dict[str, object]:
        return {"narration": words, "on_screen_text": "Sleep", "visual": "a bedroom"}

    script = {
        "language": "en", "title": "Sleep", "hook": scene("Listen."),
        "scenes": [scene(narration) for _ in range(scenes)], "cta": scene("Subscribe."),
        "description": "About sleep.", "hashtags": ["#sleep"],
    }  # fmt: skip
    return json.dumps(script)


def test_a_script_with_too_many_scenes(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(_script_json(1000), "utf-8")
    line = assert_rejected(["--script", str(path)], tmp_path, "script: scenes:")
    assert line == "error: script: scenes: 1000 scenes, more than 144"


def test_a_script_scene_with_a_narration_too_long(tmp_path: Path) -> None:
    script = json.loads(_script_json(5))
    script["scenes"][3]["narration"] = "sleep " * 2000
    path = tmp_path / "script.json"
    path.write_text(json.dumps(script), "utf-8")
    line = assert_rejected(["--script", str(path)], tmp_path, "script:")
    assert line == "error: script: scenes[3].narration: longer than 1000 characters"


def test_a_script_longer_than_the_longest_video(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(_script_json(100, " ".join(["sleep"] * 150)), "utf-8")
    assert_rejected(["--script", str(path)], tmp_path, "script: narration: takes about")


def test_a_script_file_too_large(tmp_path: Path) -> None:
    # Refused by its size, before it is parsed: whitespace after the object is valid JSON.
    path = tmp_path / "script.json"
    path.write_text(_script_json(1) + " " * 2_000_000, "utf-8")
    line = assert_rejected(["--script", str(path)], tmp_path, "script:")
    assert line == "error: script: is larger than 1024 KB"


@pytest.mark.parametrize("below", ["", "sub/folder"], ids=["itself", "above"])
def test_out_that_is_a_file(below: str, text_file: Path, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("someone's notes\n", "utf-8")
    out = taken / below if below else taken
    done = _run(["generate", "--text", str(text_file), "--out", str(out)], tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: out: {out} is not a folder"
        if not below
        else f"error: out: {out} is inside {taken}, which is not a folder"
    ]
    assert taken.read_text("utf-8") == "someone's notes\n"
    xdg = tmp_path / "xdg"
    assert not xdg.exists() or not any(p.is_file() for p in xdg.rglob("*"))


@pytest.mark.parametrize(
    ("flags", "names"),
    [
        (["--intro", "CLIP", "--intro-card", "Channel"], "intro:"),
        (["--outro", "TEXT"], "outro:"),  # a text file is no clip
        (["--intro-card", "Channel", "--intro-seconds", "5"], "intro.seconds"),
        (["--outro-card", "x" * 41], "outro.text"),
    ],
)
def test_bad_intro_or_outro_is_refused_naming_it(
    flags: list[str], names: str, text_file: Path, tmp_path: Path
) -> None:
    from autoclip.kit.ffmpeg import ffmpeg_binary

    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-f", "lavfi", "-i",
         "testsrc2=size=320x240:rate=25:duration=1", "-pix_fmt", "yuv420p", str(clip)],
        check=True,
        timeout=60,
    )  # fmt: skip
    args = [str(clip) if a == "CLIP" else str(text_file) if a == "TEXT" else a for a in flags]
    assert_rejected(["--text", str(text_file), *args], tmp_path, names)
