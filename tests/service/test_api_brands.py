"""Brand kits through the API: settings validated field by field, files checked by their
content (a logo Pillow reads, a font that draws Hangul, audio ffmpeg reads), kept under
the owner's prefix, refused by type and size, invisible to other users; and the kit the
worker hands the engine."""

from __future__ import annotations

import io
import subprocess
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fontTools import subset
from PIL import Image

from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.kit.fonts import sans_font_path
from autoclip.looks.brand import LogoPosition
from autoclip.service.brands.service import brand_kit
from autoclip.service.jobs.runner import stored_look
from autoclip.service.models import Project
from autoclip.service.runtime import Runtime
from service.conftest import sign_up
from service.test_api_contents import assert_problem

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


def _png(size: tuple[int, int] = (200, 100)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (230, 20, 20, 255)).save(out, format="PNG")
    return out.getvalue()


def _latin_font(tmp_path: Path) -> bytes:
    options = subset.Options()
    font = subset.load_font(str(sans_font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="ABCabc0123")
    subsetter.subset(font)
    font.save(str(tmp_path / "latin.otf"))
    return (tmp_path / "latin.otf").read_bytes()


def _wav(tmp_path: Path) -> bytes:
    target = tmp_path / "bed.wav"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-f", "lavfi", "-i", "sine=f=330:d=2", str(target)],
        check=True,
        timeout=60,
    )
    return target.read_bytes()


