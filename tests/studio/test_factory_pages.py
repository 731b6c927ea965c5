"""The factory's pages over HTTP, without a browser, on both databases: a project's
sources (refusals on their field in the page's language, hostile names shown as text,
items fetched from a local feed, paused after failures with the reason in words), its
schedules (times or cron, a time zone, runs with the contents they made and "out of
credits"), batches (checked and estimated, made, followed), and each owner's alone."""

# ruff: noqa: F811 # the tests take the imported fixtures as their parameters
from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from autoclip.service.models import Schedule
from autoclip.service.runtime import Runtime
from autoclip.service.schedules.service import run_tick
from autoclip.service.sources.fetching import fetch_source
from localserver import serve
from service.factory_support import Site, site_handler
from studio.test_studio_pages import (  # noqa: F401 # the pages' fixtures, by their names
    EN,
    KO,
    client,
    form_token,
    migrated_postgres,
    runtime,
    sign_up,
)

# The feed of these tests is on loopback; fetches fail twice before a source is paused.
EXTRA_SETTINGS = {"outbound_allow": "127.0.0.1", "factory": {"pause_after_failures": 2}}
HOSTILE = '<script>window.pwned=1</script> "><img src=x onerror="alert(1)">'
PROJECT = re.compile(r"/projects/([0-9a-f-]{36})/sources")


def _project(client: TestClient) -> str:
    found = PROJECT.search(client.get("/projects").text)
    assert found, "the projects page links each project's sources"
    return found.group(1)


def _made(answer: object, prefix: str) -> str:
    """The id in the address a created thing's page is at (or its list's)."""
    location = getattr(answer, "headers")["location"]  # noqa: B009
    assert location.startswith(prefix), location
    return str(location)


def test_sources_said_in_the_pages_language_fetched_and_paused(
    client: TestClient, runtime: Runtime
) -> None:
    client.headers.update(KO)
    sign_up(client, runtime, "sources@example.com", KO)
    project = _project(client)
    listing = f"/projects/{project}/sources"
    page = client.get(listing)
    assert page.status_code == 200
    assert "소스" in page.text
    token = form_token(page)
    refused = client.post(listing, data={"kind": "feed", "name": "뉴스", "url": "ftp://example.com/feed",
                                         "interval_minutes": "60", "csrf": token})  # fmt: skip
    assert refused.status_code == 422
    assert re.search(r'id="f-url-error">http:// 또는 https://로 시작', refused.text)
    assert 'value="ftp://example.com/feed"' in refused.text  # what was written stays in the form
    interval = client.post(listing, data={"kind": "topics", "name": "주제", "topics": "수면",
                                          "interval_minutes": "1", "csrf": token})  # fmt: skip
    assert 'id="f-interval_minutes-error">5 이상이어야 합니다.' in interval.text
    words = client.post(listing, data={"kind": "topics", "name": "주제", "topics": "수면",
                                       "interval_minutes": "한 시간", "csrf": token})  # fmt: skip
    assert 'id="f-interval_minutes-error">정수로 적어 주세요.' in words.text
    no_topics = client.post(listing, data={"kind": "topics", "name": "주제", "topics": "\n \n",
                                           "csrf": token})  # fmt: skip
    assert 'id="f-topics-error">필수 항목입니다.' in no_topics.text

    # A topic list with hostile text: shown as text everywhere.
    topics = f"수면 건강\n{HOSTILE}\n"
    made = client.post(listing, data={"kind": "topics", "name": HOSTILE, "topics": topics,
                                      "csrf": token})  # fmt: skip
    assert made.status_code == 303
    shown = client.get(made.headers["location"]).text
    assert "소스를 추가했습니다" in shown
    assert "<script>window.pwned" not in shown
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in shown
    source = re.findall(r'href="/sources/([0-9a-f-]{36})"', shown)[0]
    one = client.get(f"/sources/{source}").text
    assert "<img src=x" not in one
    assert "&lt;img src=x onerror=" in one
    assert "수면 건강" in one

    with serve(site_handler(site := Site())) as base:
        site.offer("sleep", "water")
        feed = client.post(listing, data={"kind": "feed", "name": "건강 노트",
                                          "url": f"{base}/feed.xml", "interval_minutes": "30",
                                          "csrf": token})  # fmt: skip
        assert feed.status_code == 303
        feed_id = re.findall(r'href="/sources/([0-9a-f-]{36})"', client.get(listing).text)[-1]
        assert fetch_source(runtime, feed_id) == "new_items"
        items = client.get(f"/sources/{feed_id}").text
        assert "Sleep and the body" in items
        assert "Drink water" in items
        assert len(re.findall(r'href="/contents/[0-9a-f-]{36}">영상 열기', items)) == 2
        assert "새 항목 있음" in items
        # The feed fails twice in a row: paused, the reason said in Korean, its detail kept.
        site.failing = True
        assert fetch_source(runtime, feed_id) == "failed"
        assert "실패 중(연속 1회)" in client.get(listing).text
        assert fetch_source(runtime, feed_id) == "failed"
    paused = client.get(f"/sources/{feed_id}").text
    assert "연속 2번 가져오지 못해 일시 중지되었습니다" in paused
    assert "웹 사이트가 오류(503)로 응답했습니다" in paused  # in words
    assert "answered HTTP 503" in paused  # and the fetch's own sentence
    assert client.post(f"/sources/{feed_id}/resume", data={"csrf": token}).status_code == 303
    resumed = client.get(f"/sources/{feed_id}?notice=sources.resumed").text
    assert "소스를 다시 시작했습니다." in resumed
    assert "작동 중" in resumed
    client.post(f"/sources/{feed_id}/pause", data={"csrf": token})
    assert "직접 일시 중지했습니다." in client.get(f"/sources/{feed_id}").text
    fetched = client.post(f"/sources/{feed_id}/fetch", data={"csrf": token})
    assert fetched.headers["location"].endswith("notice=sources.fetching")
    assert "다음 확인 때" in client.get(fetched.headers["location"]).text
    # Without the form's token, nothing changes.
    assert client.post(f"/sources/{feed_id}/delete", data={"csrf": "0"}).status_code == 403
    deleted = client.post(f"/sources/{feed_id}/delete", data={"csrf": token})
    assert deleted.headers["location"] == f"{listing}?notice=sources.deleted"
    assert "건강 노트" not in client.get(listing).text
    assert client.get(f"/sources/{feed_id}").status_code == 404


