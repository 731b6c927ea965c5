"""The hostile-input corpus (tests/hostile.py) through the real `autoclip generate`: every
case is refused before anything is rendered, with one `error:` line naming the option, no
traceback, and nothing written (assert_rejected checks all of that)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.test_bad_input import assert_rejected
from hostile import INJECTIONS, TRAVERSALS

# A few of each kind: every CLI run is a process start.
TOPICS = ["sql", "shell", "ass-override", "rtl-override", "crlf"]


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "input.txt"
    path.write_text("Sleep is when the body repairs itself. Go to bed on time.\n", "utf-8")
    return path


@pytest.mark.parametrize("case", TOPICS)
def test_a_hostile_topic_is_refused_before_any_work(case: str, tmp_path: Path) -> None:
    # Without a language model no topic is written: said before the topic is used at all.
    assert_rejected(["--topic", INJECTIONS[case]], tmp_path, "topic")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("binary.txt", b"\x00\x01\x02\xff\xfe\x80" * 100),
        ("utf16.txt", "잠은 몸을 고친다".encode("utf-16")),
        ("empty.txt", b""),
        ("only-controls.txt", b"\x1b[2J\x07\x08"),
    ],
    ids=["binary", "utf-16", "empty", "only-controls"],
)
def test_a_text_file_that_is_not_text(name: str, content: bytes, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert_rejected(["--text", str(path)], tmp_path, "text")


@pytest.mark.parametrize("where", ["folder", "traversal", "missing"])
def test_a_text_path_that_is_no_file(where: str, tmp_path: Path) -> None:
    paths = {
        "folder": tmp_path,
        "traversal": tmp_path / TRAVERSALS[1] / "no-such.txt",
        "missing": tmp_path / INJECTIONS["shell"],
    }
    assert_rejected(["--text", str(paths[where])], tmp_path, "text")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "file:///etc/passwd", "http://127.0.0.1/", "http://exa mple.com/",
     "http://example.com:99999/", INJECTIONS["traversal"]],
)  # fmt: skip
def test_a_hostile_url_is_refused_without_a_fetch(url: str, tmp_path: Path) -> None:
    assert_rejected(["--url", url], tmp_path, "url")


@pytest.mark.parametrize(
    ("name", "content"),
    [("music.mp3", b"<script>alert(1)</script>"), ("music.wav", b""), ("music.png", b"\x89PNG")],
    ids=["html-as-mp3", "empty-wav", "png"],
)
def test_music_that_is_not_audio(
    name: str, content: bytes, text_file: Path, tmp_path: Path
) -> None:
    music = tmp_path / name
    music.write_bytes(content)
    assert_rejected(["--text", str(text_file), "--music", str(music)], tmp_path, "music")


def test_assets_that_are_not_media(text_file: Path, tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "scene.png").write_text("<html>not an image</html>", "utf-8")
    (assets / "clip.mp4").write_bytes(b"")
    # A file linked from outside the folder is not one of its assets.
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"\xff\xd8\xff not really")
    (assets / "linked.jpg").symlink_to(secret)
    assert_rejected(["--text", str(text_file), "--assets", str(assets)], tmp_path, "assets")


@pytest.mark.parametrize("voice", [INJECTIONS["traversal"], "../../etc/passwd.onnx", "x" * 5000])
def test_a_hostile_voice(voice: str, text_file: Path, tmp_path: Path) -> None:
    assert_rejected(["--text", str(text_file), "--voice", voice], tmp_path, "voice")
