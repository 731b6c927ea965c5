"""A storyboard edit end to end, with the worker inside the API process: one scene's words
changed, the video made again — and only that scene narrated again (the stage cache keys
every scene's narration by its words, so the others are reused)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoclip.service.runtime import Runtime
from e2e.media import probe
from service.conftest import sign_up
from service.test_jobs_embedded import SQLITE_ONLY, Start, start
from service.test_jobs_support import API, get, jobs, ledger, row, wait_finished

__all__ = ["start"]  # a fixture, used by name

TEXT = (
    "Walking every day keeps the heart strong. Even ten minutes after a meal helps blood "
    "sugar. Good shoes protect the knees on long walks. Start with a short walk today."
)
NEW_WORDS = "Stretch your calves for a minute before you set off."


def entries(runtime: Runtime, stage: str) -> set[str]:
    """The keys of the stage cache's entries for `stage`."""
    root = runtime.settings.work_dir / "stages" / stage
    return {path.name for path in root.glob("*/*") if path.is_dir()}


@pytest.mark.e2e
@SQLITE_ONLY
def test_an_edited_scene_alone_is_narrated_again(start: Start, ffprobe: Path) -> None:
    runtime, client = start()
    auth = sign_up(client)
    made = client.post(
        f"{API}/contents",
        json={"generation_type": "text", "text": TEXT, "options": {"draft": True}},
        headers=auth,
    )
    assert made.status_code == 202, made.text
    content_id = made.json()["id"]
    assert wait_finished(runtime, content_id).status.value == "ready"
    first = get(client, auth, content_id)
    script = first["script"]
    timeline = 2 + len(script["scenes"])
    narrated, visuals = entries(runtime, "narration"), entries(runtime, "visuals")
    assert len(narrated) == timeline  # one per scene (no two scenes say the same)

    # The storyboard: the first body scene says something else; the rest as it was.
    edit = {key: script[key] for key in ("title", "hook", "scenes", "cta", "description",
                                         "hashtags")}  # fmt: skip
    edit["scenes"][0] = {**edit["scenes"][0], "narration": NEW_WORDS}
    answer = client.put(f"{API}/contents/{content_id}/script", json=edit, headers=auth)
    assert answer.status_code == 202, answer.text
    done = wait_finished(runtime, content_id)
    assert done.status.value == "ready", done.error

    # One narration more in the cache: the edited scene's; every other scene's was reused.
    added = entries(runtime, "narration") - narrated
    assert len(added) == 1, added
    assert len(entries(runtime, "visuals") - visuals) <= 1  # at most the edited scene's card
    after = get(client, auth, content_id)
    assert after["script"]["scenes"][0]["narration"] == NEW_WORDS
    assert after["safety"]["verdict"] == "ok"  # checked anew, on the new words
    runs = [(r["stage"], r["status"]) for r in jobs(client, auth, content_id)]
    second = runs[len(runs) // 2 :]
    assert ("script", "reused") in second  # the edit is the script: not written again
    assert ("safety", "succeeded") in second
    # The video says the new words: they are in its captions, and it is a real video.
    outputs = row(runtime, content_id).outputs
    assert outputs is not None
    captions = runtime.storage.get_bytes(outputs.captions_srt).decode()
    assert "Stretch your calves" in captions
    local = runtime.storage.local_path(outputs.video)
    assert local is not None
    streams = {s["codec_type"]: s for s in probe(ffprobe, local)["streams"]}
    assert set(streams) == {"video", "audio"}
    assert float(probe(ffprobe, local)["format"]["duration"]) > 5
    balance, book = ledger(client, auth)
    assert [e["reason"] for e in book if e["content_id"] == content_id] == [
        "generation",
        "regeneration",
    ]
    assert balance == 1
