"""Request bodies: control characters are refused in every text field, and JSON types are
taken as they are ("yes" is not a boolean, "5" is not a number, -0.0 is not a budget)."""

from __future__ import annotations

import importlib
import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import update

from autoclip.service.models import User
from autoclip.service.runtime import Runtime
from autoclip.service.schemas import Input
from service.conftest import forget_callers, sign_up
from service.test_api_contents import TEXT, assert_problem, create, create_id

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
PASSWORD = "correct horse 1"


def text_fields(client: TestClient, auth: dict[str, str]) -> list[tuple[str, str, Any, str]]:
    """(method, path, body, field) with `\\x00` in `field`: every text field of every
    request body the API takes."""
    project = client.post("/api/v1/projects", json={"name": "P"}, headers=auth)
    assert project.status_code == 201, project.text
    projects = f"/api/v1/projects/{project.json()['id']}"
    reject = f"/api/v1/contents/{create_id(client, auth)}/reject"
    email = f"nul-{uuid.uuid4().hex[:8]}@example.com"
    content = {"generation_type": "text", "text": TEXT}
    return [
        ("POST", "/api/v1/auth/register",
         {"email": email, "password": PASSWORD, "name": "Kim\x00"}, "name"),
        ("POST", "/api/v1/auth/register",
         {"email": email, "password": "correct\x00horse 1", "name": "Kim"}, "password"),
        ("POST", "/api/v1/auth/register",
         {"email": f"n\x00{email}", "password": PASSWORD, "name": "Kim"}, "email"),
        ("POST", "/api/v1/auth/login", {"email": email, "password": "x\x00"}, "password"),
        ("POST", "/api/v1/auth/refresh", {"refresh_token": "0123456789\x00abc"}, "refresh_token"),
        ("POST", "/api/v1/auth/logout", {"refresh_token": "0123456789\x00abc"}, "refresh_token"),
        ("POST", "/api/v1/api-keys", {"name": "laptop\x00"}, "name"),
        ("POST", "/api/v1/projects", {"name": "P\x00"}, "name"),
        ("POST", "/api/v1/projects", {"name": "P", "description": "a\x00b"}, "description"),
        ("POST", "/api/v1/projects", {"name": "P", "providers": {"writer": "offline\x00"}},
         "providers.writer"),
        ("PATCH", projects, {"name": "Q\x00"}, "name"),
        ("PATCH", projects, {"description": "a\x00b"}, "description"),
        ("PATCH", projects, {"providers": {"narrator": "\x00espeak"}}, "providers.narrator"),
        ("POST", "/api/v1/contents", {**content, "text": TEXT + "\x00"}, "text"),
        ("POST", "/api/v1/contents",
         {"generation_type": "topic", "topic": "sleep\x00"}, "topic"),
        ("POST", "/api/v1/contents",
         {"generation_type": "url", "url": "https://example.com/\x00"}, "url"),
        ("POST", "/api/v1/contents", {**content, "options": {"voice": "kim\x00"}},
         "options.voice"),
        ("POST", "/api/v1/contents", {**content, "options": {"visuals": "cards\x00"}},
         "options.visuals"),
        ("POST", reject, {"reason": "no\x00"}, "reason"),
    ]  # fmt: skip


def test_nul_is_refused_in_every_text_field(client: TestClient) -> None:
    # PostgreSQL cannot store U+0000 in text: let through, each of these was a 500.
    auth = sign_up(client)
    for method, path, body, field in text_fields(client, auth):
        answer = client.request(method, path, json=body, headers=auth)
        assert_problem(answer, 422, field)
        errors = answer.json()["errors"]
        assert [error["field"] for error in errors] == [field], answer.text
        assert "U+0000" in errors[0]["message"], answer.text


def test_control_characters_but_tab_and_newlines_are_refused(client: TestClient) -> None:
    auth = sign_up(client)
    # An escape sequence in a name would repaint an operator's terminal; a C1 CSI too.
    for name in ("P\x1b[2J", "P\x07", "P\x7f", "P\x9b2J"):
        refused = client.post("/api/v1/projects", json={"name": name}, headers=auth)
        assert_problem(refused, 422, "name")
        code = f"U+{ord(name[1]):04X}"
        assert code in refused.json()["errors"][0]["message"], refused.text
    # Free text keeps its layout; emoji joiners and bidirectional marks are text, not control.
    layout = "Sleep\tfirst.\r\nThen\nwake 👩‍💻 \u200fשלום\u200f."
    made = client.post(
        "/api/v1/projects", json={"name": "Plain", "description": layout}, headers=auth
    )
    assert made.status_code == 201, made.text
    assert made.json()["description"] == layout
    assert create(client, auth, text=f"{TEXT}\n\n\t{TEXT}").status_code == 202


