"""The process API: bad requests change nothing, privacy, sessions, invitations, OpenAPI."""

from __future__ import annotations

import time
from typing import Any

import httpx
from process_helpers import ADMIN_TOKEN, SECRET, DocClient, World, bearer
from starlette.applications import Starlette
from starlette.routing import Route

from events.record import RecordedEvent
from process.api import routes
from process.invitations import read_invitation, sign_invitation
from process.ratelimit import Limits, RateLimiter


async def head(app: Starlette) -> int:
    return int((await app.state.store.head()).position)


async def log_tail(app: Starlette, after: int) -> list[RecordedEvent]:
    events: list[RecordedEvent] = await app.state.store.read_all(after_position=after)
    return events


async def to_draft4(world: World) -> None:
    for _ in range(4):
        await world.advance()


BAD_REQUESTS: list[tuple[str, str, str, Any, int, str]] = [
    # method, path template, role, body, status, error code
    ("POST", "/api/plans/nope/advance", "secretariat", {"from_stage": "setup"}, 404, "not_found"),
    ("POST", "/api/plans", "secretariat", {"title": 5}, 422, "wrong_type"),
    ("POST", "/api/plans", "secretariat", {"title": "x", "colour": "red"}, 422, "unknown_field"),
    ("POST", "/api/plans", "secretariat", {}, 422, "missing_field"),
    ("POST", "/api/plans", "cso_member", {"title": "Rencana saya"}, 403, "forbidden"),
    ("POST", "/api/plans", "anonymous", {"title": "Rencana saya"}, 401, "not_signed_in"),
    ("POST", "/api/plans/{plan}/advance", "secretariat", {"from_stage": "draft3"}, 409,
     "stage_moved"),
    ("POST", "/api/plans/{plan}/advance", "secretariat", {"from_stage": "later"}, 422,
     "invalid"),
    ("POST", "/api/organisations", "secretariat", {"name": "X", "stakeholder": "robot"}, 422,
     "invalid"),
    ("POST", "/api/people", "secretariat", {"name": "X", "org_id": "nope"}, 404, "not_found"),
    ("POST", "/api/working-groups/{group}/members", "secretariat",
     {"org_id": "{public_org}", "criteria": {"focus": "x"}}, 422, "invalid"),
    ("POST", "/api/working-groups/{group}/members", "secretariat",
     {"org_id": "{cso_org}", "criteria": {}}, 422, "invalid"),
    ("POST", "/api/working-groups/{group}/members", "secretariat",
     {"org_id": "{cso_org}", "criteria": {"luck": "x"}}, 422, "unknown_field"),
    ("POST", "/api/commitments", "secretariat",
     {"plan_id": "{plan}", "working_group_id": "nope", "title": "x"}, 404, "not_found"),
    ("POST", "/api/commitments", "secretariat",
     {"plan_id": "{plan}", "working_group_id": "{group}", "title": "x",
      "start_date": "2024-01-01", "end_date": "2023-12-31"}, 422, "end_before_start"),
    ("POST", "/api/commitments", "secretariat",
     {"plan_id": "{plan}", "working_group_id": "{group}", "title": "x",
      "start_date": "1 Jan 2024"}, 422, "invalid"),
    ("POST", "/api/commitments", "secretariat",
     {"plan_id": "{plan}", "working_group_id": "{group}", "title": "x", "number": "1"}, 409,
     "exists"),
    ("POST", "/api/commitments", "cso_member",
     {"plan_id": "{plan}", "working_group_id": "{group}", "title": "x"}, 403, "forbidden"),
    ("POST", "/api/commitments/nope/inputs", "anonymous", {"text": "hi"}, 404, "not_found"),
    ("POST", "/api/commitments/{commitment}/inputs", "anonymous", {"text": "hi"}, 409,
     "conflict"),
    ("POST", "/api/commitments/{commitment}/inputs", "anonymous", {"text": ""}, 422, "invalid"),
    ("POST", "/api/commitments/{commitment}/inputs", "anonymous",
     {"text": "hi", "milestone": "two"}, 422, "wrong_type"),
    ("POST", "/api/sessions", "secretariat",
     {"plan_id": "{plan}", "method": "TC", "date": "12 March", "title": "x"}, 422, "invalid"),
    ("POST", "/api/sessions", "secretariat",
     {"plan_id": "{plan}", "method": "ZOOM", "date": "2024-03-12", "title": "x"}, 422,
     "invalid"),
    ("POST", "/api/sessions/nope/close", "secretariat", None, 404, "not_found"),
    ("GET", "/api/commitments/nope", "secretariat", None, 404, "not_found"),
    ("GET", "/api/people", "public", None, 403, "forbidden"),
    ("GET", "/api/me", "anonymous", None, 401, "not_signed_in"),
]


