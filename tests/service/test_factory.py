"""Sources, schedules and batches through the API, on SQLite and on PostgreSQL, with the
factory's passes run by the test on a clock it moves (no worker: contents stay queued, so
what the factory decides is seen alone; test_factory_day.py renders them).

- A feed is fetched with its validators (a 304 when unchanged), its items de-duplicated
  by GUID and normalised link, each new one a draft; a feed that keeps failing is paused
  with the reason shown.
- A schedule runs once per due time however many threads race for it, once after a
  downtime that missed several, draws the waiting drafts in the sources' order, records
  what failed and why, and stops spending when the credits run out.
- A batch is charged all at once or not at all, with a result per item.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from autoclip.service.app import create_app
from autoclip.service.jobs.factory import send_due_fetches
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.service.schedules.service import run_due
from autoclip.service.sources.fetching import fetch_source
from localserver import serve
from service.conftest import sign_up
from service.factory_support import ManualClock, Site, site_handler
from service.test_jobs_support import API

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    served = Site()
    with serve(site_handler(served)) as base:
        yield served, base


@pytest.fixture
def factory(make_settings: Any) -> Iterator[tuple[Runtime, TestClient, ManualClock]]:
    runtime = build_runtime(make_settings(rate_limits=False, outbound_allow="127.0.0.1"))
    clock = ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=SEOUL))
    runtime.clock = clock  # injected: every factory decision reads this clock
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            yield runtime, client, clock
    finally:
        runtime.close()


def fetch_due(runtime: Runtime) -> list[str]:
    """What a worker does at a pass: claim the due sources, then (as their jobs) fetch
    them. Returns the outcomes."""
    return [fetch_source(runtime, source_id) for source_id in send_due_fetches(runtime)]


def make_project(client: TestClient, auth: dict[str, str]) -> str:
    made = client.post(f"{API}/projects", json={"name": "Health", "language": "en"}, headers=auth)
    assert made.status_code == 201, made.text
    assert made.json()["intake"] == "draft"
    return str(made.json()["id"])


def test_a_feed_is_fetched_conditionally_deduplicated_and_paused_when_it_keeps_failing(
    factory: tuple[Runtime, TestClient, ManualClock], site: tuple[Site, str]
) -> None:
    runtime, client, clock = factory
    served, base = site
    runtime.settings.factory.pause_after_failures = 2
    auth = sign_up(client)
    project = make_project(client, auth)
    served.offer("water", "sleep")  # water is the newest
    made = client.post(
        f"{API}/projects/{project}/sources",
        json={"kind": "feed", "name": "Health notes", "url": f"{base}/feed.xml",
              "interval_minutes": 30, "options": {"draft": True}},
        headers=auth,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    source = made.json()
    assert made.headers["Location"] == f"/api/v1/sources/{source['id']}"

    assert fetch_due(runtime) == ["new_items"]
    items = client.get(f"{API}/sources/{source['id']}/items", headers=auth).json()
    # Stored oldest first (sleep, then water); listed newest first.
    assert [i["title"] for i in items] == ["Drink water", "Sleep and the body"]
    drafts = client.get(f"{API}/contents?status=draft", headers=auth).json()
    assert drafts["total"] == 2
    assert {d["generation_type"] for d in drafts["items"]} == {"url"}
    assert all(d["options"]["draft"] for d in drafts["items"])  # the source's options
    balance = client.get(f"{API}/analytics/credits", headers=auth).json()["balance"]
    assert balance == 3  # drafts cost nothing

    # Not due again before its interval; then a conditional GET, answered 304.
    assert fetch_due(runtime) == []
    assert len(served.feed_requests()) == 1
    clock.set(datetime(2026, 3, 2, 8, 31, tzinfo=SEOUL))
    assert fetch_due(runtime) == ["not_modified"]
    second = served.feed_requests()[-1]
    assert second.headers.get("If-None-Match", "").startswith('"')
    assert "If-Modified-Since" in second.headers

    # A new article on top, and an old one again with another campaign tag (same GUID).
    served.offer("walk")
    clock.set(datetime(2026, 3, 2, 9, 2, tzinfo=SEOUL))
    assert fetch_due(runtime) == ["new_items"]
    assert client.get(f"{API}/contents?status=draft", headers=auth).json()["total"] == 3
    shown = client.get(f"{API}/sources/{source['id']}", headers=auth).json()
    assert shown["items_seen"] == 3
    assert shown["last_outcome"] == "new_items"

    # The feed goes down: two failures in a row pause it, with the reason.
    served.failing = True
    for minute in (33, 4):
        clock.set(datetime(2026, 3, 2, 9 if minute == 33 else 10, minute, tzinfo=SEOUL))
        assert fetch_due(runtime) == ["failed"]
    shown = client.get(f"{API}/sources/{source['id']}", headers=auth).json()
    assert shown["paused"] is True
    assert shown["next_fetch_at"] is None
    assert "2 failed fetches in a row" in shown["paused_reason"]
    assert "HTTP 503" in shown["paused_reason"]
    asked = len(served.feed_requests())
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=SEOUL))
    fetch_due(runtime)
    assert len(served.feed_requests()) == asked  # paused: not fetched

    # Its owner resumes it once the feed is back.
    served.failing = False
    resumed = client.post(f"{API}/sources/{source['id']}/fetch", headers=auth)
    assert resumed.status_code == 202, resumed.text
    assert resumed.json()["paused"] is False
    assert fetch_due(runtime) in (["not_modified"], ["unchanged"])
    shown = client.get(f"{API}/sources/{source['id']}", headers=auth).json()
    assert (shown["failures"], shown["paused_reason"]) == (0, None)

    # Listed per project; another user sees none of it.
    listed = client.get(f"{API}/projects/{project}/sources", headers=auth).json()
    assert [s["id"] for s in listed] == [source["id"]]
    other = sign_up(client)
    assert client.get(f"{API}/sources/{source['id']}", headers=other).status_code == 404
    assert client.get(f"{API}/projects/{project}/sources", headers=other).status_code == 404


def test_a_watched_page_makes_an_item_when_its_text_changes_and_intake_can_generate(
    factory: tuple[Runtime, TestClient, ManualClock], site: tuple[Site, str]
) -> None:
    runtime, client, clock = factory
    served, base = site
    auth = sign_up(client)
    project = make_project(client, auth)
    patched = client.patch(f"{API}/projects/{project}", json={"intake": "generate"}, headers=auth)
    assert patched.json()["intake"] == "generate"
    served.page = [
        "The clinic is closed on Monday for the holiday. Appointments move to Tuesday.",
        "Flu shots are given every morning this week, from nine to noon, without booking.",
    ]
    source = client.post(
        f"{API}/projects/{project}/sources",
        json={"kind": "page", "name": "Notices", "url": f"{base}/notices",
              "interval_minutes": 5},
        headers=auth,
    ).json()  # fmt: skip
    assert fetch_due(runtime) == ["new_items"]
    # Generated straight away: queued, one credit taken, nothing waiting as a draft.
    [made] = client.get(f"{API}/contents", headers=auth).json()["items"]
    assert (made["status"], made["generation_type"]) == ("queued", "url")
    assert client.get(f"{API}/analytics/credits", headers=auth).json()["balance"] == 2
    [item] = client.get(f"{API}/sources/{source['id']}/items", headers=auth).json()
    assert item["content_id"] == made["id"]
    assert item["used_at"] is not None

    # The same text again (the footer aside): nothing new.
    clock.set(datetime(2026, 3, 2, 8, 6, tzinfo=SEOUL))
    assert fetch_due(runtime) == ["unchanged"]
    served.page = [*served.page, "The pharmacy on the ground floor now opens at eight."]
    clock.set(datetime(2026, 3, 2, 8, 12, tzinfo=SEOUL))
    assert fetch_due(runtime) == ["new_items"]
    assert client.get(f"{API}/contents", headers=auth).json()["total"] == 2


def test_bad_sources_and_schedules_are_refused_naming_the_field(
    factory: tuple[Runtime, TestClient, ManualClock],
) -> None:
    _, client, _ = factory
    auth = sign_up(client)
    project = make_project(client, auth)
    cases: list[tuple[str, dict[str, Any], str, str]] = [
        ("sources", {"kind": "feed", "name": "x"}, "url", "Field required"),
        ("sources", {"kind": "topics", "name": "x", "topics": ["  "]}, "topics.0", "at least 2"),
        ("sources", {"kind": "feed", "name": "x", "url": "http://10.0.0.1/feed"}, "url",
         "private, local or reserved"),
        ("sources", {"kind": "feed", "name": "x", "url": "http://feeds.example/a",
                     "options": {"voice": "nobody"}}, "options.voice", "voice"),
        ("sources", {"kind": "rss", "name": "x"}, "kind", "one of"),
        ("schedules", {"kind": "times", "times": ["9:00"]}, "times.0", "pattern"),
        ("schedules", {"kind": "times", "times": ["09:00"], "timezone": "Mars/Olympus"},
         "timezone", "not a time zone"),
        ("schedules", {"kind": "cron", "cron": "61 * * * *"}, "cron", "not a cron expression"),
        ("schedules", {"kind": "cron", "times": ["09:00"], "cron": "0 9 * * *"}, "times",
         "Extra inputs"),
    ]  # fmt: skip
    for kind, body, field, message in cases:
        answer = client.post(f"{API}/projects/{project}/{kind}", json=body, headers=auth)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        [error] = answer.json()["errors"]
        assert error["field"] == field, (body, error)
        assert message in error["message"], (body, error)


def test_a_schedule_runs_once_per_due_time_draws_in_order_and_stops_without_credits(
    factory: tuple[Runtime, TestClient, ManualClock], site: tuple[Site, str]
) -> None:
    runtime, client, clock = factory
    served, base = site
    auth = sign_up(client)  # three credits
    project = make_project(client, auth)
    served.offer("water", "sleep")
    feed = client.post(
        f"{API}/projects/{project}/sources",
        json={"kind": "feed", "name": "Notes", "url": f"{base}/feed.xml"},
        headers=auth,
    ).json()
    topics = client.post(
        f"{API}/projects/{project}/sources",
        json={"kind": "topics", "name": "Ideas", "topics": ["Why we yawn", "Why  we yawn"]},
        headers=auth,
    ).json()
    assert topics["topics"] == ["Why we yawn", "Why we yawn"]
    assert (feed["position"], topics["position"]) == (0, 1)
    fetch_due(runtime)
    made = client.post(
        f"{API}/projects/{project}/schedules",
        json={"name": "Twice a day", "kind": "times", "times": ["18:00", "09:00"], "per_run": 1},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    schedule = made.json()
    assert schedule["times"] == ["09:00", "18:00"]
    assert schedule["timezone"] == "Asia/Seoul"
    assert schedule["next_run_at"] == "2026-03-02T00:00:00Z"  # 09:00 in Seoul
    assert schedule["waiting_items"] == 3  # two articles, one topic (the repeat is one)
    assert schedule["auto_publish"] is False

    hook = client.post(
        f"{API}/webhooks/endpoints",
        json={"url": f"{base}/hook", "events": ["schedule.run"]},
        headers=auth,
    )
    assert hook.status_code == 201, hook.text

    def deliveries() -> list[dict[str, Any]]:
        answer = client.get(f"{API}/webhooks/deliveries", headers=auth)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    def runs() -> list[dict[str, Any]]:
        answer = client.get(f"{API}/schedules/{schedule['id']}/runs", headers=auth)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    assert run_due(runtime) == []  # 08:00: not due
    # 09:00:20: eight threads (as many processes would) race for the tick; one wins.
    clock.set(datetime(2026, 3, 2, 9, 0, 20, tzinfo=SEOUL))
    barrier = threading.Barrier(8)
    won: list[int] = []

    def race() -> None:
        barrier.wait()
        won.append(len(run_due(runtime)))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(won) == 1, won
    [first] = runs()
    # The run was told to the owner's webhooks once, however many processes raced for it.
    [told] = [d for d in deliveries() if d["event"] == "schedule.run"]
    told = client.get(f"{API}/webhooks/deliveries/{told['id']}", headers=auth).json()
    assert told["payload"]["data"]["schedule_id"] == schedule["id"]
    assert told["payload"]["data"]["made"] == first["made"]
    assert told["payload"]["data"]["outcome"] == "made"
    assert first["due_at"] == "2026-03-02T00:00:00Z"
    assert first["lag_seconds"] == 20
    assert (first["outcome"], first["missed"], len(first["made"])) == ("made", 0, 1)
    content = client.get(f"{API}/contents/{first['made'][0]}", headers=auth).json()
    assert content["status"] == "queued"  # the older article first
    assert content["title"] == "Sleep and the body"

    # Down from 09:01 until the next day's 20:00: 18:00, 09:00 and 18:00 missed; one run.
    clock.set(datetime(2026, 3, 3, 20, 0, tzinfo=SEOUL))
    assert len(run_due(runtime)) == 1
    assert run_due(runtime) == []
    latest = runs()[0]
    assert latest["due_at"] == "2026-03-03T09:00:00Z"  # 18:00 in Seoul
    assert (latest["missed"], latest["outcome"]) == (2, "made")
    shown = client.get(f"{API}/schedules/{schedule['id']}", headers=auth).json()
    assert shown["next_run_at"] == "2026-03-04T00:00:00Z"

    # Three a run now: the last article is made (the last credit), then the topic fails
    # (no model to write it), with the reason.
    served.offer("walk")
    fetch_due(runtime)
    patched = client.patch(f"{API}/schedules/{schedule['id']}", json={"per_run": 3}, headers=auth)
    assert patched.status_code == 200, patched.text
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=SEOUL))
    assert len(run_due(runtime)) == 1
    third = runs()[0]
    assert third["outcome"] == "partial"
    assert len(third["made"]) == 1
    assert third["failed"] == [{"item": "Why we yawn", "reason": third["failed"][0]["reason"]}]
    assert "language model" in third["failed"][0]["reason"]
    assert client.get(f"{API}/analytics/credits", headers=auth).json()["balance"] == 0

    # A new article, no credits: the run makes nothing, says why, and the schedule shows it.
    served.offer("stretch")
    clock.set(datetime(2026, 3, 4, 17, 0, tzinfo=SEOUL))
    fetch_due(runtime)
    clock.set(datetime(2026, 3, 4, 18, 0, tzinfo=SEOUL))
    assert len(run_due(runtime)) == 1
    fourth = runs()[0]
    assert (fourth["outcome"], fourth["made"]) == ("no_credits", [])
    assert "no credits" in fourth["failed"][0]["reason"]
    shown = client.get(f"{API}/schedules/{schedule['id']}", headers=auth).json()
    assert "no credits" in shown["stopped_reason"]
    assert shown["waiting_items"] == 1
    drafts = client.get(f"{API}/contents?status=draft", headers=auth).json()
    assert [d["title"] for d in drafts["items"]] == ["Stretch in the morning"]
    # By hand, too: no credit, no generation (402), and the draft stays a draft.
    by_hand = client.post(f"{API}/contents/{drafts['items'][0]['id']}/generate", headers=auth)
    assert by_hand.status_code == 402, by_hand.text
    again = client.post(f"{API}/contents/{first['made'][0]}/generate", headers=auth)
    assert again.status_code == 409  # not a draft

    # Metrics: the overdue gauge is 0 while ticks are taken; a due time nobody takes is.
    metrics = client.get("/metrics").text
    assert "autoclip_schedules_overdue 0.0" in metrics
    clock.set(datetime(2026, 3, 5, 9, 30, tzinfo=SEOUL))
    assert "autoclip_schedules_overdue 1.0" in client.get("/metrics").text

    other = sign_up(client)
    assert client.get(f"{API}/schedules/{schedule['id']}", headers=other).status_code == 404
    assert client.get(f"{API}/schedules/{schedule['id']}/runs", headers=other).status_code == 404


def test_a_batch_is_charged_all_at_once_or_not_at_all(
    factory: tuple[Runtime, TestClient, ManualClock],
) -> None:
    _, client, _ = factory
    auth = sign_up(client)  # three credits
    text = {"generation_type": "text", "text": "Sleep repairs the body every single night."}
    four = {"items": [text] * 4}
    refused = client.post(f"{API}/contents/batch", json=four, headers=auth)
    assert refused.status_code == 402, refused.text
    assert "needs 4 credits" in refused.json()["detail"]
    assert client.get(f"{API}/contents", headers=auth).json()["total"] == 0
    assert client.get(f"{API}/analytics/credits", headers=auth).json()["balance"] == 3

    mixed = {
        "items": [
            text,
            {"generation_type": "topic", "topic": "Why we yawn"},  # no model: rejected
            {**text, "options": {"draft": True}},
            {"generation_type": "url", "url": "http://10.1.2.3/page"},  # refused address
        ]
    }
    made = client.post(f"{API}/contents/batch", json=mixed, headers=auth)
    assert made.status_code == 202, made.text
    batch = made.json()
    assert made.headers["Location"] == f"/api/v1/batches/{batch['id']}"
    summary = batch["summary"]
    assert (summary["total"], summary["accepted"], summary["rejected"]) == (4, 2, 2)
    assert (summary["queued"], summary["finished"]) == (2, False)
    statuses = [i["status"] for i in batch["items"]]
    assert statuses == ["queued", "rejected", "queued", "rejected"]
    assert "language model" in batch["items"][1]["error"]["message"]
    assert batch["items"][3]["error"]["message"].startswith("items[3].url:")
    assert client.get(f"{API}/analytics/credits", headers=auth).json()["balance"] == 1
    again = client.get(f"{API}/batches/{batch['id']}", headers=auth).json()
    assert again["summary"] == summary

    too_many = client.post(f"{API}/contents/batch", json={"items": [text] * 101}, headers=auth)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "items"
    other = sign_up(client)
    assert client.get(f"{API}/batches/{batch['id']}", headers=other).status_code == 404
