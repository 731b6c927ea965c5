"""The OpenAPI document, complete: every answer a route can give, as a client meets it.

FastAPI documents a route's success, its parameters and its own 422. The rest is added
here, when the document is first asked for, so that a generated client (and the property
tests, tests/service/test_openapi_properties.py) meets what the server does:

- Every error is `application/problem+json` with the `Problem` schema (problems.py).
- The answers that follow from how a route is reached are added to every route they
  apply to, new ones included: 401 and 429 where a credential is needed (and 403 for a
  change: a read-only API key), 404 where an id is in the path, 422 where there is input,
  413 and 415 where a body is taken, 503 for a change (maintenance mode) and wherever
  the database is read (it may be restarting: problems.py answers 503, not 500).
- A route names the answers of its own rules with `responses=problems(402, 409)`.
- The provider chains are narrowed to the providers this server has keys for, so a
  chain the document offers is one the server takes (contents/chains.py lists them all).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from autoclip.service.contents.chains import ALL_CHAINS, TOPIC_WRITER_CHAINS, configured_chains
from autoclip.service.problems import PROBLEM_JSON, Problem
from autoclip.settings import Settings

SAFE_METHODS = frozenset({"get", "head", "options"})
API_PREFIX = "/api/"
PROBLEM_REF = "#/components/schemas/Problem"
# What each status means here, as the document says it.
MEANINGS: dict[int, str] = {
    400: "The body could not be read (not JSON in UTF-8).",
    401: "No valid access token or API key (`WWW-Authenticate: Bearer`).",
    402: "No credits left.",
    403: "Not allowed: a read-only API key asked for a change, or the route is for others.",
    404: "No such thing, or it is not yours (the same answer either way).",
    409: "The request conflicts with the current state of what it names.",
    413: "The body is over the size limit.",
    415: "The body is not JSON (`Content-Type: application/json`).",
    422: "Invalid input; `errors` names each field at fault.",
    429: "Too many requests; `Retry-After` says when to try again.",
    503: "Maintenance (changes are refused for now), or the database is not answering; "
    "`Retry-After` says when to try again.",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    429: {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}},
    503: {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}},
}


def problems(*statuses: int, **meanings: str) -> dict[int | str, dict[str, Any]]:
    """A route's own error answers, for its `responses=`: `problems(409, s409="...")`
    says what a 409 means there. The content (problem JSON) is added to the document."""
    return {
        status: {"description": meanings.get(f"s{status}", MEANINGS.get(status, "An error."))}
        for status in statuses
    }


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Make `app.openapi()` (and so /openapi.json and /docs) give the complete document."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(document, settings)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]  # FastAPI's documented way


def complete(document: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """`document` (FastAPI's) with every error answer and this server's provider chains."""
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _complete_operation(path, method, operation)
    # FastAPI's own 422 body: no answer has that shape here.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    _narrow_chains(document, settings)
    return document


def _complete_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    statuses = {int(status) for status in responses if status.isdigit() and int(status) >= 400}
    parameters = operation.get("parameters", [])
    takes_body = "requestBody" in operation
    change = method not in SAFE_METHODS
    if operation.get("security"):
        statuses |= {401, 429} | ({403} if change else set())
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if parameters or takes_body:
        statuses.add(422)
    if takes_body:
        statuses |= {400, 413, 415}
    # Every route under the API prefix reads the database (the credential, the rows), and
    # a change is refused in maintenance mode wherever it goes.
    if change or path.startswith(API_PREFIX):
        statuses.add(503)
    for status in sorted(statuses):
        answer = responses.setdefault(str(status), {})
        content = answer.get("content")
        if not content or _is_fastapi_validation_error(content):
            answer["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
            if content:  # FastAPI's 422, described as its body
                answer["description"] = MEANINGS[422]
        answer.setdefault("description", MEANINGS.get(status, "An error."))
        if status in _HEADERS:
            answer.setdefault("headers", _HEADERS[status])
    operation["responses"] = dict(sorted(responses.items()))


def _is_fastapi_validation_error(content: dict[str, Any]) -> bool:
    schema = content.get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _narrow_chains(document: dict[str, Any], settings: Settings) -> None:
    """Replace each list of every chain (contents/chains.py) with the chains this server
    can serve: a provider without its key here is refused with a 422."""
    narrowed = {
        tuple(chains): configured_chains(settings, chains)
        for chains in (*ALL_CHAINS.values(), TOPIC_WRITER_CHAINS)
    }

    def narrow(node: dict[str, Any]) -> None:
        chains = node.get("enum")
        if isinstance(chains, list) and tuple(chains) in narrowed:
            # An empty enum would be no valid JSON Schema: "not: {}" takes no value.
            kept = narrowed[tuple(chains)]
            if kept:
                node["enum"] = kept
            else:
                del node["enum"]
                node["not"] = {}

    _walk(document, narrow)


def _walk(node: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)
