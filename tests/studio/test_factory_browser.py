"""The factory's pages in a real Chromium against a real server (the worker inside,
offline providers): a topic list added as a source and a schedule made from the studio,
then a two-line batch (draft renders, the cheapest) followed live to its results."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import Browser, expect

from studio.conftest import Studio, open_context, screenshot, sign_up_and_in

pytestmark = pytest.mark.e2e

LINES = [
    {"generation_type": "text", "language": "en", "options": {"draft": True, "length": "short"},
     "text": "Walking after a meal keeps blood sugar steady. Ten minutes is enough to help."},
    {"generation_type": "text", "language": "en", "options": {"draft": True, "length": "short"},
     "text": "Drink a glass of water before each meal. Do not wait until you are thirsty."},
]  # fmt: skip


def test_topic_source_schedule_and_a_two_line_batch(studio: Studio, browser: Browser) -> None:
    context = open_context(browser, "en")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_up_and_in(studio, page, f"factory-{uuid.uuid4().hex[:6]}@example.com", "Dana")

    # A topic list, from the project's page.
    page.get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Sources").first.click()
    page.get_by_label("Topic list").check()
    page.get_by_label("Name").fill("Health topics")
    page.get_by_label("Topics").fill("Sleep and memory\nWalking after meals\n")
    page.get_by_role("button", name="Add source").click()
    expect(page.get_by_role("status")).to_have_text("The source is added; it is fetched shortly.")
    expect(page.get_by_role("link", name="Health topics")).to_be_visible()
    screenshot(page, "en-sources")

    # A schedule: twice a day in Seoul's time.
    page.locator("main nav").get_by_role("link", name="Schedules").click()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Seoul")
    page.get_by_label("Name").fill("Mornings and evenings")
    page.get_by_label("Times of day", exact=True).fill("09:00, 18:00")
    page.get_by_label("Videos a run").fill("2")
    page.get_by_role("button", name="Add schedule").click()
    expect(page.get_by_role("status")).to_have_text("The schedule is added.")
    expect(page.get_by_text("at 09:00, 18:00 (Asia/Seoul)")).to_be_visible()

    # Two lines, checked and estimated, then made and followed to their results.
    page.get_by_role("link", name="Batches").click()
    page.get_by_label("Lines (JSONL)").fill("\n".join(json.dumps(line) for line in LINES))
    page.get_by_role("button", name="Check and estimate").click()
    expect(page.locator("#estimate")).to_contain_text("2 lines: 2 credits. You have 3.")
    page.get_by_role("button", name="Make the batch").click()
    page.wait_for_url(f"{studio.base}/batches/*")
    expect(page.locator("tr[data-item]")).to_have_count(2)
    # The page follows the batch by itself and shows the results when both are done.
    expect(page.get_by_text("Every video of this batch is done.")).to_be_visible(timeout=240_000)
    expect(page.locator("[data-status]", has_text="Ready")).to_have_count(2)
    links = page.get_by_role("link", name="Open the video")
    expect(links).to_have_count(2)
    screenshot(page, "en-batch-done")
    links.first.click()
    expect(page.get_by_role("heading", name="Your video")).to_be_visible()
    assert errors == []
    context.close()
