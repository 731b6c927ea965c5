"""The script: what the video says and shows, scene by scene."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from autoclip.options import Language


class SceneKind(StrEnum):
    HOOK = "hook"
    BODY = "body"
    CTA = "cta"


class Scene(BaseModel):
    model_config = ConfigDict(extra="forbid")

    narration: str = Field(min_length=1, description="What the narrator says.")
    on_screen_text: str = Field(description="Short text set on the scene's visual.")
    visual: str = Field(description="What the visual should show, in words.")
    keywords: list[str] = Field(default_factory=list, description="Words to match assets by.")
    # Left out of the JSON when unset: scripts (and the cache keys made of them) read as
    # they did before scenes could carry a picture.
    picture_id: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="A picture of the user's own shown instead of a made visual: a name "
        "`GenerateRequest.pictures` maps to a file (the service's media id; the command "
        "line's path, relative to the script file).",
    )


class Script(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language
    title: str = Field(min_length=1)
    hook: Scene
    scenes: list[Scene] = Field(min_length=1)
    cta: Scene
    description: str
    hashtags: list[str]

    def words(self) -> dict[str, object]:
        """The script without its scenes' pictures: what is said and shown in text, which
        is all the safety check reads (a new picture is not a new script to check)."""
        no_picture = {"picture_id"}
        return self.model_dump(
            mode="json",
            exclude={"hook": no_picture, "cta": no_picture, "scenes": {"__all__": no_picture}},
        )

    def timeline(self) -> list[tuple[SceneKind, Scene]]:
        """The scenes in the order the video plays them: hook, body scenes, call to action.

        Scene images are numbered along this list from 1 (`scene_1.png` is the hook).
        """
        return [
            (SceneKind.HOOK, self.hook),
            *((SceneKind.BODY, scene) for scene in self.scenes),
            (SceneKind.CTA, self.cta),
        ]
