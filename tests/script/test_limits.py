"""The caps on an edited script: what the writers make passes, what no video needs does not."""

from __future__ import annotations

import pytest

from autoclip.errors import InputError
from autoclip.options import GenerateOptions, Language, Length
from autoclip.providers.writing.base import SourceMaterial
from autoclip.providers.writing.offline import OfflineScriptWriter
from autoclip.script.limits import (
    MAX_BODY_SCENES,
    MAX_NARRATION_CHARS,
    MAX_SPEECH_SECONDS,
    check_limits,
)
from autoclip.script.model import Scene, Script


def scene(narration: str = "Sleep well.") -> Scene:
    return Scene(narration=narration, on_screen_text="Sleep", visual="a bedroom")


def script(scenes: list[Scene], hook: Scene | None = None) -> Script:
    return Script(
        language=Language.EN,
        title="Sleep",
        hook=hook or scene("Listen."),
        scenes=scenes,
        cta=scene("Subscribe."),
        description="About sleep.",
        hashtags=["#sleep"],
    )


def refusal(edited: Script) -> str:
    with pytest.raises(InputError) as caught:
        check_limits(edited)
    assert caught.value.field == "script"
    return caught.value.message


def test_the_caps_fit_the_longest_video() -> None:
    assert MAX_SPEECH_SECONDS == 12 * 60
    assert MAX_BODY_SCENES == 144


def offline_script(fewest: int, most: int, length: Length) -> Script:
    """What the offline writer makes of 600 sentences of `fewest` to `most` words."""
    sentences = [
        " ".join(f"word{(n * 7 + k) % 97}" for k in range(fewest + n % (most - fewest + 1)))
        + f" sleep fact {n}."
        for n in range(600)
    ]
    source = SourceMaterial(text="\n".join(sentences))
    return OfflineScriptWriter().write(source, GenerateOptions(length=length))


@pytest.mark.parametrize("length", list(Length))
def test_what_the_offline_writer_makes_passes(length: Length) -> None:
    # An edited script starts as one the tool wrote: for a long video, a text of short
    # sentences makes over 100 scenes, one of long sentences scenes of ~600 characters.
    many = offline_script(2, 5, length)
    check_limits(many)
    wordy = offline_script(60, 90, length)
    check_limits(wordy)
    if length is Length.LONG:
        assert len(many.scenes) > 100
        assert max(len(scene.narration) for _, scene in wordy.timeline()) > 600


def test_at_the_caps_passes() -> None:
    check_limits(script([scene("Sleep.") for _ in range(MAX_BODY_SCENES)]))
    check_limits(script([scene("z" * MAX_NARRATION_CHARS)]))


def test_too_many_scenes() -> None:
    message = refusal(script([scene("Sleep.") for _ in range(MAX_BODY_SCENES + 1)]))
    assert message == f"scenes: {MAX_BODY_SCENES + 1} scenes, more than {MAX_BODY_SCENES}"


def test_a_scene_narration_too_long_is_named() -> None:
    scenes = [scene() for _ in range(5)]
    scenes[3] = scene("z" * (MAX_NARRATION_CHARS + 1))
    message = refusal(script(scenes))
    assert message == f"scenes[3].narration: longer than {MAX_NARRATION_CHARS} characters"
    hook = scene("z" * (MAX_NARRATION_CHARS + 1))
    assert refusal(script([scene()], hook=hook)).startswith("hook.narration: longer than")


def test_a_narration_longer_than_the_longest_video() -> None:
    # 60 scenes of 160 words: each under the character cap, 1.6 hours in all.
    words = " ".join(["sleep"] * 160)
    message = refusal(script([scene(words) for _ in range(60)]))
    assert message.startswith("narration: takes about 3841 s to speak, over the 720 s")
