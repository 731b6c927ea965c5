"""A source's template goes with the contents it makes, settled as the API settles a
content's: the spec is stored with each content when it is made, so deleting the saved
template later changes none of them; and a source may name only a template of its
owner's."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from httpx import Response

from autoclip.looks.templates import BUILTIN
from autoclip.service.models import Content
from autoclip.service.runtime import Runtime
from service.conftest import sign_up
from service.factory_support import ManualClock
from service.test_api_contents import assert_problem
from service.test_factory import factory, fetch_due, make_project
from service.test_jobs_support import API

__all__ = ["factory"]  # a fixture, used by name


def topics_source(
    client: TestClient, auth: dict[str, str], project: str, template: str | None
) -> Response:
    options = {"draft": True} | ({"template": template} if template else {})
    body = {"kind": "topics", "name": "Ideas", "topics": ["Why we yawn"], "options": options}
    made: Response = client.post(f"{API}/projects/{project}/sources", json=body, headers=auth)
    return made


def drafts(runtime: Runtime) -> list[Content]:
    with runtime.db.session(write=False) as session:
        rows = list(session.query(Content).order_by(Content.created_at))
        for row in rows:
            session.expunge(row)
        return rows


def test_a_sources_template_is_settled_into_its_contents(
    factory: tuple[Runtime, TestClient, ManualClock],
) -> None:
    runtime, client, _ = factory
    auth, other = sign_up(client), sign_up(client)
    project = make_project(client, auth)
    spec = BUILTIN["deal_bold"].spec.model_dump(mode="json", by_alias=True)
    saved = client.post(f"{API}/templates", json={"name": "loud", "title": "Loud", "spec": spec},
                        headers=auth)  # fmt: skip
    assert saved.status_code == 201, saved.text
    ref = saved.json()["id"]

    # Only the owner's own, or a built-in one; the field is named.
    theirs = topics_source(client, other, make_project(client, other), ref)
    assert_problem(theirs, 422, "options.template")
    mine = topics_source(client, auth, project, ref)
    assert mine.status_code == 201, mine.text
    builtin = topics_source(client, auth, make_project(client, auth), "money_news")
    assert builtin.status_code == 201, builtin.text

    assert sorted(fetch_due(runtime)) == ["new_items", "new_items"]
    made = {str(c.project_id): c for c in drafts(runtime)}
    own = made[project]
    assert own.options.template == ref
    assert own.options.template_spec is not None
    assert own.options.template_spec.model_dump(mode="json", by_alias=True) == spec
    news = next(c for p, c in made.items() if p != project)
    assert news.options.template == "money_news"
    assert news.options.template_spec == BUILTIN["money_news"].spec

    # The saved template is deleted: what was made keeps its spec; the source's next
    # contents go without it (the source forgets it), and the fetch still works.
    assert client.delete(f"{API}/templates/{ref}", headers=auth).status_code == 204
    shown = client.get(f"{API}/contents/{own.id}", headers=auth).json()
    assert shown["options"]["template"] == ref
    source_id = mine.json()["id"]
    changed = client.patch(f"{API}/sources/{source_id}",
                           json={"topics": ["Why we yawn", "Why cats purr"]},
                           headers=auth)  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert fetch_due(runtime) == ["new_items"]
    later = next(c for c in drafts(runtime) if c.source == "Why cats purr")
    assert (later.options.template, later.options.template_spec) == (None, None)
    kept = next(c for c in drafts(runtime) if c.id == uuid.UUID(str(own.id)))
    assert kept.options.template_spec is not None
    source = client.get(f"{API}/sources/{source_id}", headers=auth).json()
    assert "template" not in source["options"]
