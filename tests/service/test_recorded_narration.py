"""A content narrated by its creator's own recording (`options.narration_media_id`): the
recording uploaded to the media library, the content made with the worker inside the API
process, the video following the recording and its captions the recording's words. And
what is refused: another user's recording (not found, as any id one does not own), a
picture, a recording deleted before the worker ran, one that is silence."""

from __future__ import annotations

import re
import statistics
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from autoclip.options import GenerateOptions, Language, Length, Tone, Vertical
from autoclip.pipeline.chains import Providers
from autoclip.providers.narration.recorded import EDGE_S
from autoclip.providers.narration.track import write_wav
from autoclip.providers.writing.base import SourceMaterial
from autoclip.service.models import ApiUsage
from autoclip.settings import Settings
from e2e.media import probe
from narration.recording import encode, record_script
from service.conftest import sign_up
from service.test_api_media import image_bytes, upload
from service.test_jobs_embedded import SQLITE_ONLY, Start, start
from service.test_jobs_support import API, get, wait_finished

__all__ = ["start"]  # a fixture, used by name
pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
TEXT = (
    "물은 몸의 절반이 넘는 부분을 차지합니다. 하루에 여러 번 나누어 물을 마시면 좋습니다. "
    "목이 마르기 전에 한 잔씩 마셔 보세요."
)
# What the content asks for, so that the test writes the very script the worker will.
OPTIONS = {"vertical": "tech", "tone": "professional", "length": "short", "draft": True}
_DIALOGUE = re.compile(r"^Dialogue: 0,(\d+):(\d\d):(\d\d)\.(\d\d),", re.MULTILINE)
FIELD = "options.narration_media_id"


def body(media_id: str, **options: Any) -> dict[str, Any]:
    return {
        "generation_type": "text",
        "text": TEXT,
        "language": "ko",
        "options": {**OPTIONS, "narration_media_id": media_id, **options},
    }


def script_narrations(tmp_path: Path) -> list[str]:
    """The scenes the offline writer makes of TEXT with OPTIONS: what the creator reads."""
    source = SourceMaterial(text=TEXT)
    options = GenerateOptions(
        language=Language.KO, vertical=Vertical.TECH, tone=Tone.PROFESSIONAL, length=Length.SHORT
    )
    writer = Providers(Settings(data_dir=tmp_path / "data")).writers_for(source)[0]
    return [scene.narration for _, scene in writer.write(source, options).timeline()]


def uploaded(client: TestClient, auth: dict[str, str], data: bytes, name: str) -> str:
    answer = upload(client, auth, data, name)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def assert_field_problem(answer: Any, status: int) -> None:
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert [e["field"] for e in problem["errors"]] == [FIELD], problem


@pytest.mark.e2e
@SQLITE_ONLY
def test_a_content_narrated_by_the_users_own_recording(
    start: Start, ffprobe: Path, tmp_path: Path
) -> None:
    runtime, client = start()
    auth = sign_up(client)
    recorded = record_script(script_narrations(tmp_path), Language.KO, tmp_path / "voice")
    m4a = encode(recorded.wav, tmp_path / "voice.m4a", "-c:a", "aac", "-b:a", "96k")
    media_id = uploaded(client, auth, m4a.read_bytes(), "voice.m4a")

    estimate = client.post(f"{API}/estimates", json=body(media_id), headers=auth)
    assert estimate.status_code == 200, estimate.text
    assert [call["stage"] for call in estimate.json()["calls"]] == []  # nothing paid for

    made = client.post(f"{API}/contents", json=body(media_id), headers=auth)
    assert made.status_code == 202, made.text
    content_id = made.json()["id"]
    done = wait_finished(runtime, content_id)
    assert done.status.value == "ready", done.error
    content = get(client, auth, content_id)
    assert content["served"]["narration"] == "recording"
    assert content["options"]["narration_media_id"] == media_id
    with runtime.db.session(write=False) as session:
        assert session.query(ApiUsage).filter_by(content_id=uuid.UUID(content_id)).count() == 0

    storage, outputs = runtime.storage, done.outputs
    assert outputs is not None
    video = tmp_path / "video.mp4"
    storage.download(outputs.video, video)
    first, last = recorded.speech
    duration = float(probe(ffprobe, video)["format"]["duration"])
    assert duration == pytest.approx(last - first + 2 * EDGE_S, abs=0.15)

    ass = storage.get_bytes(outputs.captions_ass).decode("utf-8")
    shown = [
        int(h) * 3600 + int(m) * 60 + int(s) + int(cs) / 100
        for h, m, s, cs in _DIALOGUE.findall(ass)
    ]
    assert len(shown) == len(recorded.words)
    errors = [
        abs(at - (word.start - (first - EDGE_S))) * 1000
        for at, word in zip(shown, recorded.words, strict=True)
    ]
    # eSpeak's own variant reads this "recording": the aligner's Korean rows in
    # docs/aligner.md (p95 27-73 ms); a margin for the AAC round trip.
    assert statistics.median(errors) < 40, errors
    assert max(errors) < 200, errors
    srt = storage.get_bytes(outputs.captions_srt).decode("utf-8")
    assert "물은" in srt


