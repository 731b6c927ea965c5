"""Property tests over the OpenAPI document: Schemathesis runs every operation of the API,
in-process, as user A while user B's things exist, with all its checks.

The checks (Schemathesis' own): no server error; every status code, content type and
response header is the one documented; every body matches its schema; schema-valid input
is accepted and schema-invalid input refused; an undocumented method answers 405 with the
right `Allow`; a route that needs a credential refuses a request without one. Generated
input comes from the document itself, so the document has to say what the server
enforces (service/openapi.py).

And one of ours: B's ids are fed in wherever an operation takes an id (content, project,
export, API key), and each must answer A exactly as an id that does not exist would:
404, never a 2xx, a 403 or a 5xx. B's things are all still there afterwards.

The run is bounded and repeatable: a fixed seed, derandomized generation and a fixed
number of examples per operation and phase.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis import Case, GenerationMode
from schemathesis.engine import Status, events, from_schema
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy import update

from autoclip.looks.templates import BUILTIN
from autoclip.service.app import create_app
from autoclip.service.models import User
from autoclip.service.runtime import Runtime, build_runtime
from service.conftest import forget_callers, sign_up
from service.test_api_isolation import create_content, make_ready

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
SEED = 1010
# Per operation, in the fuzzing phase (the examples and coverage phases take what the
# document gives them): enough to reach every field, few enough for CI.
EXAMPLES = 12
# How often a generated id is replaced by one of B's.
THEIRS_PROBABILITY = 0.3
# A's answers to B's ids when the request was refused for its form, before any lookup.
REFUSED_AS_FORMED = frozenset({400, 413, 415, 422})
# A 1×1 PNG, as the media library takes it.
SMALL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
    "9c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


@dataclass(frozen=True)
class Things:
    """One user's things, by the path parameter that names each kind."""

    content_id: str
    ready_content_id: str
    project_id: str
    export_id: str
    key_id: str
    key: str
    source_id: str
    schedule_id: str
    batch_id: str

    def ids(self) -> dict[str, list[str]]:
        return {
            "content_id": [self.content_id, self.ready_content_id],
            "project_id": [self.project_id],
            "export_id": [self.export_id],
            "key_id": [self.key_id],
            "source_id": [self.source_id],
            "schedule_id": [self.schedule_id],
            "batch_id": [self.batch_id],
        }


@dataclass(frozen=True)
class Finding:
    operation: str
    check: str
    title: str
    message: str
    request: str
    answer: str

    def __str__(self) -> str:
        return (
            f"{self.operation} [{self.check}] {self.title}\n  {self.message}\n"
            f"  {self.request}\n  -> {self.answer}"
        )


@pytest.fixture
def service(make_settings: Any) -> Iterator[tuple[Runtime, FastAPI]]:
    # Rate limits off: they are tested on their own (test_protection.py, test_api_auth.py),
    # and here they would answer most of the run with 429 instead of the route.
    runtime = build_runtime(make_settings(rate_limits=False))
    app = create_app(runtime, run_worker=False)
    try:
        yield runtime, app
    finally:
        shutdown_lifespans()  # Schemathesis keeps the app's lifespan open until then
        runtime.close()


@pytest.fixture
def cheap_unknown_logins(monkeypatch: pytest.MonkeyPatch) -> None:
    """A login with an unknown email is checked against a dummy hash, made at the real
    cost so both answers take as long: here, one made at the cheapest cost, since the run
    tries many unknown emails."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr("autoclip.service.auth.tokens._DUMMY_HASH", cheap.hash("unknown"))


def make_things(client: TestClient, runtime: Runtime, auth: dict[str, str]) -> Things:
    project = client.post("/api/v1/projects", json={"name": "Theirs"}, headers=auth)
    assert project.status_code == 201, project.text
    content_id = create_content(client, auth, project_id=project.json()["id"])
    ready_content_id = create_content(client, auth)
    make_ready(runtime, ready_content_id)
    export = client.post("/api/v1/exports", json={}, headers=auth)
    assert export.status_code == 202, export.text
    key = client.post("/api/v1/api-keys", json={"name": "theirs"}, headers=auth)
    assert key.status_code == 201, key.text
    in_project = f"/api/v1/projects/{project.json()['id']}"
    source = client.post(
        f"{in_project}/sources",
        json={"kind": "topics", "name": "Theirs", "topics": ["Why we yawn"]},
        headers=auth,
    )
    assert source.status_code == 201, source.text
    schedule = client.post(
        f"{in_project}/schedules", json={"kind": "times", "times": ["09:00"]}, headers=auth
    )
    assert schedule.status_code == 201, schedule.text
    text = {"generation_type": "text", "text": "Their own text, long enough to be made."}
    batch = client.post("/api/v1/contents/batch", json={"items": [text]}, headers=auth)
    assert batch.status_code == 202, batch.text
    return Things(
        content_id=content_id,
        ready_content_id=ready_content_id,
        project_id=project.json()["id"],
        export_id=export.json()["id"],
        key_id=key.json()["id"],
        key=key.json()["key"],
        source_id=source.json()["id"],
        schedule_id=schedule.json()["id"],
        batch_id=batch.json()["id"],
    )


def unlimited(runtime: Runtime, auth: dict[str, str], client: TestClient) -> None:
    """A's plan makes contents without end, so a run is not all 402s after three."""
    me = client.get("/api/v1/users/me", headers=auth).json()
    with runtime.db.session() as session:
        session.execute(
            update(User).where(User.id == uuid.UUID(me["id"])).values(plan_id="enterprise")
        )
    forget_callers(runtime)


