"""Caps on a script that comes from outside the writers (an edited script.json).

A script is the whole input of a render: every scene costs a narration, a visual (perhaps
from a paid provider) and a part of the render, so an unbounded one can keep a machine busy
for hours or spend money. The caps are set by what the product makes, with room to edit:

- the whole narration fits the longest length, `long` (`MAX_SPEECH_SECONDS`: the offline
  writer plans at most 12 minutes, the model writers send back anything longer);
- at most `MAX_BODY_SCENES` body scenes: 12 minutes of scenes of the 5 s the writers aim
  for at least (`SCENE_MIN_SECONDS`). The model writers stop at 40 for `long`, but the
  offline writer makes one scene of every one or two sentences, over 100 for a long text;
- a scene's narration at most `MAX_NARRATION_CHARS` characters: a minute or more of
  speech, longer than the longest scene the offline writer makes of one long sentence
  (about 600 characters), and well under what the cloud voices take in one request.

The file itself is read only up to `MAX_SCRIPT_BYTES`: a script at every cap above is
a few hundred kilobytes even with its Korean written as JSON escapes.
"""

from __future__ import annotations

from autoclip.errors import InputError
from autoclip.kit.text import speech_seconds
from autoclip.script.model import Script
from autoclip.script.offline import SCENE_MIN_SECONDS

MAX_SPEECH_SECONDS = 720.0
MAX_BODY_SCENES = int(MAX_SPEECH_SECONDS // SCENE_MIN_SECONDS)
MAX_NARRATION_CHARS = 1_000
MAX_SCRIPT_BYTES = 1024 * 1024


def check_limits(script: Script, field: str = "script") -> None:
    """Raise `InputError(field, "<where>: <what>")` if `script` is over a cap."""
    if len(script.scenes) > MAX_BODY_SCENES:
        raise InputError(field, f"scenes: {len(script.scenes)} scenes, more than {MAX_BODY_SCENES}")
    # Named as in script.json, where the body scenes are a list and the others are fields.
    named = [
        ("hook", script.hook),
        *((f"scenes[{index}]", scene) for index, scene in enumerate(script.scenes)),
        ("cta", script.cta),
    ]
    for where, scene in named:
        if len(scene.narration) > MAX_NARRATION_CHARS:
            raise InputError(
                field, f"{where}.narration: longer than {MAX_NARRATION_CHARS} characters"
            )
    narration = " ".join(scene.narration for _, scene in script.timeline())
    seconds = speech_seconds(narration, script.language)
    if seconds > MAX_SPEECH_SECONDS:
        raise InputError(
            field,
            f"narration: takes about {seconds:.0f} s to speak, over the "
            f"{MAX_SPEECH_SECONDS:.0f} s of the longest video",
        )