def test_schedules_times_or_cron_and_their_runs(client: TestClient, runtime: Runtime) -> None:
    client.headers.update(EN)
    sign_up(client, runtime, "schedules@example.com", EN)
    project = _project(client)
    listing = f"/projects/{project}/schedules"
    page = client.get(listing)
    assert 'value="Asia/Seoul"' in page.text  # the default time zone
    token = form_token(page)
    bad = client.post(listing, data={"name": "Bad", "kind": "times", "times": "9am",
                                     "timezone": "Mars/Olympus", "per_run": "30",
                                     "csrf": token})  # fmt: skip
    assert bad.status_code == 422
    assert 'id="f-times-error">Write times of day as HH:MM' in bad.text
    assert 'id="f-timezone-error">No such time zone' in bad.text
    assert 'id="f-per_run-error">It must be at most 20.' in bad.text
    cron = client.post(listing, data={"name": "Weekdays", "kind": "cron", "cron": "0 9 * *",
                                      "csrf": token})  # fmt: skip
    assert 'id="f-cron-error">This is not a cron expression' in cron.text
    made = client.post(listing, data={"name": "Twice a day", "kind": "times",
                                      "times": "18:00, 09:00", "timezone": "Asia/Seoul",
                                      "per_run": "4", "csrf": token})  # fmt: skip
    assert made.status_code == 303
    shown = client.get(made.headers["location"]).text
    assert "at 09:00, 18:00 (Asia/Seoul)" in shown
    schedule = re.findall(r'href="/schedules/([0-9a-f-]{36})"', shown)[0]
    # Edited to cron, paused, resumed.
    edit = {"name": "Weekdays", "kind": "cron", "cron": "0 9 * * 1-5",
            "timezone": "Europe/Paris", "per_run": "4", "csrf": token}  # fmt: skip
    edited = client.post(f"/schedules/{schedule}", data=edit)
    assert edited.status_code == 303
    one = client.get(edited.headers["location"]).text
    assert "The schedule is saved." in one
    assert "<code>0 9 * * 1-5</code> (Europe/Paris)" in one
    client.post(f"/schedules/{schedule}/pause", data={"csrf": token})
    assert "Paused" in client.get(f"/schedules/{schedule}").text
    resumed = client.post(f"/schedules/{schedule}/resume", data={"csrf": token})
    assert "running again" in client.get(resumed.headers["location"]).text

    # Four drafts from a feed, three credits: the run makes three, then stops.
    with serve(site_handler(site := Site())) as base:
        site.offer("sleep", "water", "walk", "stretch")
        sources = f"/projects/{project}/sources"
        client.post(sources, data={"kind": "feed", "name": "Notes", "url": f"{base}/feed.xml",
                                   "csrf": token})  # fmt: skip
        feed_id = re.findall(r'href="/sources/([0-9a-f-]{36})"', client.get(sources).text)[0]
        assert fetch_source(runtime, feed_id) == "new_items"
    assert "4 drafts wait" in client.get(listing).text
    with runtime.db.session(write=False) as session:
        due = session.scalars(select(Schedule.next_run_at)).one()
    assert due is not None
    tick = run_tick(runtime, uuid.UUID(schedule), due + timedelta(minutes=1))
    assert tick is not None
    runs = client.get(f"/schedules/{schedule}").text
    assert len(re.findall(r'href="/contents/[0-9a-f-]{36}">Video \d', runs)) == 3
    assert "Stopped: out of credits" in runs
    assert "Runs make nothing until credits come back." in runs
    assert "Stopped: out of credits" in client.get(listing).text
    deleted = client.post(f"/schedules/{schedule}/delete", data={"csrf": token})
    assert deleted.headers["location"] == f"{listing}?notice=schedules.deleted"
    assert client.get(f"/schedules/{schedule}").status_code == 404


