"""GeminiImageSource against a local server answering as the Generative Language API."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image
from pydantic import SecretStr

from autoclip.options import Vertical
from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import (
    BudgetExceededError,
    PermanentProviderError,
    RetriableProviderError,
    moves_on,
)
from autoclip.providers.cloud.http import Meter
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.visuals.base import VisualKind, VisualSource
from autoclip.providers.visuals.gemini import (
    GeminiImageSettings,
    GeminiImageSource,
    aspect_ratio,
    image_prompt,
    style_line,
)
from providers.fake_visuals import (
    gemini_image,
    gemini_image_answer,
    sample_jpeg,
    sample_png,
    visual_request,
)
from providers.fakes import (
    GEMINI_BAD_KEY,
    GEMINI_INTERNAL,
    GEMINI_OVERLOADED,
    FakeProvider,
    ListMeter,
    Reply,
    Sleeps,
    gemini_error,
    gemini_rate_limited,
    local_client,
)

KEY = "AIzaSyD-gemini-image-key-0123456789abcdef"
Usage = list[tuple[str, dict[str, float]]]


def source(
    server: FakeProvider,
    sleeps: Sleeps,
    *,
    model: str = "gemini-2.5-flash-image",
    timeout_s: float = 2.0,
    meter: Meter | None = None,
    usage: Usage | None = None,
) -> GeminiImageSource:
    settings = GeminiImageSettings(
        api_key=SecretStr(KEY),
        base_url=server.base_url,
        model=model,
        timeout_s=timeout_s,
        deadline_s=30,
    )
    return GeminiImageSource(
        settings,
        client=local_client(),
        breaker=CircuitBreaker(),
        meter=meter or ListMeter(usage),
        sleep=sleeps,
        clock=time.monotonic,
        jitter=lambda: 1.0,
    )


def prompt_of(server: FakeProvider, index: int = 0) -> str:
    text = server.requests[index].json()["contents"][0]["parts"][0]["text"]
    assert isinstance(text, str)
    return text


def test_a_scene_image_over_the_documented_wire_format(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(gemini_image())
    usage: Usage = []
    request = visual_request(number=3)
    visual = source(server, sleeps, usage=usage).make(request, tmp_path)

    assert visual.kind is VisualKind.STILL
    assert visual.path == visual.still_path == tmp_path / "scene_3.png"
    assert visual.origin == "gemini-image: gemini-2.5-flash-image"
    with Image.open(visual.still_path) as still:
        assert (still.format, still.size) == ("PNG", (1080, 1920))
    # The model's own image is kept beside the fitted one.
    assert (tmp_path / "generated.png").read_bytes() == sample_png()

    (sent,) = server.requests
    assert sent.method == "POST"
    assert sent.path == "/v1beta/models/gemini-2.5-flash-image:generateContent"
    assert sent.headers["x-goog-api-key"] == KEY
    assert "key" not in sent.query
    body = sent.json()
    assert body["contents"][0]["role"] == "user"
    assert body["generationConfig"] == {
        "temperature": 1.0,
        "responseModalities": ["IMAGE"],
        "imageConfig": {"aspectRatio": "9:16"},
    }
    prompt = prompt_of(server)
    assert prompt.startswith("Style: warm editorial photography")
    assert '"How to sleep well"' in prompt
    assert "Scene: a calm bedroom at night with soft lamp light" in prompt
    assert "Subjects: sleep, bedroom" in prompt
    assert "No text, no letters" in prompt
    assert "no watermark" in prompt
    assert usage == [
        (
            "gemini-image",
            {"requests": 1.0, "input_tokens": 96.0, "output_tokens": 1290.0, "images": 1.0},
        )
    ]


def test_every_scene_of_a_content_shares_one_style() -> None:
    first = visual_request(number=1, visual="an alarm clock on a night table")
    second = visual_request(number=5, visual="a cup of herbal tea", keywords=["tea"])
    style = style_line("How to sleep well", Vertical.SENIOR_HEALTH)
    assert image_prompt(first).splitlines()[0] == style
    assert image_prompt(second).splitlines()[0] == style
    assert image_prompt(first) != image_prompt(second)
    # Another content (title, vertical) gets its own look.
    assert style_line("Saving for retirement", Vertical.SENIOR_HEALTH) != style
    assert "editorial photography" in style_line("How to sleep well", Vertical.FINANCE)
    assert style_line("How to sleep well", Vertical.HISTORY) != style


@pytest.mark.parametrize(
    ("size", "ratio"),
    [((1080, 1920), "9:16"), ((720, 1280), "9:16"), ((1920, 1080), "16:9"), ((1080, 1080), "1:1")],
)
def test_the_aspect_ratio_follows_the_frame(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, size: tuple[int, int], ratio: str
) -> None:
    assert aspect_ratio(size) == ratio
    server.queue(gemini_image((1024, 1024)))
    visual = source(server, sleeps).make(visual_request(size=size), tmp_path)
    assert server.requests[0].json()["generationConfig"]["imageConfig"]["aspectRatio"] == ratio
    with Image.open(visual.still_path) as still:
        assert still.size == size


def test_text_beside_the_image_is_ignored(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    answer = gemini_image_answer(sample_png(), text="Here is your image of a calm bedroom.")
    server.queue(Reply(200, answer))
    visual = source(server, sleeps).make(visual_request(), tmp_path)
    with Image.open(visual.still_path) as still:
        assert still.size == (1080, 1920)


def test_a_jpeg_answer_is_fitted_too(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(Reply(200, gemini_image_answer(sample_jpeg(), mime="image/jpeg")))
    visual = source(server, sleeps).make(visual_request(), tmp_path)
    assert (tmp_path / "generated.jpg").exists()
    with Image.open(visual.still_path) as still:
        assert (still.format, still.size) == ("PNG", (1080, 1920))


def test_a_spent_budget_refuses_the_call(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    meter = UsageMeter(budget_usd=0.0)
    with pytest.raises(BudgetExceededError) as caught:
        source(server, sleeps, meter=meter).make(visual_request(), tmp_path)
    assert caught.value.service == "gemini-image"
    assert server.requests == []


def test_usage_is_priced_per_image(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    meter = UsageMeter(budget_usd=1.0)
    server.queue(gemini_image())
    source(server, sleeps, meter=meter).make(visual_request(), tmp_path)
    assert meter.spent_usd == pytest.approx(0.039)


def test_429_with_retry_after_is_honoured(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(gemini_rate_limited(retry_after="3"), gemini_image())
    source(server, sleeps).make(visual_request(), tmp_path)
    assert sleeps.waits == [3.0]
    assert len(server.requests) == 2


def test_server_errors_are_retried(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(GEMINI_INTERNAL, GEMINI_OVERLOADED, gemini_image())
    visual = source(server, sleeps).make(visual_request(), tmp_path)
    assert visual.still_path.exists()
    assert sleeps.waits == [1.0, 2.0]


def test_a_slow_answer_is_retried(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    slow = Reply(200, gemini_image_answer(sample_png()), delay_s=1.0)
    server.queue(slow, gemini_image())
    source(server, sleeps, timeout_s=0.3).make(visual_request(), tmp_path)
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "broken",
    [
        Reply(200, gemini_image_answer(sample_png()), truncate=True),
        Reply(200, '{"candidates": [{"content": {"parts": [{"inlineData": '),
    ],
    ids=["truncated", "malformed"],
)
def test_a_broken_json_answer_is_retried(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, broken: Reply
) -> None:
    server.queue(broken, gemini_image())
    source(server, sleeps).make(visual_request(), tmp_path)
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (GEMINI_BAD_KEY, 400),
        (Reply(401, gemini_error(401, "UNAUTHENTICATED", f"Bad key {KEY}")), 401),
        (Reply(403, gemini_error(403, "PERMISSION_DENIED", "The caller has no access")), 403),
    ],
)
def test_a_bad_key_is_permanent_and_never_shown(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, reply: Reply, status: int
) -> None:
    server.queue(reply)
    with pytest.raises(PermanentProviderError) as caught:
        source(server, sleeps).make(visual_request(), tmp_path)
    assert caught.value.status == status
    assert KEY not in str(caught.value)
    assert len(server.requests) == 1


def test_a_blocked_prompt_is_a_permanent_refusal(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    blocked = {
        "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
        "usageMetadata": {"promptTokenCount": 40, "totalTokenCount": 40},
    }
    server.queue(Reply(200, blocked))
    usage: Usage = []
    with pytest.raises(PermanentProviderError, match="refused the prompt") as caught:
        source(server, sleeps, usage=usage).make(visual_request(), tmp_path)
    assert caught.value.detail == "blockReason PROHIBITED_CONTENT"
    units = {"requests": 1.0, "input_tokens": 40.0, "output_tokens": 0.0, "images": 0.0}
    assert usage == [("gemini-image", units)]  # a refused prompt still costs its tokens
    assert not (tmp_path / "scene_2.png").exists()


@pytest.mark.parametrize("reason", ["SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT"])
def test_a_safety_stop_is_a_permanent_refusal(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, reason: str
) -> None:
    answer = gemini_image_answer(None, finish=reason, output_tokens=0)
    answer["candidates"][0]["safetyRatings"] = [
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}
    ]
    server.queue(Reply(200, answer))
    with pytest.raises(PermanentProviderError, match="refused to draw") as caught:
        source(server, sleeps).make(visual_request(), tmp_path)
    assert caught.value.detail == f"finishReason {reason} (HARM_CATEGORY_DANGEROUS_CONTENT)"
    assert moves_on(caught.value)  # no image for this scene: the next source draws it
    assert len(server.requests) == 1


def test_a_text_only_answer_is_permanent(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    why = "I can't create images of real people in medical situations."
    server.queue(Reply(200, gemini_image_answer(None, text=why, output_tokens=14)))
    usage: Usage = []
    with pytest.raises(PermanentProviderError, match="without an image") as caught:
        source(server, sleeps, usage=usage).make(visual_request(), tmp_path)
    assert caught.value.detail == f"finishReason STOP: {why}"
    assert usage[0][1]["images"] == 0.0


@pytest.mark.parametrize(
    "answer",
    [
        gemini_image_answer(data="!!! not base64 !!!"),
        gemini_image_answer(b"<html>not an image</html>"),
        gemini_image_answer(sample_png()[:300]),  # a PNG cut short
        {"candidates": [], "usageMetadata": {"promptTokenCount": 40}},
    ],
    ids=["bad-base64", "not-an-image", "cut-png", "no-candidate"],
)
def test_a_garbled_image_is_retriable(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, answer: dict[str, object]
) -> None:
    server.queue(Reply(200, answer))
    with pytest.raises(RetriableProviderError) as caught:
        source(server, sleeps).make(visual_request(), tmp_path)
    assert caught.value.service == "gemini-image"
    assert len(server.requests) == 1  # not retried here: another paid call is the caller's
    assert not (tmp_path / "scene_2.png").exists()


def test_identity_follows_what_changes_the_image(server: FakeProvider, sleeps: Sleeps) -> None:
    visuals: VisualSource = source(server, sleeps)  # the contract, checked by mypy
    assert visuals.name == "gemini"
    base = visuals.identity(visual_request())
    assert base == source(server, sleeps).identity(visual_request())
    # The same scene at another place in the timeline is the same image.
    assert base == visuals.identity(visual_request(number=6))
    assert base == visuals.identity(visual_request(narration="Different words, same picture."))
    for changed in (
        visual_request(visual="a sunrise over a quiet town"),
        visual_request(keywords=["sleep", "lamp"]),
        visual_request(size=(720, 1280)),
        visual_request(size=(1920, 1080)),
        visual_request(title="Sleep and memory"),
        visual_request(vertical=Vertical.TECH),
    ):
        assert visuals.identity(changed) != base
    assert (
        source(server, sleeps, model="gemini-3-pro-image-preview").identity(visual_request())
        != base
    )
    assert KEY not in base


def test_settings_and_repr_keep_the_key_out() -> None:
    settings = GeminiImageSettings(api_key=SecretStr(KEY), model="models/gemini-2.5-flash-image")
    assert settings.model == "gemini-2.5-flash-image"
    assert settings.base_url == "https://generativelanguage.googleapis.com"
    assert settings.temperature == 1.0
    assert GeminiImageSettings(api_key=SecretStr("k")).model == "gemini-2.5-flash-image"
    images = GeminiImageSource(settings, client=local_client(), breaker=CircuitBreaker())
    assert KEY not in repr(images)
    assert KEY not in repr(images.http)
    assert KEY not in settings.model_dump_json()
