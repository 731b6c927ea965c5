"""What the property tests (test_openapi_properties.py) found, each pinned by a small test:
the document names every answer, a 405 names every method, a body that is not JSON gets a
415, and the rules the document states are the ones the server keeps."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from autoclip.service.app import create_app
from autoclip.service.contents.chains import NARRATOR_CHAINS, VISUAL_CHAINS, WRITER_CHAINS
from autoclip.service.runtime import build_runtime
from autoclip.settings import Settings
from service.conftest import LOCAL_OPENAI, sign_up
from service.test_api_contents import TEXT, assert_problem

pytestmark = [
    pytest.mark.parametrize("backend", ["sqlite"]),  # the document, not the database
    pytest.mark.usefixtures("cheap_password_hashing"),
]
API = "/api/v1"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_error_answer_is_documented_as_problem_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path, method, operation in operations(document):
        answers = operation["responses"]
        for status, answer in answers.items():
            if int(status) >= 400 and path != "/ready":
                assert answer["content"] == {"application/problem+json": problem}, (path, status)
        if (
            path.startswith(f"{API}/")
            and not path.startswith(f"{API}/auth/")
            and "files" not in path
            # Google sends the browser here: the sealed state says who, not a token.
            and path != f"{API}/channels/youtube/callback"
        ):
            # Every route of a signed-in user says so, and what a missing credential gets.
            assert operation["security"][0] == {"bearer": []}, (method, path)
            assert {"401", "429"} <= answers.keys(), (method, path)
        if "{" in path:
            assert "404" in answers, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= answers.keys(), (method, path)
        if method not in ("get", "head") or path.startswith(f"{API}/"):
            # maintenance mode refuses changes; the database may not answer (restarting)
            assert "503" in answers, (method, path)
    # FastAPI's own 422 body is never what the server answers.
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_answers_of_other_media_types_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    metrics = paths["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain"]
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    events = paths[f"{API}/contents/{{content_id}}/events"]["get"]
    assert list(events["responses"]["200"]["content"]) == ["text/event-stream"]
    # A browser's EventSource may use a stream ticket instead of a token.
    assert {"streamTicket": []} in events["security"]
    files = paths[f"{API}/files/{{key}}"]["get"]["responses"]["200"]["content"]
    assert {"video/mp4", "image/jpeg", "audio/mpeg", "application/zip"} <= files.keys()
    ready = paths["/ready"]["get"]["responses"]
    assert ready["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Readiness"
    }


def test_a_405_names_every_method_of_the_path(client: TestClient) -> None:
    auth = sign_up(client)
    # Each method of a path is its own route; Starlette named only the first one's.
    for path, allowed in (
        (f"{API}/contents/00000000-0000-0000-0000-000000000000", "GET, DELETE"),
        (f"{API}/projects/00000000-0000-0000-0000-000000000000", "GET, PATCH, DELETE"),
        (f"{API}/exports", "GET, POST"),
        (f"{API}/contents", "GET, POST"),
    ):
        answer = client.put(path, json={}, headers=auth)
        assert_problem(answer, 405)
        assert answer.headers["Allow"] == allowed, path


def test_a_body_that_is_not_json_is_refused_with_415(client: TestClient) -> None:
    auth = sign_up(client)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        answer = client.post(
            f"{API}/projects",
            content=b'{"name": "P"}',
            headers={**auth, "Content-Type": content_type},
        )
        assert_problem(answer, 415, "Content-Type")
        assert content_type in answer.json()["detail"]
    # JSON by any of its names is read.
    for content_type in ("application/json", "application/json; charset=utf-8",
                         "application/merge-patch+json"):  # fmt: skip
        made = client.post(
            f"{API}/projects",
            content=b'{"name": "P"}',
            headers={**auth, "Content-Type": content_type},
        )
        assert made.status_code == 201, (content_type, made.text)
        assert made.headers["Location"] == f"{API}/projects/{made.json()['id']}"


def test_a_body_that_is_not_utf8_is_refused_naming_the_body(client: TestClient) -> None:
    auth = sign_up(client)
    answer = client.post(
        f"{API}/projects",
        content=b'{"name": "\xff\xfe"}',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert_problem(answer, 400, "body")
    assert "UTF-8" in answer.json()["detail"]


def test_generation_type_is_a_tagged_union_and_errors_name_fields(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    body = document["paths"][f"{API}/contents"]["post"]["requestBody"]["content"]
    union = body["application/json"]["schema"]
    assert union["discriminator"]["propertyName"] == "generation_type"
    assert set(union["discriminator"]["mapping"]) == {"topic", "text", "url"}
    schemas = document["components"]["schemas"]
    for kind in ("Topic", "Text", "Url"):
        member = schemas[f"{kind}Content"]
        assert kind.lower() in member["required"], kind
    auth = sign_up(client)
    url = f"{API}/contents"
    for sent, field, words in (
        ({"generation_type": "video", "text": TEXT}, "generation_type", "'topic', 'text', 'url'"),
        ({"text": TEXT}, "generation_type", "required"),
        ({"generation_type": "text"}, "text", "required"),
        ({"generation_type": "text", "text": TEXT, "topic": "sleep"}, "topic", "give only 'text'"),
        ({"generation_type": "text", "text": TEXT, "options": {"voice": "x"}}, "options.voice", ""),
        ({"generation_type": "topic", "topic": "sleep", "options": {"writer": "offline"}},
         "options.writer", "language model"),
    ):  # fmt: skip
        answer = client.post(url, json=sent, headers=auth)
        assert_problem(answer, 422, field)
        assert words in answer.json()["errors"][0]["message"], answer.text
    # A source of another type may still be sent as null.
    made = client.post(url, json={"generation_type": "text", "text": TEXT, "url": None},
                       headers=auth)  # fmt: skip
    assert made.status_code == 202, made.text


def test_provider_chains_are_listed_as_this_server_can_serve_them(
    make_settings: Callable[..., Settings],
) -> None:
    # With no key, OpenAI's own API is not offered at all.
    runtime = build_runtime(make_settings())
    try:
        with TestClient(create_app(runtime, run_worker=False)) as bare:
            schemas = bare.get("/openapi.json").json()["components"]["schemas"]
    finally:
        runtime.close()
    writer = schemas["ProviderChains"]["properties"]["writer"]["anyOf"]
    assert [o["enum"] for o in writer if "enum" in o] == [["offline"]]
    # A keyless OpenAI-compatible server named by its address (a local Ollama) is.
    runtime = build_runtime(make_settings(openai=LOCAL_OPENAI))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            _listed_and_taken(client)
    finally:
        runtime.close()


def _listed_and_taken(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    def listed(model: str, field: str) -> list[str]:
        options = schemas[model]["properties"][field]["anyOf"]
        return next(option["enum"] for option in options if "enum" in option)

    # No keys are configured here: gemini, elevenlabs, google, clova and pexels are left out.
    assert listed("ProviderChains", "writer") == [c for c in WRITER_CHAINS if "gemini" not in c]
    assert "offline,openai" in listed("ProviderChains", "writer")
    narrators = listed("ProviderChains", "narrator")
    keyless = {"piper", "espeak", "openai"}
    assert narrators == [c for c in NARRATOR_CHAINS if set(c.split(",")) <= keyless]
    # Cards and the caller's own library need no key.
    keyless_visuals = {"cards", "library"}
    assert listed("ContentOptions", "visuals") == [
        c for c in VISUAL_CHAINS if set(c.split(",")) <= keyless_visuals
    ]
    assert "library,cards" in listed("ContentOptions", "visuals")
    # A topic's own writer chain has a model in it.
    assert listed("TopicOptions", "writer") == ["openai", "offline,openai", "openai,offline"]
    voices = schemas["ContentOptions"]["properties"]["voice"]["anyOf"]
    assert {"joe", "espeak:ko"} <= set(voices[0]["enum"])
    # And what is listed is taken.
    auth = sign_up(client)
    for chain in narrators:
        made = client.post(f"{API}/projects", json={"name": "P", "providers": {"narrator": chain}},
                           headers=auth)  # fmt: skip
        assert made.status_code == 201, (chain, made.text)


def test_text_fields_say_what_is_refused(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    name = schemas["ProjectCreate"]["properties"]["name"]
    auth = sign_up(client)
    for sent, taken in (("  ", False), ("P\x18", False), ("\u009cK", False), (" P ", True)):
        assert bool(re.search(name["pattern"], sent)) is taken, repr(sent)
        answer = client.post(f"{API}/projects", json={"name": sent}, headers=auth)
        assert (answer.status_code == 201) is taken, (repr(sent), answer.text)
    # Stripped, a topic of "; " is one character: its pattern says so.
    topic = schemas["TopicContent"]["properties"]["topic"]
    assert not re.search(topic["pattern"], "; ")


def test_a_whole_number_is_an_integer_and_dates_are_dates(client: TestClient) -> None:
    auth = sign_up(client)
    # JSON Schema's integer is a number without a fraction: 30.0 is one.
    made = client.post(f"{API}/api-keys", json={"name": "k", "expires_in_days": 30.0},
                       headers=auth)  # fmt: skip
    assert made.status_code == 201, made.text
    assert_problem(
        client.post(f"{API}/api-keys", json={"name": "k", "expires_in_days": 30.5}, headers=auth),
        422,
        "expires_in_days",
    )
    # A number was read as seconds since 1970 (?to=0 was 1970-01-01).
    usage = f"{API}/analytics/usage"
    assert_problem(client.get(usage, params={"to": "0"}, headers=auth), 422, "to")
    today = datetime.now(UTC).date()
    within = {"from": str(today - timedelta(days=3)), "to": str(today)}
    assert client.get(usage, params=within, headers=auth).status_code == 200
