"""`GET /voices` (the voices of the configured narrators) and a voice's sample: spoken once,
kept in storage, served as MP3."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autoclip.service.app import create_app
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.service.voices.service import SAMPLE_PREFIX
from autoclip.settings import Settings
from e2e.media import probe
from fake_cloud import fake_cloud
from service.conftest import sign_up
from service.test_api_contents import assert_problem

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
API = "/api/v1"
KO_TEXT = "오늘 밤에는 일찍 잠자리에 들고 푹 주무세요."


def test_offline_voices_and_their_samples(
    client: TestClient, runtime: Runtime, ffprobe: Path, tmp_path: Path
) -> None:
    auth = sign_up(client)
    korean = client.get(f"{API}/voices?language=ko", headers=auth)
    assert korean.status_code == 200, korean.text
    # Piper's bundled voice is English: Korean is eSpeak's alone.
    assert [(v["narrator"], v["voice_id"]) for v in korean.json()] == [("espeak", "espeak:ko")]
    english = client.get(f"{API}/voices?language=en", headers=auth).json()
    assert [v["voice_id"] for v in english] == ["joe", "espeak:en-us", "espeak:en"]
    assert all(v["language"] == "en" and v["name"] for v in english)
    assert_problem(client.get(f"{API}/voices?language=fr", headers=auth), 422, "language")
    assert_problem(client.get(f"{API}/voices"), 401)

    # Every listed voice is one a content takes as its voice (the estimate checks as
    # creating does, and costs nothing).
    for voice in [*english, *korean.json()]:
        checked = client.post(
            f"{API}/estimates",
            json={"generation_type": "text", "text": "Sleep well tonight, every night.",
                  "language": voice["language"], "options": {"voice": voice["voice_id"]}},
            headers=auth,
        )  # fmt: skip
        assert checked.status_code == 200, checked.text

    url = korean.json()[0]["sample_url"]
    assert url == f"{API}/voices/espeak/espeak%3Ako/sample?language=ko"
    first = client.get(url, headers=auth)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "audio/mpeg"
    assert first.headers["cache-control"] == "private, max-age=86400"
    sample = tmp_path / "sample.mp3"
    sample.write_bytes(first.content)
    info = probe(ffprobe, sample)
    assert info["streams"][0]["codec_name"] == "mp3"
    assert 1.5 < float(info["format"]["duration"]) < 10
    # Kept in storage, once: the second answer is those bytes, not a new synthesis.
    kept = runtime.storage.list_keys(SAMPLE_PREFIX)
    assert len(kept) == 1
    assert kept[0].startswith(f"{SAMPLE_PREFIX}espeak/")
    runtime.storage.put_bytes(kept[0], b"ID3-kept", "audio/mpeg")
    assert client.get(url, headers=auth).content == b"ID3-kept"
    joe = client.get(f"{API}/voices/piper/joe/sample?language=en", headers=auth)
    assert joe.status_code == 200
    assert joe.content != b"ID3-kept"
    assert len(runtime.storage.list_keys(SAMPLE_PREFIX)) == 2

    # Only listed voices: not Piper in Korean, not a narrator or voice this server lacks.
    for path in ("piper/joe/sample?language=ko", "espeak/espeak%3Afr/sample?language=ko",
                 "elevenlabs/elevenlabs%3AEXAVITQu4vr4xnSDxMaL/sample?language=ko"):  # fmt: skip
        assert_problem(client.get(f"{API}/voices/{path}", headers=auth), 404)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cloud_voices_are_listed_when_configured_and_sampled_over_the_wire(
    make_settings: Callable[..., Settings], ffprobe: Path, tmp_path: Path
) -> None:
    with fake_cloud() as cloud:
        runtime = build_runtime(
            make_settings(
                narrator="elevenlabs,piper,espeak",
                elevenlabs_api_key="eleven-test-key",
                elevenlabs_base_url=cloud.base_url,
            )
        )
        try:
            with TestClient(create_app(runtime, run_worker=False)) as client:
                auth = sign_up(client)
                voices = client.get(f"{API}/voices?language=ko", headers=auth).json()
                assert [v["narrator"] for v in voices] == ["elevenlabs"] * 3 + ["espeak"]
                sarah = next(v for v in voices if v["name"] == "Sarah (ElevenLabs)")
                assert sarah["voice_id"] == "elevenlabs:EXAVITQu4vr4xnSDxMaL"
                answer = client.get(sarah["sample_url"], headers=auth)
                assert answer.status_code == 200, answer.text
                assert cloud.calls["elevenlabs"] == 1
                sample = tmp_path / "sarah.mp3"
                sample.write_bytes(answer.content)
                assert float(probe(ffprobe, sample)["format"]["duration"]) > 1.5
                # The alignment the fake sent was for the sample sentence, in Korean.
                assert "목소리" in cloud.alignments[-1].text
                client.get(sarah["sample_url"], headers=auth)
                assert cloud.calls["elevenlabs"] == 1  # kept: not bought twice
        finally:
            runtime.close()


def test_the_korean_cloud_voices_are_listed_and_a_google_voice_sampled(
    make_settings: Callable[..., Settings], ffprobe: Path, tmp_path: Path
) -> None:
    with fake_cloud() as cloud:
        runtime = build_runtime(
            make_settings(
                narrator="google,gemini,clova,espeak",
                gemini={"api_key": "gemini-test-key", "base_url": cloud.base_url},
                google_tts={"api_key": "google-test-key", "base_url": cloud.base_url},
                clova={"client_id": "id", "client_secret": "secret", "base_url": cloud.base_url},
            )
        )
        try:
            with TestClient(create_app(runtime, run_worker=False)) as client:
                auth = sign_up(client)
                voices = client.get(f"{API}/voices?language=ko", headers=auth).json()
                again = client.get(f"{API}/voices?language=ko", headers=auth).json()
                assert voices == again
                by_narrator: dict[str, list[str]] = {}
                for voice in voices:
                    by_narrator.setdefault(voice["narrator"], []).append(voice["voice_id"])
                # Google's from voices.list (fetched once), the default first; Gemini's
                # prebuilt voices; CLOVA's Korean speakers; then eSpeak.
                assert by_narrator["google"] == [
                    "google:ko-KR-Neural2-A",
                    "google:ko-KR-Chirp3-HD-Kore",
                    "google:ko-KR-Neural2-C",
                    "google:ko-KR-Wavenet-A",
                ]
                assert cloud.calls["google-tts"] == 1
                assert by_narrator["gemini"][0] == "gemini:Kore"
                assert len(by_narrator["gemini"]) == 30
                assert by_narrator["clova"][0] == "clova:nara"
                assert by_narrator["espeak"] == ["espeak:ko"]
                for voice_id in ("google:ko-KR-Chirp3-HD-Kore", "gemini:Puck", "clova:njinho"):
                    checked = client.post(
                        f"{API}/estimates",
                        json={"generation_type": "text", "text": KO_TEXT,
                              "language": "ko", "options": {"voice": voice_id}},
                        headers=auth,
                    )  # fmt: skip
                    assert checked.status_code == 200, checked.text

                url = voices[0]["sample_url"]
                answer = client.get(url, headers=auth)
                assert answer.status_code == 200, answer.text
                sample = tmp_path / "google.mp3"
                sample.write_bytes(answer.content)
                assert float(probe(ffprobe, sample)["format"]["duration"]) > 1.5
                assert "목소리" in cloud.marks[-1].text
                assert cloud.calls["google-tts"] == 2  # the list, kept; one synthesis
        finally:
            runtime.close()
