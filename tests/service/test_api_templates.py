"""Templates and caption styles through the API: the built-in templates, their preview
stills (drawn once, then served from storage), and content options naming them."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from autoclip.looks.templates import BUILTIN
from autoclip.options import Aspect, Vertical
from autoclip.service.runtime import Runtime
from autoclip.service.templates.service import Found, preview_key
from service.conftest import sign_up
from service.test_api_contents import assert_problem, create

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


def test_templates_one_per_vertical_with_a_cached_preview(
    client: TestClient, runtime: Runtime
) -> None:
    auth = sign_up(client)
    listed = client.get("/api/v1/templates", headers=auth)
    assert listed.status_code == 200, listed.text
    templates = listed.json()
    assert {t["vertical"] for t in templates} == {v.value for v in Vertical}
    one = client.get("/api/v1/templates/money_news", headers=auth).json()
    assert one["spec"]["caption_style"] == "news"
    assert set(one["spec"]["layouts"]) == {a.value for a in Aspect}
    assert_problem(client.get("/api/v1/templates/nope", headers=auth), 404)
    assert client.get("/api/v1/templates", headers={}).status_code == 401

    news = BUILTIN["money_news"]
    key = preview_key(Found(news.name, news.title, news.vertical, news.spec), Aspect.SQUARE)
    assert not runtime.storage.exists(key)
    url = one["preview_urls"]["1:1"]
    first = client.get(url, headers=auth)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(first.content)) as image:
        assert image.size == (1080, 1080)
        # the news band's red accent block at the left edge of the lower third: no
        # finance card has red in it
        rgb = image.convert("RGB")
        stripe = rgb.crop((4, 860, 24, 900)).resize((1, 1)).getpixel((0, 0))
        assert isinstance(stripe, tuple)
        assert stripe[0] > 180, stripe
        assert stripe[1] < 90, stripe
    assert runtime.storage.exists(key)  # made once, kept
    again = client.get(url, headers=auth)
    assert again.content == first.content
    assert_problem(client.get(f"{url[:-3]}4:3", headers=auth), 422, "aspect")


def test_content_options_name_a_style_and_a_template(client: TestClient) -> None:
    auth = sign_up(client)
    options = {"caption_style": "pop", "template": "story_karaoke"}
    made = create(client, auth, options=options)
    assert made.status_code == 202, made.text
    stored = client.get(f"/api/v1/contents/{made.json()['id']}", headers=auth).json()
    assert stored["options"]["caption_style"] == "pop"
    assert stored["options"]["template"] == "story_karaoke"
    bad_style = create(client, auth, options={"caption_style": "comic_sans"})
    assert_problem(bad_style, 422, "options.caption_style")
    bad_template = create(client, auth, options={"template": "../etc"})
    assert_problem(bad_template, 422, "options.template")


def test_users_save_templates_of_their_own(client: TestClient) -> None:
    auth, other = sign_up(client), sign_up(client)
    made = create(client, auth, options={"template": "money_news", "caption_style": "karaoke"})
    assert made.status_code == 202, made.text
    body = {"name": "my_news", "title": "My news"}
    from_content = f"/api/v1/templates/from-content/{made.json()['id']}"
    saved = client.post(from_content, json=body, headers=auth)
    assert saved.status_code == 201, saved.text
    template = saved.json()
    # the content's template, with the caption style it asked for over the template's
    assert template["spec"]["caption_style"] == "karaoke"
    news = BUILTIN["money_news"].spec.model_dump(mode="json", by_alias=True)
    assert template["spec"]["layouts"] == news["layouts"]
    assert template["builtin"] is False
    assert template["vertical"] == "tech"
    again = client.post(from_content, json=body, headers=auth)
    assert_problem(again, 409, "name")
    ref = template["id"]
    assert client.get(f"/api/v1/templates/{ref}", headers=auth).json()["name"] == "my_news"
    assert [t["name"] for t in client.get("/api/v1/templates", headers=auth).json()][-1] == (
        "my_news"
    )
    # another user sees neither it nor the content it came from
    assert_problem(client.get(f"/api/v1/templates/{ref}", headers=other), 404)
    assert_problem(create(client, other, options={"template": ref}), 404, "options.template")
    stolen = client.post(from_content, json={**body, "name": "x"}, headers=other)
    assert_problem(stolen, 404, "content_id")
    # the owner makes a content with it: the spec is stored with the content
    used = create(client, auth, options={"template": ref})
    assert used.status_code == 202, used.text
    options = client.get(f"/api/v1/contents/{used.json()['id']}", headers=auth).json()["options"]
    assert options["template"] == ref
    # given whole, validated field by field
    spec = BUILTIN["deal_bold"].spec.model_dump(mode="json", by_alias=True)
    given = client.post(
        "/api/v1/templates",
        json={"name": "loud", "title": "Loud", "spec": spec, "vertical": "commerce"},
        headers=auth,
    )
    assert given.status_code == 201, given.text
    assert given.json()["spec"] == spec
    bad = {**spec, "card": {"accent": "red"}}
    refused = client.post(
        "/api/v1/templates", json={"name": "loud", "title": "Loud", "spec": bad}, headers=auth
    )
    assert_problem(refused, 422, "spec.card.accent")
    missing = {**spec, "layouts": {"9:16": spec["layouts"]["9:16"]}}
    refused = client.post(
        "/api/v1/templates", json={"name": "loud", "title": "Loud", "spec": missing}, headers=auth
    )
    assert_problem(refused, 422, "spec.layouts")
    narrow = {**spec, "layouts": {**spec["layouts"], "1:1": {"title": {
        "left": 0.1, "top": 0.1, "width": 0.1, "height": 0.5}}}}  # fmt: skip
    refused = client.post(
        "/api/v1/templates", json={"name": "thin", "title": "Thin", "spec": narrow}, headers=auth
    )
    assert_problem(refused, 422, "spec.layouts.1:1.title.width")
    assert client.delete("/api/v1/templates/tech_pop", headers=auth).status_code == 404
    assert client.delete(f"/api/v1/templates/{ref}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/templates/{ref}", headers=auth).status_code == 204
