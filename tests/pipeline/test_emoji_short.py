"""A Korean short whose script holds emoji, made by the engine in a style that keeps
them: the droplet is drawn in its own colours in the video's frames, by the layer font the
engine links for libass (`kit/emoji.py`)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from autoclip.captions.presets import CaptionStyleName
from autoclip.kit.emoji import EMOJI_FAMILY
from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.kit.storage import LocalStorage
from autoclip.looks.look import Look
from autoclip.options import GenerateOptions, Language, Vertical
from autoclip.pipeline.chains import Providers
from autoclip.pipeline.engine import Engine, GenerateRequest
from autoclip.providers.writing.base import SourceMaterial
from autoclip.script.model import Script
from autoclip.settings import Settings

SCENE = {"on_screen_text": "물", "visual": "a glass of water", "keywords": ["water"]}
SCRIPT = {
    "language": "ko",
    "title": "물 마시기",
    "hook": {**SCENE, "narration": "💧 물을 많이 마셔요 💧"},
    "scenes": [{**SCENE, "narration": "하루 여덟 잔이면 충분합니다 👍🏽"}],
    "cta": {**SCENE, "narration": "오늘부터 시작해요 😀"},
    "description": "물 마시기",
    "hashtags": ["#물"],
}
_FIRST = re.compile(r"^Dialogue: \d+,(\d+):(\d\d):(\d\d)\.(\d\d),", re.MULTILINE)
# OpenMoji's droplet: its light and its darker blue
DROPLET = np.array([[0x92, 0xD3, 0xF5], [0x61, 0xB2, 0xE4]])


def test_the_engine_draws_a_scripts_emoji_in_colour(tmp_path: Path) -> None:
    options = GenerateOptions(language=Language.KO, vertical=Vertical.HISTORY, draft=True)
    engine = Engine(
        LocalStorage(tmp_path / "store"),
        Providers(Settings.model_validate({"data_dir": tmp_path / "data"})),
        work_dir=tmp_path / "work",
    )
    request = GenerateRequest(
        SourceMaterial(text="물"),
        options,
        script=Script.model_validate(SCRIPT),
        look=Look(caption_style=CaptionStyleName.BOLD_OUTLINE),
    )
    result = engine.generate(request)
    ass = (tmp_path / "store" / str(result.outputs["captions_ass"])).read_text("utf-8")
    assert EMOJI_FAMILY in ass
    hours, minutes, seconds, hundredths = map(int, _FIRST.findall(ass)[0])
    at = hours * 3600 + minutes * 60 + seconds + hundredths / 100 + 0.2
    video = tmp_path / "store" / str(result.outputs["video"])
    run_ffmpeg(
        ["-ss", f"{at:.2f}", "-i", str(video), "-frames:v", "1", str(tmp_path / "frame.png")],
        timeout=60,
        what="frame of the emoji short",
    )
    with Image.open(tmp_path / "frame.png") as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    height = pixels.shape[0]
    band = pixels[height // 2 :]  # the captions sit in the lower half; the card's text above
    near = np.abs(band[:, :, None, :] - DROPLET[None, None]).max(axis=3).min(axis=2) < 28
    assert near.sum() > 300, "no droplet-blue pixels where the captions are"
