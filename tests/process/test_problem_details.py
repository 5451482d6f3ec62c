"""Every JSON error has one shape, RFC 9457 problem details, whichever part answers it: the
process API, projections, audit, the security guard, or the framework itself (unknown route,
wrong method, a body over the limit)."""

from __future__ import annotations

import httpx
from process_helpers import World

from httpapi.problems import MEDIA_TYPE

MEMBERS = {"type", "title", "status", "detail", "code"}


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body = response.json()
    assert set(body) >= MEMBERS, body
    assert (body["status"], body["code"], body["type"]) == (
        status, code, f"urn:kokreasi:problem:{code}")
    assert body["title"] and body["detail"]


async def test_the_framework_answers_problems_on_the_api(world: World) -> None:
    assert_problem(await world.call("GET", "/api/no-such-thing"), 404, "not_found")
    assert_problem(await world.call("DELETE", "/api/plans"), 405, "method_not_allowed")


async def test_each_part_answers_the_same_shape(world: World) -> None:
    await world.advance()
    assert_problem(await world.call("GET", "/api/plans/nope"), 404, "not_found")  # process
    history = f"/api/documents/{world.document_id}/history"
    assert_problem(await world.call("GET", history, "anonymous"), 401, "not_signed_in")
    assert_problem(await world.call("GET", history + "?after=x", "auditor"), 400, "bad_request")
    assert_problem(await world.call("GET", "/api/audit/bundle", "auditor"), 400, "bad_request")
    assert_problem(await world.call("GET", "/api/audit/bundle?plan=x", "cso_member"), 403,
                   "forbidden")


async def test_a_body_over_the_limit_is_413(world: World) -> None:
    huge = {"title": "x" * (70 * 1024)}
    assert_problem(await world.call("POST", "/api/plans", json=huge), 413, "body_too_large")


async def test_authorisation_comes_before_validation(world: World) -> None:
    # A CSO member sending a broken body to a Secretariat route learns only that it is not
    # theirs, whatever they sent; the Secretariat learns what is wrong with the body.
    broken = {"title": 12}
    assert_problem(await world.call("POST", "/api/plans", "cso_member", json=broken), 403,
                   "forbidden")
    assert_problem(await world.call("POST", "/api/plans", "anonymous", json=broken), 401,
                   "not_signed_in")
    assert (await world.call("POST", "/api/plans", json=broken)).status_code == 422