async def test_bad_requests_get_clear_errors_and_change_nothing(
    world: World, app: Starlette
) -> None:
    names = {"plan": world.plan_id, "group": world.group_id, "commitment": world.commitment_id,
             "public_org": world.orgs["public"], "cso_org": world.orgs["cso_other"]}

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**names)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    before = await head(app)
    for method, path, role, body, status, code in BAD_REQUESTS:
        response = await world.call(method, fill(path), role, json=fill(body))
        case = (method, path, role, body, response.text)
        assert response.status_code == status, case
        assert response.json()["error"] == code, case
        assert response.json()["message"], case
        assert await head(app) == before, case


async def test_malformed_json_is_refused(world: World, app: Starlette) -> None:
    before = await head(app)
    response = await world.client.post("/api/plans", content=b"{title:",
                                       headers=bearer(ADMIN_TOKEN))
    assert response.status_code == 400 and response.json()["error"] == "invalid_json"
    assert await head(app) == before


async def test_reasoned_response_needs_a_reason(world: World, app: Starlette) -> None:
    await to_draft4(world)
    given = await world.call("POST", f"/api/commitments/{world.commitment_id}/inputs",
                             "anonymous", json={"text": "Tambahkan data disabilitas"},
                             expect=201)
    before = await head(app)
    for body, code in (({"status": "accepted"}, "missing_field"),
                       ({"status": "accepted", "reason": "  "}, "reason_required"),
                       ({"status": "maybe", "reason": "r"}, "invalid"),
                       ({"status": "accepted", "reason": "r", "change_position": 10**9},
                        "invalid")):
        response = await world.call("POST", f"/api/inputs/{given.json()['id']}/responses",
                                    json=body)
        assert (response.status_code, response.json()["error"]) == (422, code), body
    assert await head(app) == before
    missing = await world.call("POST", "/api/inputs/nope/responses",
                               json={"status": "accepted", "reason": "r"})
    assert missing.status_code == 404


async def test_public_input_and_reasoned_response_register(
    world: World, app: Starlette
) -> None:
    await to_draft4(world)
    given = await world.call(
        "POST", f"/api/commitments/{world.commitment_id}/inputs", "anonymous",
        json={"text": "Sertakan data penyandang disabilitas", "section": "problem",
              "name": "Rina", "organisation": "Warga Bandung", "contact": "rina@example.org",
              "publish_name": True},
        expect=201)
    input_id = given.json()["id"]
    assert "contact" not in given.json()
    change = await head(app)  # stands for the edit the input caused
    await world.call("POST", f"/api/inputs/{input_id}/responses", "cso_member", json={
        "status": "accepted", "reason": "Ditambahkan di bagian B", "change_position": change},
        expect=201)
    for role in ("anonymous", "public", "cso_member", "auditor"):
        register = await world.call("GET", f"/api/plans/{world.plan_id}/inputs", role,
                                    expect=200)
        (item,) = register.json()["inputs"]
        assert "contact" not in item, role
        assert item["status"] == "accepted" and item["name"] == "Rina"
        assert item["responses"][0]["change_position"] == change
        assert item["responses"][0]["by"]["org_id"] == world.orgs["cso_member"]
    secretariat = await world.call("GET", f"/api/commitments/{world.commitment_id}/inputs",
                                   expect=200)
    assert secretariat.json()["inputs"][0]["contact"] == "rina@example.org"
    stored = [e for e in await log_tail(app, 0) if e.type == "input.submitted"]
    assert b"rina@example.org" not in stored[0].payload  # sealed before it enters the log


async def test_public_input_is_rate_limited(client: httpx.AsyncClient, app: Starlette) -> None:
    world = await World(client).build()
    await to_draft4(world)
    app.state.input_limiter = RateLimiter(Limits(per_client=3))
    path = f"/api/commitments/{world.commitment_id}/inputs"
    for n in range(3):
        await world.call("POST", path, "anonymous", json={"text": f"masukan {n}"}, expect=201)
    before = await head(app)
    flooded = await world.call("POST", path, "anonymous", json={"text": "lagi"})
    assert flooded.status_code == 429 and flooded.json()["error"] == "rate_limited"
    assert int(flooded.headers["retry-after"]) > 0
    assert await head(app) == before


