"""Provider chains and budgets over HTTP: a content's options, a project's defaults, and
how the worker resolves them (the content's, else the project's, else configuration)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from autoclip.pipeline.chains import ProviderChoice
from autoclip.providers.narration.base import NarratorName
from autoclip.providers.visuals.base import VisualName
from autoclip.service.app import create_app
from autoclip.service.contents.chains import budget_usd, provider_choice
from autoclip.service.contents.records import StoredOptions
from autoclip.service.jobs.runner import generate_options
from autoclip.service.models import Content, Project
from autoclip.service.runtime import Runtime, build_runtime
from autoclip.settings import Settings
from service.conftest import LOCAL_OPENAI, sign_up
from service.test_api_contents import TEXT, assert_problem, create, create_id


@pytest.fixture
def runtime(make_settings: Callable[..., Settings]) -> Iterator[Runtime]:
    """A server with a keyless OpenAI-compatible model configured (LOCAL_OPENAI)."""
    built = build_runtime(make_settings(openai=LOCAL_OPENAI))
    yield built
    built.close()


pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
API = "/api/v1"


def options_of(runtime: Runtime, content_id: str) -> dict[str, Any]:
    """The options as stored (the row's JSON, not what the API shows)."""
    with runtime.db.session(write=False) as session:
        options = session.execute(
            select(Content.options).where(Content.id == uuid.UUID(content_id))
        ).scalar_one()
    return options.model_dump()


def test_content_options_name_known_providers(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    for options, field in (
        ({"narrator": "nobody"}, "options.narrator"),
        ({"narrator": "elevenlabs,espeak,elevenlabs"}, "options.narrator"),
        ({"narrator": " , "}, "options.narrator"),
        ({"writer": "gpt-5"}, "options.writer"),
        ({"visuals": "cards,dall-e"}, "options.visuals"),
        ({"budget_usd": -0.01}, "options.budget_usd"),
        ({"budget_usd": 1000}, "options.budget_usd"),
        ({"budget_usd": "lots"}, "options.budget_usd"),
    ):
        refused = create(client, auth, options=options)
        assert_problem(refused, 422, field)
    # The library visuals of a caller whose media library is empty: well formed, refused by
    # the state of the library.
    assert_problem(
        create(client, auth, options={"visuals": "library,cards"}), 409, "options.visuals"
    )
    unknown = create(client, auth, options={"narrator": "nobody"}).json()
    assert "unknown provider nobody" in unknown["errors"][0]["message"]
    assert "elevenlabs" in unknown["errors"][0]["message"]  # what to choose from

    content_id = create_id(
        client,
        auth,
        options={
            "writer": "openai, offline",
            "narrator": "openai,espeak",
            "visuals": "cards",
            "budget_usd": 0.25,
        },
    )
    got = client.get(f"{API}/contents/{content_id}", headers=auth).json()
    assert got["options"]["writer"] == "openai,offline"  # spaces dropped
    assert got["options"]["narrator"] == "openai,espeak"
    assert got["options"]["visuals"] == "cards"
    assert got["options"]["budget_usd"] == 0.25
    assert got["cost_usd"] == 0
    assert got["safety"] is None
    assert got["served"] is None
    assert got["approved_at"] is None
    # Chains not given stay unset: the worker takes the project's, else the configured.
    plain = create_id(client, auth)
    assert {k: options_of(runtime, plain)[k] for k in ("writer", "narrator", "budget_usd")} == {
        "writer": None,
        "narrator": None,
        "budget_usd": None,
    }


def test_a_topic_needs_a_model_in_the_writer_chain_that_would_write_it(
    make_settings: Callable[..., Settings],
) -> None:
    runtime = build_runtime(make_settings(script_writer="offline", openai=LOCAL_OPENAI))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            auth = sign_up(client)
            topic: dict[str, Any] = {"generation_type": "topic", "topic": "sleep", "text": None}
            # configured offline, nothing chosen: this server's writers cannot (a conflict)
            refused = create(client, auth, **topic)
            assert_problem(refused, 409, "generation_type")
            assert "AUTOCLIP_SCRIPT_WRITER" in refused.json()["errors"][0]["message"]
            # the content's own chain has a model
            assert create(client, auth, **topic, options={"writer": "openai"}).status_code == 202
            # the project's chain has one
            project = client.post(
                f"{API}/projects",
                json={"name": "Models", "providers": {"writer": "openai,offline"}},
                headers=auth,
            ).json()
            in_project = create(client, auth, **topic, project_id=project["id"])
            assert in_project.status_code == 202, in_project.text
            # ...unless the content narrows it to the offline writer: its own chain is wrong
            offline = {"writer": "offline"}
            narrowed = create(client, auth, **topic, project_id=project["id"], options=offline)
            assert_problem(narrowed, 422, "options.writer")
    finally:
        runtime.close()


def test_project_providers_budget_and_review_round_trip(client: TestClient) -> None:
    auth = sign_up(client)
    default = client.get(f"{API}/projects", headers=auth).json()["items"][0]
    assert default["providers"] == {"writer": None, "narrator": None, "visuals": None}
    assert default["budget_usd"] is None
    assert default["require_review"] is False

    made = client.post(
        f"{API}/projects",
        json={
            "name": "Health",
            "vertical": "senior_health",
            "providers": {"narrator": "openai, piper,espeak", "visuals": "cards"},
            "budget_usd": 0.5,
            "require_review": True,
        },
        headers=auth,
    )
    assert made.status_code == 201, made.text
    project = made.json()
    assert project["providers"] == {
        "writer": None,
        "narrator": "openai,piper,espeak",
        "visuals": "cards",
    }
    assert project["budget_usd"] == 0.5
    assert project["require_review"] is True
    path = f"{API}/projects/{project['id']}"
    assert client.get(path, headers=auth).json() == project

    # A PATCH replaces the choice as a whole; a field it leaves out stays as it was.
    patched = client.patch(path, json={"providers": {"writer": "openai"}}, headers=auth)
    assert patched.status_code == 200, patched.text
    assert patched.json()["providers"] == {"writer": "openai", "narrator": None, "visuals": None}
    assert patched.json()["budget_usd"] == 0.5
    assert patched.json()["require_review"] is True
    # null budget: back to the configured one; a null review flag changes nothing
    cleared = client.patch(path, json={"budget_usd": None, "require_review": None}, headers=auth)
    assert cleared.json()["budget_usd"] is None
    assert cleared.json()["require_review"] is True
    off = client.patch(path, json={"require_review": False, "budget_usd": 0}, headers=auth)
    assert (off.json()["require_review"], off.json()["budget_usd"]) == (False, 0)

    for method, body, field in (
        ("POST", {"name": "x", "providers": {"narrator": "nobody"}}, "providers.narrator"),
        ("POST", {"name": "x", "providers": {"voice": "espeak"}}, "providers.voice"),
        ("POST", {"name": "x", "budget_usd": -1}, "budget_usd"),
        # at most four providers in a chain: seven narrators would make 13,699 chains
        (
            "POST",
            {"name": "x", "providers": {"narrator": "openai,clova,gemini,google,espeak"}},
            "providers.narrator",
        ),
        ("PATCH", {"providers": {"visuals": "library,dall-e"}}, "providers.visuals"),
        ("PATCH", {"providers": {"writer": ""}}, "providers.writer"),
        ("PATCH", {"budget_usd": 101}, "budget_usd"),
    ):
        target = f"{API}/projects" if method == "POST" else path
        assert_problem(client.request(method, target, json=body, headers=auth), 422, field)
    assert client.get(path, headers=auth).json()["providers"]["writer"] == "openai"


def test_the_worker_resolves_content_then_project_then_configuration() -> None:
    project = {"narrator": "elevenlabs,espeak", "visuals": "pexels,cards"}
    own = {"narrator": "openai,espeak", "writer": None, "visuals": None, "budget_usd": 0.1}
    assert provider_choice(own, project) == ProviderChoice(
        writer=None,
        narrator=[NarratorName.OPENAI, NarratorName.ESPEAK],
        visuals=[VisualName.PEXELS, VisualName.CARDS],
    )
    assert provider_choice({}, {}) == ProviderChoice()
    settings = Settings(content_budget_usd=2.0)
    assert budget_usd(0.1, 0.5, settings) == 0.1
    # the configured budget is the ceiling: a user may spend less, never more
    assert budget_usd(50, None, settings) == 2.0
    assert budget_usd(None, 5.0, settings) == 2.0
    assert budget_usd(50, None, Settings(content_budget_usd=None)) == 50
    assert budget_usd(0, 0.5, settings) == 0  # a zero budget: free only
    assert budget_usd(None, 0.5, settings) == 0.5
    assert budget_usd(None, None, settings) == 2.0
    assert budget_usd(None, None, Settings(content_budget_usd=None)) is None


def test_options_are_part_of_the_idempotent_request(client: TestClient) -> None:
    auth = sign_up(client)
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    body = {"generation_type": "text", "text": TEXT}
    first = client.post(
        f"{API}/contents", json={**body, "options": {"narrator": "espeak"}}, headers=auth | key
    )
    assert first.status_code == 202, first.text
    other = client.post(
        f"{API}/contents", json={**body, "options": {"narrator": "piper"}}, headers=auth | key
    )
    assert_problem(other, 422, "Idempotency-Key")


def test_a_provider_without_its_key_here_is_refused_by_name(
    make_settings: Callable[..., Settings],
) -> None:
    runtime = build_runtime(make_settings(pexels_api_key="pexels-key"))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as api:
            auth = sign_up(api)
            refused = create(api, auth, options={"narrator": "elevenlabs,espeak"})
            assert_problem(refused, 422, "options.narrator")
            assert "AUTOCLIP_ELEVENLABS_API_KEY" in refused.text
            assert_problem(create(api, auth, options={"visuals": "gemini"}), 422, "options.visuals")
            # Pexels has its key here; a cloud voice is a voice id, checked for its form.
            create_id(api, auth, options={"visuals": "pexels,cards"})
            create_id(api, auth, options={"voice": "elevenlabs:EXAVITQu4vr4xnSDxMaL"})
            bad_voice = create(api, auth, options={"voice": "elevenlabs:not a voice!"})
            assert_problem(bad_voice, 422, "options.voice")
            # a project naming one would fail every content it holds: refused the same way
            project = api.post(
                f"{API}/projects",
                json={"name": "Voices", "providers": {"narrator": "elevenlabs"}},
                headers=auth,
            )
            assert_problem(project, 422, "providers.narrator")
    finally:
        runtime.close()


def test_a_projects_pronunciation_dictionary_round_trips_and_reaches_the_narrators(
    client: TestClient, runtime: Runtime
) -> None:
    auth = sign_up(client)
    default = client.get(f"{API}/projects", headers=auth).json()["items"][0]
    assert default["pronunciations"] == {}
    made = client.post(
        f"{API}/projects",
        json={"name": "Brand", "pronunciations": {"AutoClip": "오토클립", "SaaS": "사스"}},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    path = f"{API}/projects/{made.json()['id']}"
    assert client.get(path, headers=auth).json()["pronunciations"] == {
        "AutoClip": "오토클립",
        "SaaS": "사스",
    }
    # A PATCH replaces the dictionary; one without it leaves it as it was.
    patched = client.patch(path, json={"pronunciations": {"K-뷰티": "케이 뷰티"}}, headers=auth)
    assert patched.json()["pronunciations"] == {"K-뷰티": "케이 뷰티"}
    renamed = client.patch(path, json={"name": "Brand 2"}, headers=auth)
    assert renamed.json()["pronunciations"] == {"K-뷰티": "케이 뷰티"}
    for method, body in (
        ("POST", {"name": "x", "pronunciations": {"two words": "x"}}),
        ("POST", {"name": "x", "pronunciations": {"AI": ""}}),
        ("POST", {"name": "x", "pronunciations": {"AI": 3}}),
        ("POST", {"name": "x", "pronunciations": ["AI"]}),
        ("PATCH", {"pronunciations": {f"w{n}": "x" for n in range(201)}}),
        ("PATCH", {"pronunciations": {"AI": "에이\u0007아이"}}),
    ):
        target = f"{API}/projects" if method == "POST" else path
        refused = client.request(method, target, json=body, headers=auth)
        assert_problem(refused, 422, "pronunciations")
    assert client.get(path, headers=auth).json()["pronunciations"] == {"K-뷰티": "케이 뷰티"}

    # The worker hands the stored dictionary to the generation's options, sorted.
    with runtime.db.session(write=False) as session:
        stored = session.get(Project, uuid.UUID(made.json()["id"]))
        assert stored is not None
        dictionary = dict(stored.pronunciations)
    options = generate_options("ko", StoredOptions(), dictionary)
    assert options.pronunciations == (("K-뷰티", "케이 뷰티"),)


def test_openai_without_a_key_counts_only_with_a_local_servers_address(
    make_settings: Callable[..., Settings],
) -> None:
    """An offline install (no key, OpenAI's own address) refuses `openai` chains naming
    the setting; a key, or a base URL naming a keyless local server, makes them usable."""
    from autoclip.errors import ConfigurationError
    from autoclip.providers.config import OpenAIConfig
    from autoclip.providers.text.base import TextModelName
    from autoclip.providers.text.registry import text_model

    for openai, usable in (
        (OpenAIConfig(), False),
        (OpenAIConfig(base_url="https://api.openai.com/v1"), False),
        (OpenAIConfig(api_key="sk-test"), True),
        (LOCAL_OPENAI, True),
    ):
        settings = make_settings(openai=openai)
        if not usable:
            with pytest.raises(ConfigurationError, match="AUTOCLIP_OPENAI_API_KEY"):
                text_model(TextModelName.OPENAI, settings)
        runtime = build_runtime(settings)
        try:
            with TestClient(create_app(runtime, run_worker=False)) as api:
                auth = sign_up(api)
                for options in ({"writer": "openai,offline"}, {"narrator": "openai,espeak"}):
                    made = create(api, auth, options=options)
                    if usable:
                        assert made.status_code == 202, (openai, made.text)
                        continue
                    field = f"options.{next(iter(options))}"
                    assert_problem(made, 422, field)
                    assert "AUTOCLIP_OPENAI_API_KEY" in made.text
                    assert "AUTOCLIP_OPENAI_BASE_URL" in made.text
        finally:
            runtime.close()
