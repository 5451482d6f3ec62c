"""After Final the text is frozen; a change needs a reason and makes a new version."""

from __future__ import annotations

from process_helpers import ROLES, DocClient, World
from starlette.applications import Starlette

from events.record import RecordedEvent


async def to_final(world: World) -> None:
    while await world.stage() != "final":
        await world.advance()


async def plan_events(app: Starlette, world: World, event_type: str) -> list[RecordedEvent]:
    return [e for e in await app.state.store.read_stream(f"plan:{world.plan_id}")
            if e.type == event_type]


def revisions_path(world: World) -> str:
    return f"/api/commitments/{world.commitment_id}/revisions"


async def test_only_the_secretariat_reopens_only_after_final_and_with_a_reason(
    world: World, app: Starlette
) -> None:
    early = await world.call("POST", revisions_path(world), json={"reason": "typo"})
    assert (early.status_code, early.json()["error"]) == (409, "conflict")
    await to_final(world)
    before = (await app.state.store.head()).position
    refusals = [
        ("secretariat", {}, 422, "missing_field"),
        ("secretariat", {"reason": ""}, 422, "invalid"),
        ("secretariat", {"reason": "   "}, 422, "reason_required"),
        *((role, {"reason": "saya ingin mengubah"}, 403, "forbidden")
          for role in ROLES if role not in ("secretariat", "anonymous")),
        ("anonymous", {"reason": "x"}, 401, "not_signed_in"),
    ]
    for role, body, status, code in refusals:
        response = await world.call("POST", revisions_path(world), role, json=body)
        assert (response.status_code, response.json()["error"]) == (status, code), (role, body)
    missing = await world.call("POST", "/api/commitments/nope/revisions", json={"reason": "x"})
    assert missing.status_code == 404
    close = await world.call("POST", f"{revisions_path(world)}/2/close", json={})
    assert (close.status_code, close.json()["error"]) == (409, "revision_not_open")
    assert (await app.state.store.head()).position == before  # nothing recorded


async def test_revisions_record_versions_two_three_with_their_reasons(
    world: World, app: Starlette
) -> None:
    await to_final(world)
    frozen = await world.call("GET", f"/api/commitments/{world.commitment_id}", expect=200)
    assert (frozen.json()["version"], frozen.json()["revision"]) == (1, None)
    opened = await world.call("POST", revisions_path(world), json={
        "reason": "Kementerian mengganti nama unit pelaksana"}, expect=201)
    assert opened.json()["version"] == 1
    assert opened.json()["revision"]["version"] == 2
    assert opened.json()["revision"]["reason"] == "Kementerian mengganti nama unit pelaksana"
    assert opened.json()["can_write"] is True
    twice = await world.call("POST", revisions_path(world), json={"reason": "lagi"})
    assert (twice.status_code, twice.json()["error"]) == (409, "revision_open")
    for role in ("cso_member", "kldi_member", "auditor"):
        refused = await world.call("POST", f"{revisions_path(world)}/2/close", role, json={})
        assert refused.status_code == 403, role
    wrong = await world.call("POST", f"{revisions_path(world)}/3/close", json={})
    assert (wrong.status_code, wrong.json()["error"]) == (409, "revision_not_open")
    garbled = await world.call("POST", f"{revisions_path(world)}/two/close", json={})
    assert garbled.status_code == 422
    closed = await world.call("POST", f"{revisions_path(world)}/2/close",
                              json={"summary": "Nama unit diperbarui"}, expect=200)
    assert (closed.json()["version"], closed.json()["revision"]) == (2, None)
    (recorded,) = closed.json()["revisions"]
    assert recorded["open"] is False and recorded["summary"] == "Nama unit diperbarui"
    assert recorded["closed_position"] > recorded["opened_position"]
    again = await world.call("POST", f"{revisions_path(world)}/2/close", json={})
    assert again.status_code == 409
    third = await world.call("POST", revisions_path(world), json={"reason": "Tanggal tonggak"},
                             expect=201)
    assert third.json()["revision"]["version"] == 3

    opened_events = await plan_events(app, world, "commitment.revision_opened")
    assert [(e.json_payload()["version"], e.json_payload()["reason"]) for e in opened_events] \
        == [(2, "Kementerian mengganti nama unit pelaksana"), (3, "Tanggal tonggak")]
    assert all(e.actor.person_id == "admin" and e.context.stage == "final"
               for e in opened_events)
    (closed_event,) = await plan_events(app, world, "commitment.revision_closed")
    assert closed_event.json_payload()["version"] == 2
    assert closed_event.json_payload()["document_id"] == world.document_id
    other = await world.call("GET", f"/api/commitments/{world.unpublished_id}", expect=200)
    assert (other.json()["version"], other.json()["revision"]) == (1, None)


async def test_open_connections_gain_and_lose_write_access_with_the_revision(
    world: World, address: str
) -> None:
    await to_final(world)
    url = f"ws://{address}/ws/{world.document_id}?saved=1&token="
    # A refused edit stays in its editor's copy and returns with write access, so the frozen
    # attempt is made on a connection of its own.
    async with DocClient(url + str(world.tokens["cso_member"])) as frozen:
        await frozen.until(lambda: frozen.synced.is_set())
        assert not await frozen.type("beku ")
        assert "revisi" in frozen.denied[-1] and "revision" in frozen.denied[-1]
    civil = DocClient(url + str(world.tokens["cso_member"]))
    ministry = DocClient(url + str(world.tokens["kldi_member"]))
    outsider = DocClient(url + str(world.tokens["cso_other"]))
    async with civil, ministry, outsider:
        for client in (civil, ministry, outsider):
            await client.until(lambda c=client: c.synced.is_set())
        await world.call("POST", revisions_path(world), json={"reason": "Perbaikan data"},
                         expect=201)
        assert await civil.type("revisi OMS ")
        assert await ministry.type("revisi K/L ")
        assert not await outsider.type("bukan anggota ")
        assert "anggota" in outsider.denied[-1]
        await world.call("POST", f"{revisions_path(world)}/2/close", json={}, expect=200)
        assert not await civil.type("sesudah ditutup")
        assert not await ministry.type("sesudah ditutup")
    document = await world.call("GET", f"/api/commitments/{world.commitment_id}/document",
                                expect=200)
    title = document.json()["title"]
    assert "revisi OMS " in title and "revisi K/L " in title
    assert "beku" not in title and "sesudah" not in title and "bukan" not in title