def config(auth: dict[str, str], theirs: Things) -> schemathesis.Config:
    ids = theirs.ids()
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # Nothing kept between runs (a run must not depend on the one before it).
            "cache": {"enabled": False},
            "max-failures": 200,
            "headers": auth,
            # A queued content's event stream never ends: two events are its answer.
            "max-stream-events": 2,
            "request-timeout": 30,
            # Links between operations from Location headers only: the inferred ones also
            # took ids from fields that may be null (a ledger entry's content_id), and sent
            # /contents/None as if it were a valid id.
            "phases": {"stateful": {"inference": {"algorithms": ["location-headers"]}}},
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            # Each entry names one operation ("METHOD path"): Schemathesis joins several
            # include filters of one entry with OR, so a method and a path would take in
            # every operation of that method.
            "operations": [
                *(
                    {
                        # An uploaded file's worth is its content (an image Pillow reads,
                        # a font that draws Hangul, audio ffmpeg reads, a clip within its
                        # limits), which no schema can state: well-formed bytes of the
                        # right type that fail the check are a 422 naming the file
                        # (documented in looks.md).
                        "include-name": f"PUT /api/v1/brand-files/{{project_id}}/{kind}",
                        "checks": {
                            "positive_data_acceptance": {
                                "expected-statuses": ["2xx", "401", "403", "404", "422"]
                            }
                        },
                    }
                    for kind in ("logo", "font", "music", "intro", "outro")
                ),
                {
                    # A script can be edited only once it is written, while the content
                    # waits for review, is ready or failed: a valid edit of a content still
                    # queued or being made is a 409 (documented), whatever its body.
                    "include-name": "PUT /api/v1/contents/{content_id}/script",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "401", "402", "403", "404", "409"]
                        }
                    },
                },
                {
                    # A verification token's worth is its signature, which no schema can
                    # state: a well-formed one that is forged or expired is a 400
                    # `invalid-token` (documented), like a refresh token's 401.
                    "include-name": "POST /api/v1/auth/verify",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
                        }
                    },
                },
            ],
            "dictionaries": {name: {"values": values} for name, values in ids.items()},
            "parameters": {
                f"path.{name}": {"dictionary": name, "probability": THEIRS_PROBABILITY}
                for name in ids
            },
        }
    )


SCHEDULE_WRITES = (
    "POST /api/v1/projects/{project_id}/schedules",
    "PATCH /api/v1/schedules/{schedule_id}",
)


SOURCE_WRITES = (
    "POST /api/v1/projects/{project_id}/sources",
    "PATCH /api/v1/sources/{source_id}",
)


