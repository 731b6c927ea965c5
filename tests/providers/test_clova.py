"""ClovaNarrator against a local server answering as CLOVA Voice Premium (tts-premium/v1)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from pydantic import SecretStr

from autoclip.errors import InputError
from autoclip.options import Language
from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import PermanentProviderError, RetriableProviderError
from autoclip.providers.narration.base import TimingSource, VoiceRequest
from autoclip.providers.narration.clova import ClovaNarrator, ClovaSettings
from providers.fake_speech import LEAD_S, TAIL_S, clova_error, clova_speech
from providers.fakes import FakeProvider, ListMeter, Reply, Sleeps, local_client

CLIENT_ID = "clova-client-id-test"
SECRET = "clova-client-secret-0123456789"
KO = "침실은 어둡고 서늘하게 유지하세요."
Usage = list[tuple[str, dict[str, float]]]


def narrator(
    server: FakeProvider, sleeps: Sleeps, usage: Usage | None = None, **settings: Any
) -> ClovaNarrator:
    return ClovaNarrator(
        ClovaSettings(
            client_id=CLIENT_ID, client_secret=SecretStr(SECRET), base_url=server.base_url,
            timeout_s=2.0, deadline_s=30, **settings,
        ),
        client=local_client(),
        breaker=CircuitBreaker(),
        meter=ListMeter(usage),
        sleep=sleeps,
        clock=time.monotonic,
        jitter=lambda: 1.0,
    )  # fmt: skip


def test_a_form_post_and_a_wav_answer(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(clova_speech(1.5))
    usage: Usage = []
    narration = narrator(server, sleeps, usage, speed=-1, pitch=2).narrate(
        VoiceRequest(KO, Language.KO), tmp_path / "scene.wav"
    )
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/tts-premium/v1/tts")
    assert request.headers["x-ncp-apigw-api-key-id"] == CLIENT_ID
    assert request.headers["x-ncp-apigw-api-key"] == SECRET
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {
        "speaker": ["nara"],
        "text": [KO],
        "volume": ["0"],
        "speed": ["-1"],
        "pitch": ["2"],
        "format": ["wav"],
        "sampling-rate": ["24000"],
    }
    assert usage == [("clova", {"requests": 1.0, "characters": float(len(KO))})]
    assert narration.duration == pytest.approx(LEAD_S + 1.5 + TAIL_S, abs=1e-3)
    assert narration.timing_source is TimingSource.SPREAD
    assert [w.text for w in narration.words] == KO.split()
    assert narration.words[0].start == pytest.approx(LEAD_S, abs=0.01)


def test_octet_stream_is_read_as_the_wav_it_holds_and_a_speaker_is_chosen(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(clova_speech(1.0, content_type="application/octet-stream"))
    narrator(server, sleeps).narrate(
        VoiceRequest(KO, Language.KO, voice="clova:njinho"), tmp_path / "s.wav"
    )
    assert parse_qs(server.requests[0].body.decode())["speaker"] == ["njinho"]


def test_the_gateways_rate_limits_and_outages_are_retried(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(
        clova_error(429, "420", "Rate Limited", {"Retry-After": "1"}),
        clova_error(504, "510", "Endpoint Timeout"),
        clova_speech(1.0),
    )
    narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")
    assert sleeps.waits == [1.0, 2.0]
    server.queue(*[clova_error(503, "500", "Endpoint Error")] * 3)
    with pytest.raises(RetriableProviderError, match="500: Endpoint Error"):
        narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")


def test_what_retrying_cannot_fix(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    clova, out, request = (
        narrator(server, sleeps),
        tmp_path / "s.wav",
        VoiceRequest(KO, Language.KO),
    )
    server.queue(clova_error(401, "200", "Authentication Failed"))
    with pytest.raises(PermanentProviderError, match="200: Authentication Failed"):
        clova.narrate(request, out)
    server.queue(clova_error(400, "VS02", "Unsupported speaker."))
    with pytest.raises(PermanentProviderError, match="VS02: Unsupported speaker"):
        clova.narrate(request, out)
    server.queue(Reply(200, "<html>maintenance</html>", content_type="text/html"))
    with pytest.raises(PermanentProviderError, match="not a PCM WAV"):
        clova.narrate(request, out)
    assert sleeps.waits == []
    with pytest.raises(InputError, match="2000"):
        clova.narrate(VoiceRequest("가" * 2001, Language.KO), out)
    assert len(server.requests) == 3
    assert SECRET not in str(clova)


def test_a_slow_answer_and_a_cut_one_are_retried(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    answer = clova_speech(1.0)
    server.queue(
        Reply(200, answer.body, content_type="audio/wav", delay_s=3.0),  # past the 2 s timeout
        Reply(200, answer.body, content_type="audio/wav", truncate=True),
        answer,
    )
    narration = narrator(server, sleeps).narrate(VoiceRequest(KO, Language.KO), tmp_path / "s.wav")
    assert len(server.requests) == 3
    assert narration.duration == pytest.approx(LEAD_S + 1.0 + TAIL_S, abs=1e-3)