def test_brand_kit_settings_and_files(client: TestClient, runtime: Runtime, tmp_path: Path) -> None:
    auth, other = sign_up(client), sign_up(client)
    project = client.post("/api/v1/projects", json={"name": "Channel"}, headers=auth).json()
    brand = f"/api/v1/projects/{project['id']}/brand"
    files = f"/api/v1/brand-files/{project['id']}"

    fresh = client.get(brand, headers=auth).json()
    assert fresh["logo"] is False
    assert fresh["font_family"] is None
    changed = client.patch(
        brand,
        json={"primary_colour": "#00B0FF", "logo_position": "bottom_left", "logo_size": 0.2},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["primary_colour"] == "#00B0FF"
    assert_problem(client.patch(brand, json={"accent_colour": "red"}, headers=auth), 422,
                   "accent_colour")  # fmt: skip
    assert_problem(client.patch(brand, json={"logo_opacity": 2}, headers=auth), 422,
                   "logo_opacity")  # fmt: skip

    png = {**auth, "content-type": "image/png"}
    assert client.put(f"{files}/logo", content=_png(), headers=png).json()["logo"] is True
    assert_problem(client.put(f"{files}/logo", content=b"not an image", headers=png), 422, "logo")
    assert_problem(client.put(f"{files}/logo", content=_png((8, 8)), headers=png), 422, "logo")
    as_text = {**auth, "content-type": "text/plain"}
    assert_problem(client.put(f"{files}/logo", content=_png(), headers=as_text), 415,
                   "Content-Type")  # fmt: skip
    too_big = client.put(f"{files}/logo", content=b"\0" * (21 << 20), headers=png)
    assert too_big.status_code == 413

    font = {**auth, "content-type": "font/otf"}
    refused = client.put(f"{files}/font", content=_latin_font(tmp_path), headers=font)
    assert_problem(refused, 422, "font")
    assert "가" in refused.json()["detail"] or "가" in str(refused.json().get("errors"))
    made = client.put(f"{files}/font", content=sans_font_path().read_bytes(), headers=font)
    assert made.status_code == 200, made.text
    assert made.json()["font_family"] == "Noto Sans KR"

    wav = {**auth, "content-type": "audio/wav"}
    assert client.put(f"{files}/music", content=_wav(tmp_path), headers=wav).json()["music"]
    assert_problem(client.put(f"{files}/music", content=_png(), headers=wav), 422, "music")

    # another user can neither see nor change it
    assert_problem(client.get(brand, headers=other), 404)
    assert_problem(client.put(f"{files}/logo", content=_png(), headers={**other,
                   "content-type": "image/png"}), 404)  # fmt: skip

    with runtime.db.session(write=False) as session:
        row = session.get(Project, uuid.UUID(project["id"]))
        assert row is not None
        record = row.brand
    user_prefix = f"brands/{row.user_id}/{project['id']}/"
    keys = [record.logo_key, record.font_key, record.music_key]
    assert all(key and key.startswith(user_prefix) for key in keys), keys
    assert runtime.storage.list_keys(user_prefix) == sorted(k for k in keys if k)

    # what the worker hands the engine: local copies of the files, the settings as set
    kit = brand_kit(runtime.storage, record, tmp_path / "cache")
    assert kit is not None
    assert kit.logo is not None
    assert kit.font is not None
    assert kit.logo.read_bytes() == runtime.storage.get_bytes(record.logo_key or "")
    assert kit.logo_position is LogoPosition.BOTTOM_LEFT
    assert kit.primary_colour == "#00B0FF"
    assert kit.music is not None
    assert kit.music.stat().st_size > 1000

    # removing a file forgets it and deletes the object
    gone = client.delete(f"{brand}/logo", headers=auth)
    assert gone.status_code == 200
    assert gone.json()["logo"] is False
    assert not runtime.storage.exists(record.logo_key or "")


def test_stored_look_carries_the_brand() -> None:
    from autoclip.looks.brand import BrandKit
    from autoclip.service.contents.records import StoredOptions

    look = stored_look(StoredOptions(caption_style="pop"), BrandKit(primary_colour="#123456"))
    assert look.brand is not None
    assert look.caption_look(StoredOptions().aspect).highlight_colour == "#123456"


def _clip(
    tmp_path: Path, size: str = "640x360", seconds: float = 1.5, name: str = "c.mp4"
) -> bytes:
    target = tmp_path / name
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc2=size={size}:rate=25:duration={seconds}", "-f", "lavfi", "-i",
         f"sine=f=440:d={seconds}", "-shortest", "-pix_fmt", "yuv420p", str(target)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return target.read_bytes()


def test_intro_and_outro(client: TestClient, runtime: Runtime, tmp_path: Path) -> None:
    auth, other = sign_up(client), sign_up(client)
    project = client.post("/api/v1/projects", json={"name": "Channel"}, headers=auth).json()
    brand = f"/api/v1/projects/{project['id']}/brand"
    files = f"/api/v1/brand-files/{project['id']}"
    mp4 = {**auth, "content-type": "video/mp4"}

    assert client.get(brand, headers=auth).json()["intro"] is None
    # a card: its text and length, validated field by field
    card = client.patch(brand, json={"outro": {"text": "오토클립", "seconds": 1.5}}, headers=auth)
    assert card.status_code == 200, card.text
    assert card.json()["outro"] == {"kind": "card", "seconds": 1.5, "text": "오토클립"}
    assert_problem(client.patch(brand, json={"outro": {"seconds": 4}}, headers=auth), 422,
                   "outro.seconds")  # fmt: skip
    assert_problem(client.patch(brand, json={"intro": {"text": "가" * 41}}, headers=auth), 422,
                   "intro.text")  # fmt: skip

    # a clip: sniffed by content, its limits named
    made = client.put(f"{files}/intro", content=_clip(tmp_path), headers=mp4)
    assert made.status_code == 200, made.text
    intro = made.json()["intro"]
    assert intro["kind"] == "clip"
    assert abs(intro["seconds"] - 1.5) < 0.1
    assert_problem(client.put(f"{files}/intro", content=_png(), headers=mp4), 422, "intro")
    assert_problem(client.put(f"{files}/intro", content=_wav(tmp_path), headers=mp4), 422,
                   "intro")  # fmt: skip
    long_clip = _clip(tmp_path, seconds=11, name="long.mp4")
    refused = client.put(f"{files}/outro", content=long_clip, headers=mp4)
    assert_problem(refused, 422, "outro")
    assert "10 seconds" in refused.text
    tiny = client.put(f"{files}/intro", content=_clip(tmp_path, "96x96", name="t.mp4"), headers=mp4)
    assert_problem(tiny, 422, "intro")
    assert "96x96" in tiny.text
    assert_problem(client.put(f"{files}/intro", content=_clip(tmp_path), headers={**auth,
                   "content-type": "image/png"}), 415, "Content-Type")  # fmt: skip

    # another user can neither upload, change nor remove it
    assert_problem(client.put(f"{files}/intro", content=_clip(tmp_path), headers={**other,
                   "content-type": "video/mp4"}), 404)  # fmt: skip
    assert_problem(client.patch(brand, json={"intro": None}, headers=other), 404)
    assert_problem(client.delete(f"{brand}/intro", headers=other), 404)

    with runtime.db.session(write=False) as session:
        row = session.get(Project, uuid.UUID(project["id"]))
        assert row is not None
        record = row.brand
    assert record.intro is not None
    clip_key = record.intro.clip_key or ""
    assert clip_key.startswith(f"brands/{row.user_id}/{project['id']}/intro-")
    assert runtime.storage.exists(clip_key)

    # the kit the worker hands the engine: the clip fetched, the card as designed
    kit = brand_kit(runtime.storage, record, tmp_path / "cache")
    assert kit is not None
    assert kit.intro is not None
    assert kit.intro.clip is not None
    assert kit.intro.clip.read_bytes() == runtime.storage.get_bytes(clip_key)
    assert kit.outro is not None
    assert (kit.outro.kind.value, kit.outro.text, kit.outro.seconds) == ("card", "오토클립", 1.5)

    # a card in place of the clip deletes the clip; DELETE removes a card as well
    replaced = client.patch(brand, json={"intro": {"text": "Hello"}}, headers=auth)
    assert replaced.json()["intro"] == {"kind": "card", "seconds": 2.0, "text": "Hello"}
    assert not runtime.storage.exists(clip_key)
    assert client.delete(f"{brand}/outro", headers=auth).json()["outro"] is None
    assert client.patch(brand, json={"intro": None}, headers=auth).json()["intro"] is None