async def test_session_tags_contributions_of_attendees(
    world: World, app: Starlette, address: str
) -> None:
    await world.advance()  # draft1
    opened = await world.call("POST", "/api/sessions", json={
        "plan_id": world.plan_id, "method": "TC", "date": "2024-03-12",
        "title": "Telekonferensi 12 Maret"}, expect=201)
    session_id = opened.json()["id"]
    await world.call("POST", f"/api/sessions/{session_id}/attendance",
                     json={"org_ids": [world.orgs["cso_member"]]}, expect=200)
    url = f"ws://{address}/ws/{world.document_id}?saved=1&token="
    async with DocClient(url + str(world.tokens["cso_member"])) as attendee, \
            DocClient(url + ADMIN_TOKEN) as absent:
        await attendee.until(lambda: attendee.synced.is_set())
        await absent.until(lambda: absent.synced.is_set())
        start = await head(app)
        assert await attendee.type("saat sesi ")
        assert await absent.type("di luar sesi ")
        await world.call("POST", f"/api/sessions/{session_id}/minutes",
                         json={"minutes": "Disepakati data terpilah"}, expect=200)
        await world.call("POST", f"/api/sessions/{session_id}/close", expect=200)
        after_close = await head(app)
        assert await attendee.type("sesudah sesi")
    updates = [e for e in await log_tail(app, start) if e.type == "crdt.update"]
    tagged = {(e.actor.person_id, e.position > after_close): e.context.session_id
              for e in updates}
    assert tagged == {
        (world.people["cso_member"], False): session_id,
        ("admin", False): None,
        (world.people["cso_member"], True): None,
    }
    assert all(e.context.plan_id == world.plan_id and e.context.stage == "draft1"
               for e in updates)
    listed = (await world.call("GET", f"/api/sessions?plan_id={world.plan_id}")).json()
    assert listed["sessions"][0]["minutes"] == "Disepakati data terpilah"
    assert listed["sessions"][0]["open"] is False


async def test_invitation_link_signs_in_with_cookie_and_sign_out_ends_the_session(
    world: World, address: str
) -> None:
    invited = await world.call("POST", "/api/people", json={
        "name": "Dewi Anggraini", "org_id": world.orgs["cso_member"]}, expect=201)
    path = invited.json()["invitation_path"]
    async with httpx.AsyncClient(base_url=f"http://{address}") as browser:
        opened = await browser.get(path, headers=BROWSER)
        assert opened.status_code == 303 and opened.headers["location"] == "/"
        cookie = opened.headers["set-cookie"].lower()
        assert "kokreasi_session=" in cookie and "httponly" in cookie
        assert "samesite=lax" in cookie
        session = browser.cookies["kokreasi_session"]
        me = await browser.get("/api/me")
        assert me.status_code == 200
        assert me.json()["name"] == "Dewi Anggraini" and me.json()["stakeholder"] == "cso"
        out = await browser.post("/api/signout", json={}, headers=same_origin(address))
        assert out.status_code == 200, out.text
        assert (await browser.get("/api/me")).status_code == 401
        # The cookie is not just cleared in this browser: the session itself has ended.
        copied = await browser.get("/api/me", headers={"cookie": f"kokreasi_session={session}"})
        assert copied.status_code == 401 and copied.json()["error"] == "session_ended"
        person_id = invited.json()["person"]["id"]
        await world.call("POST", f"/api/people/{person_id}/invitations", expect=201)
        superseded = await browser.get(path, headers=BROWSER)
        assert superseded.status_code == 303
        assert superseded.headers["location"] == "/signin?error=invalid_invitation"
        assert "set-cookie" not in superseded.headers
        assert (await browser.get("/api/me")).status_code == 401
        forged = await browser.get("/invite/forged.token.here")  # httpx sends Accept: */*
        assert forged.headers["location"] == "/signin?error=invalid_invitation"


def same_origin(address: str) -> dict[str, str]:
    """What a browser sends with a fetch from a page of the app itself."""
    return {"origin": f"http://{address}", "sec-fetch-site": "same-origin"}


# A browser opening a link from another application (a mail client) or the address bar.
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           "sec-fetch-site": "none"}
API = {"accept": "application/json"}


