"""Every HTTP route of the app answers hostile input without a server error (a 400 where it
reads it): deeply nested JSON bodies, numbers too large for the log's columns, infinities
and digits that are not ASCII, in the query, the path and the body. The routes come from
the app's own router, so a route added tomorrow is walked too."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
from process_helpers import ADMIN_TOKEN, World, bearer
from starlette.applications import Starlette
from starlette.routing import Route

from process.api import OPERATIONS
from process.schema import Schema

HUGE = "99999999999999999999999"
NUMBERS = (HUGE, "1e309", "-1", "\u00b2", "9" * 5000)
# Every query parameter a route of the app reads, and a few it might read tomorrow.
QUERY_NAMES = ("at", "after", "limit", "from", "to", "stage", "lang", "plan", "plan_id",
               "group_by", "version", "position", "person", "org", "token")
BODIES = (
    b"[" * 100_000,  # over the body limit
    b"[" * 60_000,  # under it: the JSON parser meets the nesting
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b'{"text": "x", "milestone": ' + HUGE.encode() + b"}",
    b'{"text": "x", "milestone": 1e309}',
    b"1" * 5000,  # an integer of more digits than Python converts
)


def _paths(route: Route, ids: dict[str, list[str]]) -> Iterator[tuple[str, bool]]:
    """The route's path with real ids (True), then with each parameter in turn hostile."""
    names = re.findall(r"{(\w+)}", route.path_format)
    for values in itertools.product(*(ids[name] for name in names)):
        yield _fill(route.path_format, dict(zip(names, values, strict=True))), True
    for hostile in names:
        for number in NUMBERS:
            chosen = {n: (number if n == hostile else ids[n][0]) for n in names}
            yield _fill(route.path_format, chosen), False


def _fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def _queries() -> Iterator[dict[str, str]]:
    for number in NUMBERS:
        if len(number) < 100:  # all at once, while the URL stays of a length clients send
            yield dict.fromkeys(QUERY_NAMES, number)
        for name in QUERY_NAMES:  # one at a time: an earlier refusal hides no later one
            yield {name: number}


class Walk:
    """Sends requests, keeping those answered with a server error."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.sent = 0
        self.failures: list[str] = []

    async def __call__(self, method: str, path: str, who: str | None,
                       query: dict[str, str] | None = None, body: bytes = b"") -> int:
        response = await self.client.request(
            method, path, params=query or {}, content=body,
            headers={**bearer(who), "content-type": "application/json"})
        self.sent += 1
        if response.status_code >= 500:
            self.failures.append(f"{method} {path[:100]} {str(query)[:100]} {body[:30]!r}: "
                                 f"{response.status_code}")
        return response.status_code

    async def queries(self, path: str, who: str | None) -> None:
        """Hostile numbers in the query of a GET. A route that answers them all at once as it
        answers none reads none of them: its answer to each alone would be the same again."""
        baseline = await self("GET", path, who)
        if baseline < 400 and await self("GET", path, who, dict.fromkeys(QUERY_NAMES, HUGE)) \
                == baseline:
            return
        for query in _queries():
            await self("GET", path, who, query)


def _valid_skeleton(schema: Schema) -> dict[str, Any]:
    """A body that passes the schema's required fields, with every integer field huge."""
    body: dict[str, Any] = {}
    for name, field in schema.get("properties", {}).items():
        kinds = field.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if "integer" in kinds:
            body[name] = int(HUGE)
        elif name in schema.get("required", []):
            if "enum" in field:
                body[name] = field["enum"][0]
            elif "string" in kinds:
                body[name] = "2024-01-01" if field.get("format") == "date" else "x"
            elif "array" in kinds:
                body[name] = ["x"]
            elif "object" in kinds:
                body[name] = {}
    return body


async def _world_with_everything(world: World) -> dict[str, list[str]]:
    """Ids of one of each thing the routes name: stage snapshots, an input, a session."""
    for _ in range(4):
        await world.advance()  # draft4: snapshots of draft1 to draft3, consultation open
    given = await world.call("POST", f"/api/commitments/{world.commitment_id}/inputs",
                             role="anonymous", json={"text": "Masukan warga"}, expect=201)
    session = await world.call("POST", "/api/sessions", json={
        "plan_id": world.plan_id, "method": "FD", "date": "2024-03-01",
        "title": "Diskusi terarah"}, expect=201)
    negotiation = f"/api/documents/{world.document_id}"
    comment = await world.call("POST", f"{negotiation}/comments", json={
        "section": "*", "body": "Komentar"}, expect=201)
    reply = await world.call("POST", f"{negotiation}/comments/{comment.json()['id']}/replies",
                             json={"body": "Balasan"}, expect=201)
    suggestion = await world.call("POST", f"{negotiation}/suggestions", json={
        "section": "title", "quote": "sosial", "replacement": "publik"}, expect=201)
    return {
        "comment_id": [comment.json()["id"]], "reply_id": [reply.json()["id"]],
        "suggestion_id": [suggestion.json()["id"]],
        "plan_id": [world.plan_id], "plan": [world.plan_id],
        "commitment_id": [world.commitment_id], "document_id": [world.document_id],
        "group_id": [world.group_id], "person_id": [world.people["cso_member"]],
        "input_id": [given.json()["id"]], "session_id": [session.json()["id"]],
        "version": ["2"], "token": ["not-an-invitation"], "at": ["1", "draft1"],
        "format": ["pdf", "docx", "json", "zip"], "sha256": ["0" * 64, "../../etc/passwd"],
    }


async def test_no_route_answers_hostile_input_with_a_server_error(
    world: World, app: Starlette, client: httpx.AsyncClient,
) -> None:
    ids = await _world_with_everything(world)
    schemas = {(op.method, op.path): op.body for op in OPERATIONS if op.body is not None}
    routes = [r for r in app.router.routes if isinstance(r, Route)]
    assert len(routes) > 40, "the app's routes, from every part"
    walk = Walk(client)
    for route, who in itertools.product(routes, (ADMIN_TOKEN, None)):
        for method in sorted((route.methods or set()) - {"HEAD"}):
            for path, real in _paths(route, ids):
                if method == "GET" and real:
                    await walk.queries(path, who)
                elif method == "GET":
                    await walk(method, path, who)
                else:
                    skeleton = _valid_skeleton(schemas.get((method, route.path), {}))
                    for body in (*BODIES, httpx.Request("POST", "/", json=skeleton).read()):
                        await walk(method, path, who, body=body)
    assert walk.sent > 1000
    assert walk.failures == [], "\n".join(walk.failures[:40])
