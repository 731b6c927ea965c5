"""`autoclip youtube connect` and `autoclip youtube publish` through the real command:
the consent URL printed, the redirect address pasted back, then a local video uploaded
to the YouTube stand-in by the resumable protocol."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from argon2 import PasswordHasher

from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.service.db import Database
from autoclip.service.migrate import upgrade
from autoclip.service.models import User
from youtube_server import google_standin, youtube_settings

AUTOCLIP = str(Path(sys.executable).parent / "autoclip")


def _env(data: Path, base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOCLIP_")}
    env |= {f"AUTOCLIP_{k.upper()}": str(v) for k, v in youtube_settings(base).items()}
    env |= {"AUTOCLIP_DATA_DIR": str(data), "AUTOCLIP_SECRET_KEY": "cli-test-secret"}
    return env


def _user(data: Path) -> None:
    data.mkdir(mode=0o700)
    db = Database(f"sqlite:///{data / 'autoclip.db'}")
    upgrade(db)
    with db.session() as session:
        session.add(User(email="kim@example.com", name="Kim", plan_id="free",
                         password_hash=PasswordHasher().hash("not used here 1")))  # fmt: skip
    db.dispose()


def test_connect_from_a_terminal_then_publish_a_local_video(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _user(data)
    video = tmp_path / "short.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=30:duration=2",
                "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                str(video)])  # fmt: skip
    with google_standin() as google:
        env = _env(data, google.base)
        connect = subprocess.Popen(
            [AUTOCLIP, "youtube", "connect", "--email", "kim@example.com"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env,
        )  # fmt: skip
        assert connect.stdout is not None
        assert connect.stdin is not None
        url = ""
        while not url.startswith("http"):
            line = connect.stdout.readline()
            assert line, connect.stderr.read() if connect.stderr else ""
            url = line.strip()
        assert "code_challenge_method=S256" in url
        landed = google.consent(url)
        out, err = connect.communicate(landed + "\n", timeout=60)
        assert connect.returncode == 0, err
        assert "connected AutoClip 테스트 채널" in out

        google.plan = {1: "503"}
        published = subprocess.run(
            [AUTOCLIP, "youtube", "publish", str(video), "--email", "kim@example.com",
             "--title", "테스트 영상", "--tags", "#건강,수면", "--privacy", "unlisted"],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
        assert published.returncode == 0, published.stderr
        video_id = published.stdout.strip().rsplit("=", 1)[1]
        assert published.stdout.strip() == f"published: https://www.youtube.com/watch?v={video_id}"
        uploaded = google.videos[video_id]
        assert bytes(uploaded.data) == video.read_bytes()
        assert uploaded.resource["snippet"]["tags"] == ["건강", "수면"]
        assert uploaded.resource["status"]["privacyStatus"] == "unlisted"
        assert uploaded.resource["status"]["containsSyntheticMedia"] is True
        assert any(line.endswith("[503]") for line in google.log)  # retried, resumed