async def test_broken_invitation_links_say_why_to_browsers_and_to_api_clients(
    world: World, address: str
) -> None:
    invited = await world.call("POST", "/api/people", json={
        "name": "Rina Kusuma", "org_id": world.orgs["cso_member"]}, expect=201)
    token = invited.json()["invitation_path"].removeprefix("/invite/")
    current = read_invitation(SECRET, token)
    expired = sign_invitation(SECRET, current.person_id, current.invitation_id,
                              now=time.time() - 30 * 24 * 3600)
    deactivated = await world.call("POST", "/api/people", json={
        "name": "Budi Santoso", "org_id": world.orgs["cso_member"]}, expect=201)
    await world.call("POST", f"/api/people/{deactivated.json()['person']['id']}/deactivate",
                     json={}, expect=200)
    cases = {
        expired: "expired_invitation",
        "inv1.Zm9yZ2Vk.c2lnbmF0dXJl": "invalid_invitation",
        "not-a-token": "invalid_invitation",
        deactivated.json()["invitation_path"].removeprefix("/invite/"): "invalid_invitation",
    }
    async with httpx.AsyncClient(base_url=f"http://{address}") as browser:
        for link, reason in cases.items():
            page = await browser.get(f"/invite/{link}", headers=BROWSER)
            assert page.status_code == 303, (link, page.text)
            assert page.headers["location"] == f"/signin?error={reason}"
            assert "set-cookie" not in page.headers
            api = await browser.get(f"/invite/{link}", headers=API)
            assert api.status_code == 400 and api.json()["error"] == reason, api.text
            assert " / " in api.json()["message"]  # Indonesian / English
        assert (await browser.get("/api/me")).status_code == 401
        good = await browser.get(f"/invite/{token}", headers=API)
        assert good.status_code == 303 and good.headers["location"] == "/"


async def test_stage_advance_shows_checklist_and_records_acknowledged_warnings(
    world: World, app: Starlette
) -> None:
    await world.advance()  # draft1: documents with only a title fail the other rules
    checklist = await world.call("GET", f"/api/plans/{world.plan_id}/checklist", expect=200)
    assert checklist.json()["to"] == "draft2"
    codes = {w["code"] for w in checklist.json()["warnings"]}
    assert {"missing_section", "no_ogp_value"} <= codes
    assert "missing_title" not in codes  # the server seeded each title
    refused = await world.call("POST", f"/api/plans/{world.plan_id}/advance",
                               json={"from_stage": "draft1"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "checklist_not_acknowledged"
    await world.advance()
    advanced = [e for e in await log_tail(app, 0) if e.type == "plan.stage_advanced"][-1]
    payload = advanced.json_payload()
    assert (payload["from"], payload["to"]) == ("draft1", "draft2")
    assert payload["warnings"] == checklist.json()["warnings"]
    assert (await world.call("GET", f"/api/plans/{world.plan_id}/checklist",
                             "cso_member")).status_code == 403


async def test_each_stage_advance_signs_a_checkpoint_of_the_log(
    world: World, app: Starlette
) -> None:
    await world.advance()
    events = await log_tail(app, 0)
    advanced = [e for e in events if e.type == "plan.stage_advanced"][-1]
    checkpoints = [e for e in events if e.type == "audit.checkpoint"]
    assert checkpoints, "a stage advance must leave a signed checkpoint in the log"
    signed = checkpoints[-1]
    assert signed.position > advanced.position
    assert signed.json_payload()["tree_size"] == signed.position - 1
    assert (signed.context.plan_id, signed.context.stage) == (world.plan_id, "draft1")


async def test_openapi_lists_every_route(client: httpx.AsyncClient, app: Starlette) -> None:
    document = (await client.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    listed = {(path, method.upper()) for path, ops in document["paths"].items()
              for method in ops}
    served = {(route.path, method) for route in routes() if isinstance(route, Route)
              for method in route.methods or () if method != "HEAD"}
    assert len(served) > 30 and served <= listed
    plans = document["paths"]["/api/plans"]["get"]["responses"]["200"]
    assert plans["content"]["application/json"]["schema"]["$ref"].endswith("PlanList")
    commitment = document["components"]["schemas"]["Commitment"]
    assert {"id", "number", "title", "document_id"} <= set(commitment["required"])


async def test_template_tells_editors_the_layout_and_guidance(client: httpx.AsyncClient) -> None:
    template = (await client.get("/api/template")).json()
    assert template["roots"]["problem"] == "Y.XmlFragment"
    assert template["roots"]["title"] == "Y.Text"
    assert [s["letter"] for s in template["sections"]] == list("ABCDEFG")
    assert template["sections"][1]["question_en"].startswith("What public problem")
    assert template["max_milestones"] == 5


async def test_contacts_of_people_only_for_the_secretariat(world: World) -> None:
    people = (await world.call("GET", "/api/people", expect=200)).json()["people"]
    by_id = {p["id"]: p for p in people}
    assert by_id[world.people["cso_member"]]["contact"] == "cso_member@example.org"
    for role in ("cso_member", "kldi_other", "auditor"):
        seen = (await world.call("GET", "/api/people", role, expect=200)).json()["people"]
        assert all("contact" not in p for p in seen), role