TEXT = "Walking every day keeps the heart strong and the mind clear. "


def _line(text: str) -> str:
    return json.dumps({"generation_type": "text", "text": text, "options": {"draft": True}})


def test_batches_checked_made_and_followed(client: TestClient, runtime: Runtime) -> None:
    client.headers.update(EN)
    sign_up(client, runtime, "batches@example.com", EN)
    page = client.get("/batches")
    token = form_token(page)
    broken = client.post("/batches", data={"lines": f"{_line(TEXT)}\nnot json\n{_line('short')}",
                                           "step": "make", "csrf": token})  # fmt: skip
    assert broken.status_code == 422
    assert "Line 2: not a JSON object" in broken.text
    shorter = client.post("/batches", data={"lines": f"{_line(TEXT)}\n\n{_line('short')}",
                                            "step": "make", "csrf": token})  # fmt: skip
    assert "Line 3: text: Too short" in shorter.text or "Line 3: text:" in shorter.text
    two = f"{_line(TEXT)}\n{_line(TEXT * 2)}\n"
    checked = client.post("/batches", data={"lines": two, "step": "check", "csrf": token})
    assert checked.status_code == 200
    assert re.search(r'id="estimate">2 lines: 2 credits.\s+You have 3.', checked.text)
    # A line the API would reject (a topic, and no language model here): said in words,
    # and it costs nothing.
    topic = json.dumps({"generation_type": "topic", "topic": "Sleep and memory"})
    mixed = client.post("/batches", data={"lines": two + topic, "step": "check", "csrf": token})
    assert "Line 3: A topic needs a language model (Gemini or OpenAI)" in mixed.text
    assert "3 lines: 2 credits. You have 3." in mixed.text
    # An uploaded file is shown and checked, never made straight away.
    uploaded = client.post(
        "/batches", data={"step": "make", "csrf": token},
        files={"file": ("batch.jsonl", two.encode(), "application/jsonl")},
    )  # fmt: skip
    assert uploaded.status_code == 200
    assert "2 lines: 2 credits." in uploaded.text
    assert "Walking every day" in uploaded.text
    made = client.post("/batches", data={"lines": two, "step": "make", "csrf": token})
    assert made.status_code == 303
    where = _made(made, "/batches/")
    batch = client.get(where).text
    assert batch.count("data-status>Queued</span>") == 2
    assert "data-batch" in batch
    state = client.get(f"{where}/progress").json()
    assert state["summary"]["accepted"] == 2
    # Four more with one credit left: refused, all or nothing.
    four = "\n".join([_line(TEXT)] * 4)
    refused = client.post("/batches", data={"lines": four, "step": "make", "csrf": token})
    assert refused.status_code == 402
    assert "The batch needs 4 credits and you have fewer: nothing was made." in refused.text
    assert client.get("/batches").text.count('href="/batches/') == 1


def test_another_users_factory_is_not_found(client: TestClient, runtime: Runtime) -> None:
    sign_up(client, runtime, "owner@example.com", EN)
    project = _project(client)
    token = form_token(client.get("/batches"))
    mine = {"kind": "topics", "name": "Mine", "topics": "sleep", "csrf": token}
    client.post(f"/projects/{project}/sources", data=mine)
    source = re.findall(r'/sources/([0-9a-f-]{36})"',
                        client.get(f"/projects/{project}/sources").text)[0]  # fmt: skip
    client.post(f"/projects/{project}/schedules", data={"kind": "times", "times": "09:00",
                                                        "csrf": token})  # fmt: skip
    schedule = re.findall(r'/schedules/([0-9a-f-]{36})"',
                          client.get(f"/projects/{project}/schedules").text)[0]  # fmt: skip
    made = client.post("/batches", data={"lines": _line(TEXT), "step": "make", "csrf": token})
    batch = _made(made, "/batches/")

    other = TestClient(client.app, follow_redirects=False)
    other.headers.update(KO)
    sign_up(other, runtime, "stranger@example.com", KO)
    theirs = form_token(other.get("/batches"))
    for path in (f"/projects/{project}/sources", f"/projects/{project}/schedules",
                 f"/sources/{source}", f"/schedules/{schedule}", batch, f"{batch}/progress",
                 "/sources/not-an-id", "/schedules/not-an-id", "/batches/not-an-id"):  # fmt: skip
        answer = other.get(path)
        assert answer.status_code == 404, path
    assert "찾을 수 없습니다" in other.get(f"/sources/{source}").text
    for path in (f"/sources/{source}/pause", f"/sources/{source}/delete",
                 f"/schedules/{schedule}/pause", f"/schedules/{schedule}/delete",
                 f"/schedules/{schedule}", f"/projects/{project}/sources",
                 f"/projects/{project}/schedules"):  # fmt: skip
        answer = other.post(path, data={"csrf": theirs, "kind": "topics", "topics": "x y"})
        assert answer.status_code == 404, path
    # Nothing of the owner's changed.
    assert "Mine" in client.get(f"/sources/{source}").text
    assert "Running" in client.get(f"/schedules/{schedule}").text
    assert "Paused" not in client.get(f"/sources/{source}").text
    assert "Mine" not in other.get("/batches").text
