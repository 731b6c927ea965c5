"""PexelsVisualSource against a local server answering as the Pexels API and its CDN."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest
from PIL import Image
from pydantic import SecretStr, ValidationError

from autoclip.kit.ffmpeg import media_info
from autoclip.options import Language
from autoclip.providers.cloud.breaker import CircuitBreaker
from autoclip.providers.cloud.errors import PermanentProviderError, RetriableProviderError, moves_on
from autoclip.providers.cloud.http import Meter
from autoclip.providers.cloud.usage import UsageMeter
from autoclip.providers.visuals.base import (
    ATTRIBUTION_FILE,
    VisualKind,
    VisualRequest,
    VisualSource,
    credit_line,
    read_attribution,
)
from autoclip.providers.visuals.pexels import (
    NoStockResult,
    PexelsSettings,
    PexelsVisualSource,
    StockFile,
    choose_file,
    search_query,
    videos_from,
)
from providers.fake_visuals import (
    CLIP_SECONDS,
    PEXELS_FORBIDDEN,
    PEXELS_SERVER_ERROR,
    PEXELS_UNAUTHORIZED,
    PEXELS_UNAVAILABLE,
    jpeg_reply,
    mp4_reply,
    pexels_error,
    pexels_file,
    pexels_photo,
    pexels_photos,
    pexels_video,
    pexels_videos,
    sample_jpeg,
    visual_request,
)
from providers.fakes import FakeProvider, ListMeter, Reply, Sleeps, local_client

KEY = "563492ad6f91700001000001pexels-test-key-abcdef"
Usage = list[tuple[str, dict[str, float]]]


def source(
    server: FakeProvider,
    sleeps: Sleeps,
    *,
    kind: Literal["video", "photo", "auto"] = "video",
    timeout_s: float = 2.0,
    meter: Meter | None = None,
    usage: Usage | None = None,
) -> PexelsVisualSource:
    settings = PexelsSettings(
        api_key=SecretStr(KEY),
        base_url=server.base_url,
        kind=kind,
        timeout_s=timeout_s,
        deadline_s=30,
    )
    return PexelsVisualSource(
        settings,
        client=local_client(),
        breaker=CircuitBreaker(),
        meter=meter or ListMeter(usage),
        sleep=sleeps,
        clock=time.monotonic,
        jitter=lambda: 1.0,
    )


def one_video(server: FakeProvider, video_id: int = 1234567) -> Reply:
    return pexels_videos([pexels_video(server.base_url, video_id)])


def query(server: FakeProvider, index: int = 0) -> dict[str, str]:
    return {name: values[0] for name, values in server.requests[index].query.items()}


def test_a_stock_clip_over_the_documented_wire_format(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(one_video(server), mp4_reply())
    usage: Usage = []
    visual = source(server, sleeps, usage=usage).make(visual_request(number=3), tmp_path)

    search, download = server.requests
    assert (search.method, search.path) == ("GET", "/videos/search")
    assert query(server) == {
        "query": "sleep bedroom calm night soft lamp",
        "orientation": "portrait",
        "size": "medium",
        "per_page": "15",
        "page": "1",
    }
    assert search.headers["authorization"] == KEY  # the bare key, no "Bearer"
    # The smallest rendition covering 1080x1920: HD, not the 4K one.
    assert download.path == "/video-files/1234567/1234567-hd_1080_1920_29_97fps.mp4"
    assert "authorization" not in download.headers  # the CDN never sees the key

    assert visual.kind is VisualKind.CLIP
    assert visual.path == tmp_path / "clip.mp4"
    assert visual.still_path == tmp_path / "scene_3.png"
    assert visual.origin == "pexels video 1234567 by Jane Doe"
    duration, kinds = media_info(visual.path)
    assert duration == pytest.approx(CLIP_SECONDS, abs=0.1)
    assert "video" in kinds
    with Image.open(visual.still_path) as still:
        assert (still.format, still.size) == ("PNG", (1080, 1920))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ATTRIBUTION_FILE,
        "clip.mp4",
        "scene_3.png",
    ]

    credit = json.loads((tmp_path / ATTRIBUTION_FILE).read_text(encoding="utf-8"))
    assert credit == {
        "provider": "pexels",
        "kind": "video",
        "id": 1234567,
        "url": "https://www.pexels.com/video/calm-bedroom-at-night-1234567/",
        "author": "Jane Doe",
        "author_url": "https://www.pexels.com/@jane-doe",
        "license": "Pexels License",
        "license_url": "https://www.pexels.com/license/",
    }
    attribution = read_attribution(tmp_path)
    assert attribution == credit
    assert attribution is not None
    assert credit_line(attribution) == (
        "Video by Jane Doe on Pexels: https://www.pexels.com/video/calm-bedroom-at-night-1234567/"
    )
    assert usage == [("pexels", {"requests": 1.0})]


def test_a_draft_frame_gets_a_smaller_file(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(one_video(server), mp4_reply())
    visual = source(server, sleeps).make(visual_request(size=(720, 1280)), tmp_path)
    assert query(server)["size"] == "small"
    assert server.requests[1].path.endswith("-hd_720_1280_29_97fps.mp4")
    with Image.open(visual.still_path) as still:
        assert still.size == (720, 1280)


@pytest.mark.parametrize(
    ("size", "orientation"), [((1920, 1080), "landscape"), ((1080, 1080), "square")]
)
def test_the_search_asks_for_the_frames_orientation(
    server: FakeProvider,
    sleeps: Sleeps,
    tmp_path: Path,
    size: tuple[int, int],
    orientation: str,
) -> None:
    files = [
        pexels_file(server.base_url, 9, 3840, 2160, quality="uhd"),
        pexels_file(server.base_url, 9, 1920, 1080),
        pexels_file(server.base_url, 9, 1280, 720),
    ]
    server.queue(
        pexels_videos([pexels_video(server.base_url, 9, width=3840, height=2160, files=files)]),
        mp4_reply(),
    )
    visual = source(server, sleeps).make(visual_request(size=size), tmp_path)
    assert query(server)["orientation"] == orientation
    assert server.requests[1].path.endswith("-hd_1920_1080_30fps.mp4")
    with Image.open(visual.still_path) as still:
        assert still.size == size


def test_the_query_puts_keywords_first_and_stays_short() -> None:
    assert search_query(visual_request()) == "sleep bedroom calm night soft lamp"
    assert search_query(visual_request(keywords=[])) == "calm bedroom night soft lamp light"
    assert search_query(visual_request(keywords=["blood pressure", "cuff"])) == (
        "blood pressure cuff calm bedroom night"
    )
    nothing = visual_request(keywords=[], visual="", title="Sleep")
    assert search_query(nothing) == "sleep"  # the title, as a last resort


def test_a_korean_scene_searches_by_its_keywords_in_korean(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    request = visual_request(
        language=Language.KO,
        keywords=["수면", "침실"],
        visual="어두운 침실에서 잠든 노인",
        title="잠을 잘 자는 법",
    )
    assert search_query(request) == "수면 침실"
    server.queue(one_video(server), mp4_reply())
    source(server, sleeps).make(request, tmp_path)
    assert query(server)["query"] == "수면 침실"
    assert query(server)["locale"] == "ko-KR"


def test_english_keywords_of_a_korean_script_need_no_locale(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    request = visual_request(language=Language.KO, visual="어두운 침실", keywords=["sleep"])
    server.queue(one_video(server), mp4_reply())
    source(server, sleeps).make(request, tmp_path)
    assert query(server)["query"] == "sleep"
    assert "locale" not in query(server)


def test_the_smallest_covering_rendition_is_chosen() -> None:
    frame = (1080, 1920)

    def file(width: int, height: int, fps: float = 30, quality: str = "hd") -> StockFile:
        return StockFile(f"https://cdn/{width}x{height}@{fps}", width, height, fps, quality)

    uhd, hd, near = file(2160, 3840, quality="uhd"), file(1080, 1920), file(1012, 1800)
    small = file(540, 960, quality="sd")
    assert choose_file([uhd, hd, small], frame) == hd
    assert choose_file([uhd, near, small], frame) == near  # 7 % short: not worth 4K
    assert choose_file([uhd, small], frame) == uhd
    assert choose_file([small, file(720, 1280)], frame) == file(720, 1280)  # the largest
    assert choose_file([file(1080, 1920, 60), hd], frame) == hd  # the lower frame rate
    assert choose_file([], frame) is None


def test_results_in_the_frames_orientation_and_long_enough_come_first(
    server: FakeProvider,
) -> None:
    base = server.base_url
    landscape = [pexels_file(base, 1, 1920, 1080)]
    answer = pexels_videos(
        [
            pexels_video(base, 1, width=1920, height=1080, files=landscape),
            pexels_video(base, 2, duration=2),
            pexels_video(
                base, 3, files=[pexels_file(base, 3, 720, 1280, file_type="video/quicktime")]
            ),
            pexels_video(base, 4, duration=8),
            pexels_video(base, 5, duration=15),
        ]
    ).body
    assert isinstance(answer, dict)
    ranked = videos_from(answer, (1080, 1920))
    # 3 has no mp4 rendition; 2 is too short; 1 is turned the wrong way.
    assert [item.id for item in ranked] == [4, 5, 2, 1]


def test_scenes_of_one_content_do_not_repeat_a_clip(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    base = server.base_url
    results = pexels_videos([pexels_video(base, n) for n in (11, 22, 33)])
    stock = source(server, sleeps)
    same = [visual_request(number=n) for n in (1, 2)]
    other = visual_request(number=3, keywords=["night"], visual="a bedroom at night")
    identities = [stock.identity(request) for request in [*same, other]]
    assert identities[0] != identities[1]  # the same search twice: told apart by its repeat
    made = []
    for request in [*same, other]:
        server.queue(results, mp4_reply())
        made.append(stock.make(request, tmp_path / str(request.number)))
    assert [visual.origin.split()[2] for visual in made] == ["11", "22", "33"]
    # Asked again, a scene keeps its search, hence its cache key.
    assert [stock.identity(request) for request in [*same, other]] == identities
    # A new instance (a re-run of the content) makes the same keys.
    fresh = source(server, sleeps)
    assert [fresh.identity(request) for request in [*same, other]] == identities


def test_clips_earlier_scenes_show_from_the_cache_are_not_repeated(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    """A re-run makes only scene 3 anew: the clips of scenes 1 and 2 come from the cache,
    and the engine says which they are."""
    base = server.base_url
    server.queue(pexels_videos([pexels_video(base, n) for n in (11, 22, 33)]), mp4_reply())
    request = replace(
        visual_request(number=3), shown=frozenset({"pexels:video:11", "pexels:video:22"})
    )
    made = source(server, sleeps).make(request, tmp_path)
    assert made.origin.split()[2] == "33"


def test_a_clip_is_reused_only_when_nothing_else_was_found(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    stock = source(server, sleeps)
    for number in (1, 2):
        server.queue(one_video(server, 77), mp4_reply())
        visual = stock.make(visual_request(number=number), tmp_path / str(number))
        assert visual.origin == "pexels video 77 by Jane Doe"


def test_auto_falls_back_to_a_photo(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(
        pexels_videos([]),
        pexels_photos([pexels_photo(server.base_url, 808)]),
        jpeg_reply(),
    )
    usage: Usage = []
    visual = source(server, sleeps, kind="auto", usage=usage).make(visual_request(), tmp_path)

    videos, photos, download = server.requests
    assert videos.path == "/videos/search"
    assert photos.path == "/v1/search"
    assert query(server, 1) == {
        "query": "sleep bedroom calm night soft lamp",
        "orientation": "portrait",
        "size": "small",
        "per_page": "15",
        "page": "1",
    }
    assert photos.headers["authorization"] == KEY
    # large2x (867x1300) falls short of 1080x1920: the original is fetched.
    assert download.path == "/photos/808/pexels-photo-808.jpeg"
    assert download.query == {}
    assert "authorization" not in download.headers

    assert visual.kind is VisualKind.STILL
    assert visual.path == visual.still_path == tmp_path / "scene_2.png"
    assert visual.origin == "pexels photo 808 by Min Park"
    assert (tmp_path / "photo.jpg").read_bytes() == sample_jpeg()
    with Image.open(visual.still_path) as still:
        assert (still.format, still.size) == ("PNG", (1080, 1920))
    attribution = read_attribution(tmp_path)
    assert attribution is not None
    assert (attribution["kind"], attribution["id"], attribution["author"]) == (
        "photo",
        808,
        "Min Park",
    )
    assert attribution["url"] == "https://www.pexels.com/photo/a-dark-bedroom-808/"
    assert usage == [("pexels", {"requests": 1.0}), ("pexels", {"requests": 1.0})]


def test_a_draft_photo_is_fetched_as_large2x(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(pexels_photos([pexels_photo(server.base_url, 5)]), jpeg_reply())
    source(server, sleeps, kind="photo").make(visual_request(size=(720, 1280)), tmp_path)
    assert [request.path for request in server.requests] == [
        "/v1/search",
        "/photos/5/pexels-photo-5.jpeg",
    ]
    assert server.requests[1].query["w"] == ["940"]
    assert server.requests[1].query["dpr"] == ["2"]


@pytest.mark.parametrize(
    ("kind", "searches", "searched"),
    [("video", 1, "videos"), ("photo", 1, "photos"), ("auto", 2, "videos or photos")],
)
def test_no_result_is_a_dedicated_permanent_error(
    server: FakeProvider,
    sleeps: Sleeps,
    tmp_path: Path,
    kind: Literal["video", "photo", "auto"],
    searches: int,
    searched: str,
) -> None:
    server.queue(*([pexels_photos([])] if kind == "photo" else [pexels_videos([])]))
    if kind == "auto":
        server.queue(pexels_photos([]))
    with pytest.raises(NoStockResult) as caught:
        source(server, sleeps, kind=kind).make(visual_request(), tmp_path)
    assert isinstance(caught.value, PermanentProviderError)
    assert caught.value.query == "sleep bedroom calm night soft lamp"
    assert f"no stock {searched} found" in str(caught.value)
    assert len(server.requests) == searches


def test_results_without_a_usable_file_are_no_result(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    hls = [pexels_file(server.base_url, 4, 1080, 1920, file_type="application/x-mpegURL")]
    server.queue(pexels_videos([pexels_video(server.base_url, 4, files=hls)]))
    with pytest.raises(NoStockResult):
        source(server, sleeps).make(visual_request(), tmp_path)


def test_a_scene_with_nothing_to_search_by_is_not_sent(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    request = visual_request(keywords=[], visual="", title="?!")
    with pytest.raises(NoStockResult):
        source(server, sleeps).make(request, tmp_path)
    assert server.requests == []


def test_pexels_is_free_so_a_spent_budget_does_not_stop_it(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    meter = UsageMeter(budget_usd=0.0)
    server.queue(one_video(server), mp4_reply())
    source(server, sleeps, meter=meter).make(visual_request(), tmp_path)
    (record,) = meter.records
    assert (record.service, record.units, record.usd) == ("pexels", {"requests": 1.0}, 0.0)


def test_429_with_retry_after_is_honoured(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    limited = pexels_error(
        429,
        "Rate limit exceeded",
        {"Retry-After": "2", "X-Ratelimit-Limit": "200", "X-Ratelimit-Remaining": "0"},
    )
    server.queue(limited, one_video(server), mp4_reply())
    source(server, sleeps).make(visual_request(), tmp_path)
    assert sleeps.waits == [2.0]
    assert len(server.requests) == 3


def test_server_errors_are_retried(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(PEXELS_SERVER_ERROR, PEXELS_UNAVAILABLE, one_video(server), mp4_reply())
    visual = source(server, sleeps).make(visual_request(), tmp_path)
    assert visual.path.exists()
    assert sleeps.waits == [1.0, 2.0]


def test_exhausted_retries_are_retriable(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(PEXELS_UNAVAILABLE, PEXELS_UNAVAILABLE, PEXELS_UNAVAILABLE)
    with pytest.raises(RetriableProviderError) as caught:
        source(server, sleeps).make(visual_request(), tmp_path)
    assert caught.value.status == 503
    assert not isinstance(caught.value, NoStockResult)


def test_a_slow_search_is_retried(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    slow = one_video(server)
    server.queue(
        Reply(slow.status, slow.body, headers=slow.headers, delay_s=1.0),
        one_video(server),
        mp4_reply(),
    )
    source(server, sleeps, timeout_s=0.3).make(visual_request(), tmp_path)
    assert [request.path for request in server.requests[:2]] == ["/videos/search"] * 2


@pytest.mark.parametrize(
    "broken",
    [
        Reply(200, {"videos": [{"id": 1, "video_files": []}] * 40}, truncate=True),
        Reply(200, '{"page": 1, "videos": [{"id": 1'),
    ],
    ids=["truncated", "malformed"],
)
def test_a_broken_search_answer_is_retried(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, broken: Reply
) -> None:
    server.queue(broken, one_video(server), mp4_reply())
    visual = source(server, sleeps).make(visual_request(), tmp_path)
    assert visual.kind is VisualKind.CLIP
    assert len(server.requests) == 3


def test_an_answer_without_a_result_list_is_permanent(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(Reply(200, {"status": "ok"}))
    with pytest.raises(PermanentProviderError, match="no 'videos' list"):
        source(server, sleeps).make(visual_request(), tmp_path)


def test_a_cut_download_is_retried_and_leaves_no_partial_file(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(one_video(server), mp4_reply(truncate=True), mp4_reply())
    visual = source(server, sleeps).make(visual_request(), tmp_path)
    assert len(server.requests) == 3
    assert media_info(visual.path)[0] == pytest.approx(CLIP_SECONDS, abs=0.1)
    assert not list(tmp_path.glob("*.part"))


def test_a_download_that_is_no_video_is_permanent(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path
) -> None:
    server.queue(
        one_video(server), Reply(200, b"<html>not a video</html>", content_type="text/html")
    )
    with pytest.raises(PermanentProviderError, match="not a readable video") as caught:
        source(server, sleeps).make(visual_request(), tmp_path)
    assert "pexels video 1234567" in caught.value.detail
    assert moves_on(caught.value)  # this item's fault: the chain gives the scene a card


@pytest.mark.parametrize(("reply", "status"), [(PEXELS_UNAUTHORIZED, 401), (PEXELS_FORBIDDEN, 403)])
def test_a_bad_key_is_permanent_and_never_shown(
    server: FakeProvider, sleeps: Sleeps, tmp_path: Path, reply: Reply, status: int
) -> None:
    server.queue(reply)
    with pytest.raises(PermanentProviderError) as caught:
        source(server, sleeps).make(visual_request(), tmp_path)
    assert caught.value.status == status
    assert not isinstance(caught.value, NoStockResult)
    assert not moves_on(caught.value)  # a bad key ends the chain: it must be seen
    assert KEY not in str(caught.value)
    assert len(server.requests) == 1


def test_an_echoed_key_is_redacted(server: FakeProvider, sleeps: Sleeps, tmp_path: Path) -> None:
    server.queue(pexels_error(401, f"The key {KEY} is not valid"))
    with pytest.raises(PermanentProviderError) as caught:
        source(server, sleeps).make(visual_request(), tmp_path)
    assert KEY not in str(caught.value)
    assert "***" in str(caught.value)


def test_identity_follows_the_search(server: FakeProvider, sleeps: Sleeps) -> None:
    def identity(request: VisualRequest, kind: Literal["video", "photo", "auto"] = "video") -> str:
        visuals: VisualSource = source(server, sleeps, kind=kind)  # the contract, for mypy
        return visuals.identity(request)

    base = identity(visual_request())
    assert base == identity(visual_request())
    assert base == identity(visual_request(narration="Other words over the same picture."))
    for changed in (
        visual_request(visual="a cup of herbal tea on a table"),
        visual_request(keywords=["tea"]),
        visual_request(size=(720, 1280)),
        visual_request(size=(1920, 1080)),
    ):
        assert identity(changed) != base
    assert identity(visual_request(), kind="auto") != base
    assert KEY not in base
    assert server.requests == []  # identity never asks Pexels


def test_read_attribution_ignores_what_is_not_one(tmp_path: Path) -> None:
    assert read_attribution(tmp_path) is None
    (tmp_path / ATTRIBUTION_FILE).write_text("{not json", encoding="utf-8")
    assert read_attribution(tmp_path) is None
    (tmp_path / ATTRIBUTION_FILE).write_text(json.dumps({"provider": "pexels"}), encoding="utf-8")
    assert read_attribution(tmp_path) is None


def test_settings_are_checked() -> None:
    settings = PexelsSettings(api_key=SecretStr(KEY))
    assert (settings.base_url, settings.kind, settings.per_page) == (
        "https://api.pexels.com",
        "auto",
        15,
    )
    assert PexelsSettings(api_key=SecretStr("k"), base_url=" http://x/ ").base_url == "http://x"
    with pytest.raises(ValidationError):
        PexelsSettings(api_key=SecretStr("k"), base_url="ftp://api.pexels.com")
    with pytest.raises(ValidationError):
        PexelsSettings.model_validate({"api_key": "k", "kind": "gif"})
    with pytest.raises(ValidationError):
        PexelsSettings.model_validate({})  # the key is required
    stock = PexelsVisualSource(settings, client=local_client(), breaker=CircuitBreaker())
    assert KEY not in repr(stock)
    assert KEY not in repr(stock.http)
    assert KEY not in settings.model_dump_json()
