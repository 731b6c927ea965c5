"""The media library over HTTP: uploads sniffed from their bytes (not their name or type),
the size, pixel and duration limits, the quota, signed links, and users kept apart — on
SQLite with a local folder, PostgreSQL, and S3."""

from __future__ import annotations

import io
import subprocess  # nosec B404
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.service.app import create_app
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import MediaSettings, Settings
from s3server import create_bucket, s3_endpoint, use_test_credentials
from service.conftest import sign_up
from service.test_api_contents import assert_problem

__all__ = ["s3_endpoint"]  # a fixture, used by name
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
API = "/api/v1"


def image_bytes(kind: str, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 1).save(out, kind)
    return out.getvalue()


def ffmpeg_bytes(tmp: Path, name: str, *args: str) -> bytes:
    target = tmp / name
    subprocess.run(  # nosec B603
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", *args, str(target)],
        check=True,
        timeout=60,
    )
    return target.read_bytes()


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One small file of every kind the library takes, made here (nothing committed)."""
    tmp = tmp_path_factory.mktemp("media")
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1.5"]
    picture = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=1.5"]
    return {
        "png": image_bytes("PNG"),
        "jpeg": image_bytes("JPEG"),
        "webp": image_bytes("WEBP"),
        "mp4": ffmpeg_bytes(tmp, "c.mp4", *picture, "-pix_fmt", "yuv420p"),
        "mov": ffmpeg_bytes(tmp, "c.mov", *picture, "-pix_fmt", "yuv420p"),
        "webm": ffmpeg_bytes(tmp, "c.webm", *picture, "-c:v", "libvpx-vp9", "-b:v", "100k"),
        "mp3": ffmpeg_bytes(tmp, "m.mp3", *tone),
        "wav": ffmpeg_bytes(tmp, "m.wav", *tone),
        "m4a": ffmpeg_bytes(tmp, "m.m4a", *tone, "-c:a", "aac"),
        "ogg": ffmpeg_bytes(tmp, "m.ogg", *tone, "-c:a", "libvorbis"),
    }


def upload(
    client: TestClient, auth: dict[str, str], data: bytes, name: str = "file.bin",
    content_type: str = "application/octet-stream",
) -> httpx.Response:  # fmt: skip
    response: httpx.Response = client.post(
        f"{API}/media", files={"file": (name, data, content_type)}, headers=auth
    )
    return response


EXPECTED = {
    "png": ("image", "image/png"),
    "jpeg": ("image", "image/jpeg"),
    "webp": ("image", "image/webp"),
    "mp4": ("clip", "video/mp4"),
    "mov": ("clip", "video/quicktime"),
    "webm": ("clip", "video/webm"),
    "mp3": ("music", "audio/mpeg"),
    "wav": ("music", "audio/wav"),
    "m4a": ("music", "audio/mp4"),
    "ogg": ("music", "audio/ogg"),
}


def test_every_kind_is_sniffed_from_its_bytes(
    client: TestClient, runtime: Runtime, samples: dict[str, bytes]
) -> None:
    auth = sign_up(client)
    me = client.get(f"{API}/users/me", headers=auth).json()["id"]
    for name, data in samples.items():
        # The name and the declared type lie on purpose: only the bytes count.
        made = upload(client, auth, data, name="holiday.txt", content_type="text/html")
        assert made.status_code == 201, (name, made.text)
        item = made.json()
        assert (item["kind"], item["content_type"]) == EXPECTED[name], name
        assert item["name"] == "holiday.txt"
        assert item["size"] == len(data)
        if item["kind"] == "image":
            assert (item["width"], item["height"]) == (64, 48)
            assert item["duration_s"] is None
        else:
            assert item["duration_s"] == pytest.approx(1.5, abs=0.1), name
        if item["kind"] == "clip":
            assert (item["width"], item["height"]) == (320, 240)
        # Kept under the user's own prefix, and downloadable by its signed link.
        stored = [k for k in runtime.storage.list_keys(f"media/{me}/") if item["id"] in k]
        assert len(stored) == 1
        got = client.get(item["url"])
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["content-type"].startswith(item["content_type"])

    listed = client.get(f"{API}/media?per_page=4", headers=auth).json()
    assert listed["total"] == len(samples)
    assert len(listed["items"]) == 4
    assert "url" not in listed["items"][0]
    music = client.get(f"{API}/media?kind=music&per_page=100", headers=auth).json()
    assert {i["content_type"] for i in music["items"]} == {
        "audio/mpeg", "audio/wav", "audio/mp4", "audio/ogg"
    }  # fmt: skip
    assert_problem(client.get(f"{API}/media?kind=pdf", headers=auth), 422, "kind")


def test_what_is_refused(client: TestClient, samples: dict[str, bytes]) -> None:
    auth = sign_up(client)
    for data, why in (
        (b"<html><script>alert(1)</script></html>", "is not a file the library takes"),
        (b"", "is empty"),
        (samples["png"][:60], "is not a readable PNG image"),  # cut short
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "is not a readable JPEG image"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 400, "ffmpeg can read"),
    ):
        refused = upload(client, auth, data, name="photo.png", content_type="image/png")
        assert_problem(refused, 422, "file")
        assert why in refused.text, refused.text
    # A decompression bomb: 48 million pixels in a few kB of PNG, refused from its header.
    bomb = image_bytes("PNG", (8000, 6000), mode="1")
    assert len(bomb) < 100_000
    refused = upload(client, auth, bomb)
    assert_problem(refused, 422, "file")
    assert "8000×6000 pixels" in refused.text
    # Not multipart: the body type is named.
    plain = client.post(f"{API}/media", content=samples["png"],
                        headers={**auth, "Content-Type": "image/png"})  # fmt: skip
    assert_problem(plain, 415, "Content-Type")
    assert_problem(client.post(f"{API}/media", json={}, headers=auth), 422, "file")
    assert client.get(f"{API}/media", headers=auth).json()["total"] == 0


def test_limits_and_quota_are_settings(
    make_settings: Callable[..., Settings], samples: dict[str, bytes]
) -> None:
    limits = MediaSettings(
        max_bytes=1_000_000, max_pixels=4000, max_clip_seconds=1.0, max_music_seconds=1.0,
        max_items=3, max_total_bytes=len(samples["png"]) * 2 + len(samples["jpeg"]) - 1,
    )  # fmt: skip
    runtime = build_runtime(make_settings(media=limits))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            auth = sign_up(client)
            over = upload(client, auth, b"\x89PNG\r\n\x1a\n" + b"\x00" * 1_200_000)
            assert over.status_code == 413, over.text  # refused before it is read
            for name, why in (("mp4", "longer than 1 s"), ("wav", "longer than 1 s")):
                refused = upload(client, auth, samples[name])
                assert_problem(refused, 422, "file")
                assert why in refused.text
            big = upload(client, auth, image_bytes("PNG", (100, 100)))  # 10,000 > 4,000 px
            assert_problem(big, 422, "file")
            assert upload(client, auth, samples["png"]).status_code == 201
            assert upload(client, auth, samples["png"]).status_code == 201
            full = upload(client, auth, samples["jpeg"])  # one byte over the total
            assert_problem(full, 409, "file")
            assert "bytes" in full.json()["detail"]
            assert upload(client, auth, image_bytes("PNG", (2, 2))).status_code == 201
            assert_problem(upload(client, auth, image_bytes("PNG", (2, 2))), 409, "file")
            # Another user's library is their own quota.
            assert upload(client, sign_up(client), samples["png"]).status_code == 201
    finally:
        runtime.close()


def test_users_are_kept_apart_and_delete_refuses_links(
    client: TestClient, runtime: Runtime, samples: dict[str, bytes]
) -> None:
    owner, other = sign_up(client), sign_up(client)
    item = upload(client, owner, samples["jpeg"]).json()
    url = f"{API}/media/{item['id']}"
    assert_problem(client.get(url, headers=other), 404)
    assert_problem(client.delete(url, headers=other), 404)
    assert client.get(f"{API}/media", headers=other).json()["total"] == 0
    assert client.get(url, headers=owner).json()["size"] == len(samples["jpeg"])

    link = client.get(url, headers=owner).json()["url"]
    assert client.delete(url, headers=owner).status_code == 204
    assert_problem(client.get(link), 404)  # the link dies with the row
    assert_problem(client.get(url, headers=owner), 404)
    assert_problem(client.delete(url, headers=owner), 404)
    assert runtime.storage.list_keys("media/") == []


@pytest.fixture
def s3_runtime(
    make_settings: Callable[..., Settings], request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Runtime]:  # fmt: skip
    endpoint = request.getfixturevalue("s3_endpoint")
    use_test_credentials(monkeypatch)
    runtime = build_runtime(
        make_settings(storage_url=f"s3://{create_bucket(endpoint)}/autoclip",
                      s3_endpoint_url=endpoint)
    )  # fmt: skip
    yield runtime
    runtime.close()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_on_s3(s3_runtime: Runtime, samples: dict[str, bytes]) -> None:
    with TestClient(create_app(s3_runtime, run_worker=False)) as client:
        auth = sign_up(client)
        me = client.get(f"{API}/users/me", headers=auth).json()["id"]
        item: dict[str, Any] = upload(client, auth, samples["mp3"], name="song.mp3").json()
        assert item["kind"] == "music"
        assert s3_runtime.storage.list_keys(f"media/{me}/") == [f"media/{me}/{item['id']}.mp3"]
        link = client.get(f"{API}/media/{item['id']}", headers=auth).json()["url"]
        assert "X-Amz-Signature" in link  # presigned by S3, not this API
        got = httpx.get(link, timeout=10)
        assert got.status_code == 200
        assert got.content == samples["mp3"]
        assert got.headers["content-type"] == "audio/mpeg"
        assert client.delete(f"{API}/media/{item['id']}", headers=auth).status_code == 204
        assert s3_runtime.storage.list_keys("media/") == []


def test_simultaneous_uploads_never_pass_the_quota(
    make_settings: Callable[..., Settings], backend: str
) -> None:
    """Room for two files; eight uploads at the same moment, each in its own transaction
    (PostgreSQL: read committed, where an unlocked check lets them all in). Two land; the
    others are refused with the reason, and leave no object behind."""
    import threading
    import uuid

    from sqlalchemy import func, select

    from autoclip.service.media.service import upload as upload_file
    from autoclip.service.models import MediaItem, User
    from autoclip.service.problems import Conflict

    png = image_bytes("PNG", (8, 8))
    limits = MediaSettings(max_items=100, max_total_bytes=len(png) * 2)
    runtime = build_runtime(make_settings(media=limits))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            sign_up(client)
        with runtime.db.session(write=False) as session:
            owner = session.scalars(select(User)).one()
            session.expunge(owner)
        barrier = threading.Barrier(8)
        outcomes: list[str] = []
        lock = threading.Lock()

        def one() -> None:
            barrier.wait()
            try:
                with runtime.db.session() as session:
                    upload_file(session, runtime.storage, runtime.settings.work_dir, limits,
                                owner, io.BytesIO(png), f"{uuid.uuid4()}.png")  # fmt: skip
                outcome = "stored"
            except Conflict as error:
                outcome = error.detail
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        with runtime.db.session(write=False) as session:
            count, total = session.execute(
                select(func.count(), func.sum(MediaItem.size)).where(MediaItem.user_id == owner.id)
            ).one()
        data = runtime.settings.data_dir
        stored = [p for p in data.rglob("*.png") if "media" in p.relative_to(data).parts]
    finally:
        runtime.close()
    assert outcomes.count("stored") == 2, outcomes
    refused = [o for o in outcomes if o != "stored"]
    assert len(refused) == 6
    assert all("the library would pass its" in o for o in refused), refused
    assert (count, total) == (2, len(png) * 2)
    assert len(stored) == 2  # the refused uploads' objects are gone
