"""The media library in the videos: a scene's own picture (the storyboard's "replace the
picture"), the `library` visuals drawing from the owner's images and clips, and a
content's `music_id` as its music bed — with the worker inside the API, on SQLite and
on PostgreSQL with Redis; and the owner's media alone, another user's being "not found".
"""

from __future__ import annotations

import io
import subprocess  # nosec B404
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.service.runtime import Runtime
from e2e.media import band_level, read_rgb
from service.conftest import sign_up
from service.test_api_review import hold
from service.test_jobs_support import (
    API,
    get,
    private_redis,
    private_redis_session,
    row,
    start,
    wait_finished,
)
from service.test_script_edit_embedded import entries

__all__ = ["private_redis", "private_redis_session", "start"]  # fixtures, used by name
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")

TEXT = (
    "Walking every day keeps the heart strong. Even ten minutes after a meal helps blood "
    "sugar. Good shoes protect the knees on long walks. Start with a short walk today."
)
RED, BLUE = (200, 30, 40), (30, 60, 200)
TONE_HZ = 4000  # far above the voice's strongest band: the bed is what sounds there


def png(colour: tuple[int, int, int], size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def tone_mp3(tmp: Path) -> bytes:
    target = tmp / "bed.mp3"
    subprocess.run(  # nosec B603
        [ffmpeg_binary(), "-v", "error", "-f", "lavfi", "-i",
         f"sine=frequency={TONE_HZ}:duration=8", "-c:a", "libmp3lame", str(target)],
        check=True, timeout=60,
    )  # fmt: skip
    return target.read_bytes()


def upload(client: TestClient, auth: dict[str, str], data: bytes, name: str) -> str:
    answer = client.post(f"{API}/media", files={"file": (name, data, "image/png")}, headers=auth)
    assert answer.status_code == 201, answer.text
    item_id: str = answer.json()["id"]
    return item_id


def script_edit(script: dict[str, Any]) -> dict[str, Any]:
    keys = ("title", "hook", "scenes", "cta", "description", "hashtags")
    return {key: script[key] for key in keys}


def image_mean(runtime: Runtime, key: str, tmp: Path) -> Any:
    target = tmp / key.replace("/", "_")
    runtime.storage.download(key, target)
    return read_rgb(target).reshape(-1, 3).mean(axis=0)


@pytest.mark.e2e
def test_library_visuals_music_and_a_scenes_own_picture(start: Any, tmp_path: Path) -> None:
    runtime, client = start()
    # The library visuals: a file with no words in its name to match by is shown in turn.
    auth = sign_up(client)
    upload(client, auth, png(RED), "IMG_0001.png")
    content_id = make(client, auth, {"visuals": "library,cards"})
    done = wait_finished(runtime, content_id, timeout=300)
    assert done.status.value == "ready", done.error
    assert done.served is not None
    assert set(done.served.visuals or []) == {"library"}
    assert done.outputs is not None
    for key in done.outputs.images:  # every scene shows the library's one picture
        assert np.abs(image_mean(runtime, key, tmp_path) - RED).max() < 3

    # A music bed of the library, and later a scene's own picture (another user: a
    # library of their own).
    auth = sign_up(client)
    music = upload(client, auth, tone_mp3(tmp_path), "bed.mp3")
    content_id = make(client, auth, {"music_id": music})
    done = wait_finished(runtime, content_id, timeout=300)
    assert done.status.value == "ready", done.error
    outputs = done.outputs
    assert outputs is not None
    video, voice = tmp_path / "video.mp4", tmp_path / "voice.mp3"
    runtime.storage.download(outputs.video, video)
    runtime.storage.download(outputs.audio, voice)  # the narration alone
    # The bed is under the voice (ducked, at the brand's default level): its tone lifts
    # that narrow band well above the narration's own level there (6 dB when measured).
    assert band_level(video, TONE_HZ) > band_level(voice, TONE_HZ) + 4
    before = [image_mean(runtime, key, tmp_path) for key in outputs.images]

    # The storyboard: the first body scene shows a picture of the owner's.
    narrated, visuals = entries(runtime, "narration"), entries(runtime, "visuals")
    blue = upload(client, auth, png(BLUE), "blue.png")
    edit = script_edit(get(client, auth, content_id)["script"])
    edit["scenes"][0]["picture_id"] = blue
    answer = client.put(f"{API}/contents/{content_id}/script", json=edit, headers=auth)
    assert answer.status_code == 202, answer.text
    again = wait_finished(runtime, content_id, timeout=300)
    assert again.status.value == "ready", again.error
    assert entries(runtime, "narration") == narrated  # no word was said anew
    assert len(entries(runtime, "visuals") - visuals) == 1  # that scene's picture alone
    assert get(client, auth, content_id)["script"]["scenes"][0]["picture_id"] == blue
    images = row(runtime, content_id).outputs
    assert images is not None
    after = [image_mean(runtime, key, tmp_path) for key in images.images]
    assert np.abs(after[1] - BLUE).max() < 3  # scene_2.png: the first body scene
    assert all(
        np.allclose(a, b) for n, (a, b) in enumerate(zip(before, after, strict=True)) if n != 1
    )


def make(client: TestClient, auth: dict[str, str], options: dict[str, Any]) -> str:
    made = client.post(
        f"{API}/contents",
        json={"generation_type": "text", "text": TEXT, "options": {"draft": True, **options}},
        headers=auth,
    )
    assert made.status_code == 202, made.text
    content_id: str = made.json()["id"]
    return content_id


def test_only_the_owners_media_serves(client: TestClient, runtime: Runtime) -> None:
    owner, other = sign_up(client), sign_up(client)
    theirs = upload(client, other, png(RED), "theirs.png")
    mine = upload(client, owner, png(BLUE), "mine.png")
    text = {"generation_type": "text", "text": TEXT}

    # Another user's file is "not found", as one that does not exist is.
    for options, field in (({"music_id": theirs}, "options.music_id"),):
        refused = client.post(f"{API}/contents", json={**text, "options": options}, headers=owner)
        assert refused.status_code == 404, refused.text
        assert refused.json()["errors"][0]["field"] == field
    wrong_kind = client.post(
        f"{API}/contents", json={**text, "options": {"music_id": mine}}, headers=owner
    )
    assert wrong_kind.status_code == 422, wrong_kind.text
    assert wrong_kind.json()["errors"][0]["field"] == "options.music_id"
    # The library visuals of an empty library would be cards alone: refused up front.
    empty = sign_up(client)
    no_library = client.post(
        f"{API}/contents", json={**text, "options": {"visuals": "library"}}, headers=empty
    )
    assert no_library.status_code == 422, no_library.text
    assert no_library.json()["errors"][0]["field"] == "options.visuals"

    # A script edit naming another user's picture: "not found", nothing stored.
    made = client.post(f"{API}/contents", json=text, headers=owner)
    assert made.status_code == 202, made.text
    content_id = made.json()["id"]
    script = {
        "title": "Walks", "description": "", "hashtags": [],
        "hook": {"narration": "Walk.", "on_screen_text": "", "visual": "", "keywords": []},
        "scenes": [{"narration": "Every day.", "on_screen_text": "", "visual": "",
                    "keywords": []}],
        "cta": {"narration": "Go.", "on_screen_text": "", "visual": "", "keywords": []},
    }  # fmt: skip
    hold(runtime, content_id)  # as if written, and waiting for review
    edit = script_edit(script)
    edit["scenes"][0]["picture_id"] = theirs
    refused = client.put(f"{API}/contents/{content_id}/script", json=edit, headers=owner)
    assert refused.status_code == 404, refused.text
    assert refused.json()["errors"][0]["field"] == "scenes.0.picture_id"
    assert get(client, owner, content_id)["script"] == {"title": "A pill"}  # as it was
    edit["scenes"][0]["picture_id"] = mine
    accepted = client.put(f"{API}/contents/{content_id}/script", json=edit, headers=owner)
    assert accepted.status_code == 202, accepted.text
    assert get(client, owner, content_id)["script"]["scenes"][0]["picture_id"] == mine
