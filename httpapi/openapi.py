"""What every part needs to list its routes in ``/openapi.json``: a route that carries its own
OpenAPI operation (``Documented``), a builder of such operations, and the problem schema every
error answers with. The process API assembles the document from all of them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute, Route

Operation = dict[str, Any]

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details (docs/problems.md); error and message repeat "
                   "code and detail for older clients",
    "properties": {name: {"type": "string"} for name in
                   ("type", "title", "detail", "code", "error", "message")}
    | {"status": {"type": "integer"}},
    "required": ["type", "title", "status", "detail", "code"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
PROBLEM_CONTENT = {"application/problem+json": {"schema": ERROR_REF}}
ERROR_TEXTS = {
    400: "A query parameter is missing or malformed",
    401: "Not signed in, or the sign-in is no longer valid",
    403: "Not allowed for you (the detail says why)",
    404: "Unknown document, plan or commitment",
    503: "Starting, or the event log is unavailable",
}


class Documented(Route):
    """A route that ``/openapi.json`` lists: ``operation`` is its OpenAPI operation object."""

    def __init__(self, path: str, endpoint: Any, *, method: str, operation: Operation) -> None:
        super().__init__(path, endpoint, methods=[method])
        self.method = method.lower()
        self.operation = operation


def query(name: str, required: bool, description: str, kind: str = "string") -> Operation:
    return {"name": name, "in": "query", "required": required, "schema": {"type": kind},
            "description": description}


def operation(
    name: str,
    summary: str,
    who: str,
    *,
    tag: str,
    status: int = 200,
    media_type: str = "application/json",
    note: str = "",
    errors: Iterable[int] = (),
    parameters: Iterable[Operation] = (),
) -> Operation:
    content = {media_type: {"schema": {"type": "object"}} if "json" in media_type else {}}
    responses: dict[str, Any] = {str(status): {"description": "OK", "content": content}}
    for code in errors:
        responses[str(code)] = {"description": ERROR_TEXTS[code], "content": PROBLEM_CONTENT}
    return {
        "operationId": name,
        "summary": summary,
        "description": f"Who may call it: {who}." + (f" {note}" if note else ""),
        "tags": [tag],
        "parameters": list(parameters),
        "responses": responses,
    }


def documented_paths(routes: Iterable[BaseRoute]) -> dict[str, dict[str, Any]]:
    """The ``paths`` entries of the ``Documented`` routes among ``routes``."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if isinstance(route, Documented):
            path = re.sub(r":\w+}", "}", route.path)  # {plan:str} is {plan} to OpenAPI
            in_path = [{"name": name, "in": "path", "required": True,
                        "schema": {"type": "string"}} for name in re.findall(r"{(\w+)}", path)]
            entry = dict(route.operation)
            entry["parameters"] = [*in_path, *route.operation.get("parameters", ())]
            paths.setdefault(path, {})[route.method] = entry
    return paths