def meet_unstated_rules(context: schemathesis.HookContext, case: Case[Any]) -> Case[Any]:
    """A case meant to be accepted (positive) made to keep the rules that JSON Schema
    cannot state, and which the document says in words: a password hard to guess
    (zxcvbn's estimate), an upload that is an image (sniffed from its bytes), a usage
    window of at most 92 days with `from` not after `to`, and
    an Idempotency-Key not used before with another request (422, as the IETF draft
    says). Negative cases, and every other field, stay as generated."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return case
    label = case.operation.label
    fresh = uuid.uuid4().hex
    if label == "POST /api/v1/auth/register" and isinstance(case.body, dict):
        if "password" in case.body:
            case.body["password"] = f"violet kettle {fresh[:6]} orbit"
    elif label == "GET /api/v1/analytics/usage" and case.query:
        today = datetime.now(UTC).date()
        if "from" in case.query:
            case.query["from"] = str(today - timedelta(days=30))
        if "to" in case.query:
            case.query["to"] = str(today)
    elif label == "POST /api/v1/media" and isinstance(case.body, dict) and "file" in case.body:
        # What an upload is comes from its bytes; a multipart file part is bytes.
        case.body["file"] = SMALL_PNG  # type: ignore[assignment]
    elif label in SCHEDULE_WRITES and isinstance(case.body, dict):
        # A cron expression cron accepts and a time zone that exists (the document says
        # so in words: no pattern can), and a PATCH changes the rhythm one way at a time.
        if case.body.get("cron") is not None:
            case.body["cron"] = "0 9 * * 1-5"
        if case.body.get("timezone") is not None:
            case.body["timezone"] = "Europe/Paris"
        if case.body.get("times") is not None and case.body.get("cron") is not None:
            del case.body["cron"]
    elif label in SOURCE_WRITES and isinstance(case.body, dict):
        # A saved template must be the caller's own (a made-up id is a 422 naming
        # options.template, documented): a valid source names a built-in one by name.
        options = case.body.get("options")
        if isinstance(options, dict) and options.get("template") not in (None, *BUILTIN):
            options["template"] = next(iter(BUILTIN))
    elif label == "POST /api/v1/contents" and case.headers:
        for name in list(case.headers):
            if name.lower() == "idempotency-key":
                case.headers[name] = fresh
    return case


def run(app: FastAPI, settings: schemathesis.Config) -> tuple[list[Finding], list[Any]]:
    """Every finding of the run, and every (case, response) it made."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=settings)
    schema.hook("map_case")(meet_unstated_rules)
    findings: list[Finding] = []
    exchanges: list[Any] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for case_id, interaction in recorder.interactions.items():
                exchanges.append((recorder.cases[case_id].value, interaction))
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        case = recorder.cases[case_id].value
                        answer = recorder.interactions.get(case_id)
                        got = answer.response if answer is not None else None
                        findings.append(
                            Finding(
                                operation=case.operation.label,
                                check=check.name,
                                title=failure.title,
                                message=failure.message.strip().replace("\n", "\n  "),
                                request=check.failure_info.code_sample,
                                answer="(none)"
                                if got is None
                                else f"{got.status_code} {(got.content or b'')[:300]!r}",
                            )
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            raise AssertionError(f"Schemathesis could not run: {event}")
    return findings, exchanges


def test_every_operation_keeps_to_the_document_as_a_second_user(
    service: tuple[Runtime, FastAPI], cheap_unknown_logins: None
) -> None:
    runtime, app = service
    with TestClient(app) as client:
        theirs_auth = sign_up(client)
        theirs = make_things(client, runtime, theirs_auth)
        mine = sign_up(client)
        unlimited(runtime, mine, client)

    findings, exchanges = run(app, config(mine, theirs))

    assert not findings, "\n\n".join(dict.fromkeys(str(f) for f in findings))
    # B's ids answer A as ids that do not exist would.
    their_ids = {value for values in theirs.ids().values() for value in values}
    tried = 0
    for case, interaction in exchanges:
        given = {str(value) for value in (case.path_parameters or {}).values()}
        if not given & their_ids or interaction.response is None:
            continue
        tried += 1
        status = interaction.response.status_code
        assert status == 404 or status in REFUSED_AS_FORMED, (
            f"{case.operation.label} with B's id answered {status}: {interaction.request.uri}"
        )
    assert tried >= 20, f"B's ids were tried only {tried} times"
    # And B's things are all still there, unchanged by anything A did.
    with TestClient(app) as client:
        for path in (
            f"/api/v1/contents/{theirs.content_id}",
            f"/api/v1/contents/{theirs.ready_content_id}",
            f"/api/v1/projects/{theirs.project_id}",
            f"/api/v1/exports/{theirs.export_id}",
            f"/api/v1/sources/{theirs.source_id}",
            f"/api/v1/schedules/{theirs.schedule_id}",
            f"/api/v1/batches/{theirs.batch_id}",
        ):
            assert client.get(path, headers=theirs_auth).status_code == 200, path
        with_key = {"Authorization": f"Bearer {theirs.key}"}
        assert client.get("/api/v1/users/me", headers=with_key).status_code == 200
        queued = client.get(f"/api/v1/contents/{theirs.content_id}", headers=theirs_auth)
        assert queued.json()["status"] == "queued"
