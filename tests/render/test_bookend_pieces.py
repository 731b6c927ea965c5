"""The pieces of an intro or outro: a clip checked by content and limits (the field named),
a card drawn at the frame's size, a fitted clip exactly its frames long, and the voice
track padded to the whole video's clock."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autoclip.errors import InputError
from autoclip.kit.ffmpeg import ffmpeg_binary
from autoclip.looks.bookends import Bookend, BookendKind, card, check_clip, draw_card
from autoclip.render.audio import Padding, pad_voice
from autoclip.render.frames import fitted_clip_frames


def _make(path: Path, *lavfi: str) -> Path:
    inputs = [arg for source in lavfi for arg in ("-f", "lavfi", "-i", source)]
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", *inputs, "-shortest", str(path)],
        check=True,
        timeout=60,
    )
    return path


def test_a_clip_is_checked_by_content_and_limits(tmp_path: Path) -> None:
    good = _make(tmp_path / "good.mp4", "testsrc2=size=320x240:rate=25:duration=1.2")
    info = check_clip(good, "intro")
    assert (info.width, info.height, info.audio) == (320, 240, False)
    assert abs(info.duration - 1.2) < 0.05
    disguised = tmp_path / "image.mp4"
    Image.new("RGB", (320, 240)).save(disguised, format="PNG")
    sound = _make(tmp_path / "sound.mp4", "sine=f=440:d=1")
    tiny = _make(tmp_path / "tiny.mp4", "testsrc2=size=100x100:rate=25:duration=1")
    for path, says in ((disguised, "not a video clip"), (sound, "not a video clip"),
                       (tiny, "100x100")):  # fmt: skip
        with pytest.raises(InputError) as refused:
            check_clip(path, "outro")
        assert refused.value.field == "outro"
        assert says in str(refused.value)


def test_a_card_is_refused_naming_its_field() -> None:
    assert card("  오토클립   채널 ", 1.5, "intro") == Bookend(
        BookendKind.CARD, seconds=1.5, text="오토클립 채널"
    )
    with pytest.raises(InputError) as refused:
        card("x", 3.5, "outro")
    assert refused.value.field == "outro.seconds"
    with pytest.raises(InputError) as refused:
        card("x" * 41, 2, "intro")
    assert refused.value.field == "intro.text"


def test_a_card_is_drawn_at_the_frame_size(tmp_path: Path) -> None:
    out = tmp_path / "card.png"
    draw_card(card("Channel", 2, "intro"), (720, 1280), out, accent="#FFFFFFCC")
    with Image.open(out) as image:
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.shape == (1280, 720, 3)
    assert (pixels.min(axis=2) > 250).mean() > 0.9  # the accent as ground
    assert (pixels.max(axis=2) < 10).mean() > 0.002  # black text reads on white


def test_a_clip_is_fitted_and_exactly_its_frames(tmp_path: Path) -> None:
    clip = _make(tmp_path / "wide.mp4", "testsrc2=size=640x360:rate=25:duration=1")
    frames = list(
        np.frombuffer(frame.data.data, np.uint8).copy()
        for frame in fitted_clip_frames(clip, 40, 30, (360, 640), None)  # 1 s, 40 asked
    )
    assert len(frames) == 40  # its last frame held past its end
    luma = frames[0][: 360 * 640].reshape(640, 360)
    assert luma[:200].max() <= 20  # bars above the 360x202 picture (black is 16)
    assert luma[260:380].mean() > 60


def test_the_voice_is_padded_to_the_whole_clock(tmp_path: Path) -> None:
    voice = _make(tmp_path / "voice.wav", "sine=f=300:d=2:sample_rate=22050")
    intro = _make(tmp_path / "intro.mp4", "testsrc2=size=320x240:rate=25:duration=1",
                  "sine=f=880:d=1")  # fmt: skip
    out = tmp_path / "padded.wav"
    pad_voice(voice, 2.5, Padding(1.0, intro), Padding(0.5), out)
    with wave.open(str(out), "rb") as reader:
        assert reader.getframerate() == 48000
        assert reader.getnframes() == 48000 * 4
        samples = np.frombuffer(reader.readframes(reader.getnframes()), np.int16)
    assert np.abs(samples[: 48000 - 2400]).mean() > 1000  # the intro's own sound
    assert np.abs(samples[48000 + 2400 : 3 * 48000 - 2400]).mean() > 1000  # the voice
    assert np.abs(samples[int(3.05 * 48000) :]).max() == 0  # padding, then the outro card
