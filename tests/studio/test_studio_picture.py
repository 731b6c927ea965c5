"""A scene's picture replaced with an upload in the storyboard, in a real Chromium: the
picture uploaded from the scene's card, shown there, the video made again, and the frame
of the video at that scene is the uploaded picture (its colour, read with ffmpeg)."""

from __future__ import annotations

import json
import re
import subprocess  # nosec B404
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.service.contents.records import Outputs
from autoclip.service.models import Content
from studio.conftest import Studio, open_context, screenshot, sign_up_and_in

pytestmark = pytest.mark.e2e

TEXT = (
    "Walking every day keeps the heart strong. Even ten minutes after a meal helps blood "
    "sugar. Good shoes protect the knees on long walks. Start with a short walk today."
)
PICTURE_RGB = (40, 170, 90)  # a green no designed card of the tech palette is close to


def _ready(page: Page) -> None:
    expect(page.get_by_role("heading", name="Your video")).to_be_visible(timeout=240_000)


def _frame_mean(video: Path, seconds: float, png: Path) -> Any:
    subprocess.run(  # nosec B603
        [ffmpeg_binary(), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video),
         "-frames:v", "1", "-update", "1", "-y", str(png)],
        check=True, timeout=120,
    )  # fmt: skip
    with Image.open(png) as frame:
        return np.asarray(frame.convert("RGB")).reshape(-1, 3).mean(axis=0)


def _row(studio: Studio, content_id: str) -> Content:
    with studio.runtime.db.session(write=False) as session:
        found = session.get(Content, uuid.UUID(content_id))
        assert found is not None
        return found


def test_a_scenes_picture_replaced_with_an_upload(
    studio: Studio, browser: Browser, tmp_path: Path
) -> None:
    context = open_context(browser, "en")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_up_and_in(studio, page, f"pictures-{uuid.uuid4().hex[:6]}@example.com", "Jo")
    page.goto(f"{studio.base}/new")
    page.get_by_label("Text", exact=True).fill(TEXT)
    next_step = page.locator("fieldset.current").get_by_role("button", name="Next")
    next_step.click()
    page.get_by_label("Language", exact=True).select_option("en")
    next_step.click()
    page.get_by_label("Quick preview (smaller, faster to make)").check()
    next_step.click()
    page.get_by_role("button", name="Make the video").click()
    page.wait_for_url(re.compile(r"/contents/[0-9a-f-]{36}$"))
    content_url = page.url
    content_id = content_url[-36:]
    _ready(page)

    # The first body scene's card: a picture of the creator's own, uploaded from the card.
    picture = tmp_path / "meadow.png"
    Image.new("RGB", (480, 640), PICTURE_RGB).save(picture)
    page.get_by_role("link", name="Edit the storyboard").click()
    card = page.locator("li.movable").first
    expect(card.get_by_text("Made for you").first).to_be_visible()
    card.get_by_label("Or upload an image or clip").set_input_files(picture)
    page.get_by_role("button", name="Save and make again").click()
    page.wait_for_url(content_url)
    _ready(page)
    row = _row(studio, content_id)
    assert row.script is not None
    chosen = row.script["scenes"][0]["picture_id"]
    assert chosen

    # Back on the storyboard, the card shows the chosen picture, by its name.
    page.get_by_role("link", name="Edit the storyboard").click()
    card = page.locator("li.movable").first
    expect(card.get_by_label("Picture from your media library")).to_have_value(chosen)
    shown = card.locator("img[data-preview]")
    expect(shown).to_have_attribute("alt", "meadow.png")
    assert page.evaluate("(img) => img.naturalWidth", shown.element_handle()) == 480
    screenshot(page, "en-storyboard-picture")

    # The video: the middle of the first body scene is the uploaded picture.
    outputs = row.outputs
    assert isinstance(outputs, Outputs)
    video = studio.runtime.storage.local_path(outputs.video)
    assert video is not None
    starts = _scene_starts(studio)
    middle = (starts[1] + starts[2]) / 2
    mean = _frame_mean(video, middle, tmp_path / "frame.png")
    # Captions and the slow zoom cover a little of it: the picture's colour rules.
    assert np.abs(mean - PICTURE_RGB).max() < 40, mean
    hook = _frame_mean(video, starts[0] + 0.5, tmp_path / "hook.png")
    assert np.abs(hook - PICTURE_RGB).max() > 40, hook  # the other scenes kept theirs
    assert errors == [], errors
    context.close()


def _scene_starts(studio: Studio) -> list[float]:
    """Where each scene starts in the video: the offsets of the narration track the last
    render used (the stage cache's track entry touched last: a reused entry is touched)."""
    tracks = sorted(
        (studio.runtime.settings.work_dir / "stages" / "track").glob("*/*/track.json"),
        key=lambda path: path.stat().st_mtime,
    )
    offsets: list[float] = json.loads(tracks[-1].read_text())["offsets"]
    return offsets