def test_only_the_users_own_sound_files_narrate(client: TestClient, tmp_path: Path) -> None:
    alice, bob = sign_up(client), sign_up(client)
    tone = tmp_path / "tone.wav"
    write_wav(tone, (np.sin(np.arange(22050) / 5) * 8000).astype(np.int16), 22050)
    alices = uploaded(client, alice, tone.read_bytes(), "mine.wav")
    picture = uploaded(client, bob, image_bytes("PNG"), "picture.png")

    # Bob cannot narrate with Alice's recording: not found, as an id that does not exist.
    for unknown in (alices, str(uuid.uuid4())):
        for path in ("/contents", "/estimates"):
            answer = client.post(f"{API}{path}", json=body(unknown), headers=bob)
            assert_field_problem(answer, 404)
    # A picture is not a recording.
    answer = client.post(f"{API}/contents", json=body(picture), headers=bob)
    assert_field_problem(answer, 422)
    assert "not a sound recording" in answer.json()["errors"][0]["message"]
    # Not an id at all: the request's own validation names it.
    answer = client.post(f"{API}/contents", json=body("my-voice.wav"), headers=bob)
    assert answer.status_code == 422
    assert "narration_media_id" in answer.text
    # Alice can.
    answer = client.post(f"{API}/estimates", json=body(alices), headers=alice)
    assert answer.status_code == 200, answer.text


@SQLITE_ONLY
def test_a_silent_or_deleted_recording_fails_the_content_naming_the_option(
    start: Start, tmp_path: Path
) -> None:
    runtime, client = start()
    auth = sign_up(client)
    silence = tmp_path / "silence.wav"
    write_wav(silence, np.zeros(22050 * 8, dtype=np.int16), 22050)
    silent_id = uploaded(client, auth, silence.read_bytes(), "silence.wav")
    made = client.post(f"{API}/contents", json=body(silent_id), headers=auth)
    assert made.status_code == 202, made.text
    done = wait_finished(runtime, made.json()["id"])
    assert done.status.value == "failed"
    assert done.error is not None
    assert done.error.startswith(f"{FIELD}: is silent"), done.error

    tone = tmp_path / "tone.wav"
    write_wav(tone, (np.sin(np.arange(22050 * 4) / 5) * 8000).astype(np.int16), 22050)
    gone_id = uploaded(client, auth, tone.read_bytes(), "gone.wav")
    made = client.post(f"{API}/contents", json=body(gone_id), headers=auth)
    assert made.status_code == 202, made.text
    # Deleted at once: the worker finds it gone ("no longer in your media library") or, if
    # it fetched it first, a tone that is not speech. Either way the option is named.
    assert client.delete(f"{API}/media/{gone_id}", headers=auth).status_code == 204
    done = wait_finished(runtime, made.json()["id"])
    assert done.status.value == "failed"
    assert done.error is not None
    assert done.error.startswith(FIELD), done.error