def test_booleans_and_numbers_are_taken_as_json_types(client: TestClient, runtime: Runtime) -> None:
    auth = sign_up(client)
    for options, field in (
        ({"draft": "yes"}, "options.draft"),
        ({"draft": "true"}, "options.draft"),
        ({"draft": 1}, "options.draft"),
        ({"budget_usd": "5"}, "options.budget_usd"),
        ({"budget_usd": True}, "options.budget_usd"),
        ({"budget_usd": -0.0}, "options.budget_usd"),
        ({"budget_usd": -1}, "options.budget_usd"),
    ):
        assert_problem(create(client, auth, options=options), 422, field)
    for options in ({"draft": True, "budget_usd": 0}, {"draft": False, "budget_usd": 2.5}):
        assert create(client, auth, options=options).status_code == 202
    # JSON as Python reads it allows NaN and Infinity: no budget is either.
    for number in ("NaN", "Infinity"):
        raw = f'{{"generation_type": "text", "text": {json.dumps(TEXT)}, '
        raw += f'"options": {{"budget_usd": {number}}}}}'
        answer = client.post(
            "/api/v1/contents",
            content=raw,
            headers={**auth, "Content-Type": "application/json"},
        )
        assert_problem(answer, 422, "options.budget_usd")

    for body, field in (
        ({"name": "P", "budget_usd": -0.0}, "budget_usd"),
        ({"name": "P", "budget_usd": "1"}, "budget_usd"),
        ({"name": "P", "require_review": "yes"}, "require_review"),
        ({"name": "P", "require_review": 0}, "require_review"),
    ):
        assert_problem(client.post("/api/v1/projects", json=body, headers=auth), 422, field)
    made = client.post(
        "/api/v1/projects", json={"name": "P", "budget_usd": 1, "require_review": True},
        headers=auth,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    project = f"/api/v1/projects/{made.json()['id']}"
    assert_problem(
        client.patch(project, json={"budget_usd": -0.0}, headers=auth), 422, "budget_usd"
    )
    assert_problem(
        client.patch(project, json={"require_review": "no"}, headers=auth), 422, "require_review"
    )

    with runtime.db.session() as session:
        session.execute(update(User).values(is_admin=True))
    forget_callers(runtime)
    admin = "/api/v1/admin/queue/retry-failed"
    for body, field in (
        ({"since_hours": "1"}, "since_hours"),
        ({"dry_run": "yes"}, "dry_run"),
    ):
        assert_problem(client.post(admin, json=body, headers=auth), 422, field)
    assert client.post(admin, json={"since_hours": 1, "dry_run": True}, headers=auth).json() == []
    # Identifiers and choices still arrive as JSON strings.
    assert create(client, auth, project_id=made.json()["id"], language="en").status_code == 202


def _request_models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    waiting: list[type[BaseModel]] = [Input]
    while waiting:
        model = waiting.pop()
        found.append(model)
        waiting.extend(model.__subclasses__())
    return found


def _lax_scalars(schema: object, path: str = "") -> list[str]:
    """Where (field path: type) a core schema validates a bool, int or float laxly."""
    if isinstance(schema, list):
        return [lax for item in schema for lax in _lax_scalars(item, path)]
    if not isinstance(schema, dict):
        return []
    found = []
    if schema.get("type") in ("bool", "int", "float") and not schema.get("strict"):
        found.append(f"{path}: {schema['type']}")
    for key, value in schema.items():
        if key == "fields" and isinstance(value, dict):  # a model's fields, by name
            for name, field in value.items():
                found.extend(_lax_scalars(field, f"{path}.{name}".lstrip(".")))
        else:
            found.extend(_lax_scalars(value, path))
    return found


def test_every_request_model_takes_json_scalars_strictly() -> None:
    # The app's module imports every router, and so every request model.
    importlib.import_module("autoclip.service.app")
    models = _request_models()
    names = {model.__name__ for model in models}
    expected = {"TextContent", "TopicContent", "UrlContent", "ContentOptions", "ProjectCreate"}
    assert expected | {"RetryFailed"} <= names  # a content: one model per generation_type
    lax = {model.__name__: _lax_scalars(model.__pydantic_core_schema__) for model in models}
    assert {name: where for name, where in lax.items() if where} == {}


class _Tagged(Input):
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"tags": ["sleep", "be\x00d"]}, "[1]: U+0000 at character 2"),
        ({"labels": {"mood": "calm\x1b"}}, "['mood']: U+001B at character 4"),
        ({"labels": {"mo\x00od": "calm"}}, "U+0000 at character 2"),
    ],
    ids=["list", "dict value", "dict key"],
)
def test_strings_in_lists_and_dicts_are_checked(body: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Tagged.model_validate(body)
    [error] = caught.value.errors()
    assert error["loc"] == (next(iter(body)),)
    assert where in error["msg"]
    assert _Tagged.model_validate({"tags": ["a\tb"], "labels": {"k": "line\r\nline"}})
