"""A new commitment's document starts with its title and meta, seeded once by the server."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pycrdt
from process_helpers import DocClient, World, serving
from starlette.applications import Starlette

import ycodec
from events.record import RecordedEvent
from kokreasi.app import create_app
from kokreasi.settings import Settings
from server.limits import Limits


async def doc_events(app: Starlette, document_id: str) -> list[RecordedEvent]:
    events: list[RecordedEvent] = await app.state.store.read_stream(f"doc:{document_id}")
    return events


def client_ids(update: bytes) -> set[int]:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.apply_update(update)
    return set(ycodec.decode_state_vector(doc.get_state()))


async def test_new_commitment_document_holds_its_title_and_meta(
    world: World, app: Starlette
) -> None:
    created = await world.call("POST", "/api/commitments", json={
        "plan_id": world.plan_id, "working_group_id": world.group_id, "number": "7",
        "title": "Pedoman aksesibilitas digital", "start_date": "2023-01-01",
        "end_date": "2024-06-30", "lead_agency": "Kementerian Kominfo"}, expect=201)
    commitment_id, document_id = created.json()["id"], created.json()["document_id"]
    document = await world.call("GET", f"/api/commitments/{commitment_id}/document", "auditor",
                                expect=200)
    assert document.json()["title"] == "Pedoman aksesibilitas digital"
    assert document.json()["meta"] == {"number": "7", "start_date": "2023-01-01",
                                       "end_date": "2024-06-30",
                                       "lead_agency": "Kementerian Kominfo"}
    report = await world.call("GET", f"/api/commitments/{commitment_id}/validation",
                              expect=200)
    codes = {p["code"] for p in report.json()["problems"]}
    assert "missing_title" not in codes and "end_before_start" not in codes
    assert "missing_section" in codes  # the rest is for the authors to write

    (seed,) = await doc_events(app, document_id)
    assert seed.type == "crdt.update"
    assert seed.actor.person_id == "admin"  # the person who created the commitment
    assert (seed.context.plan_id, seed.context.stage) == (world.plan_id, "setup")
    recorded = [e for e in await app.state.store.read_stream(f"plan:{world.plan_id}")
                if e.type == "commitment.created"
                and e.json_payload()["commitment_id"] == commitment_id]
    assert recorded and seed.position < recorded[0].position  # nobody could edit it before

    without = await world.call("GET", f"/api/commitments/{world.commitment_id}/document",
                               expect=200)
    assert without.json()["meta"] == {"number": "1"}  # no dates given, none invented


async def test_each_seeding_uses_its_own_yjs_client_id(world: World, app: Starlette) -> None:
    """The live server binds a client id to the first person who writes with it: a shared
    id would tie every seed, and any browser that drew it, to one person."""
    seeds = []
    for document_id in (world.document_id, world.unpublished_document_id):
        (seed,) = await doc_events(app, document_id)
        seeds.append(client_ids(seed.payload))
    assert all(len(ids) == 1 for ids in seeds)
    assert seeds[0] != seeds[1]


async def test_editors_receive_the_title_and_extend_it_without_duplicating_it(
    world: World, app: Starlette, address: str
) -> None:
    await world.advance()  # draft1
    url = f"ws://{address}/ws/{world.document_id}?saved=1&token={world.tokens['cso_member']}"
    async with DocClient(url) as editor:
        await editor.until(lambda: editor.synced.is_set())
        assert str(editor.title) == "Data kesejahteraan sosial yang transparan"
        assert await editor.type(" 2023-2024")
    async with DocClient(url) as again:  # a reconnecting editor sends its state back
        await again.until(lambda: again.synced.is_set())
        assert str(again.title) == "Data kesejahteraan sosial yang transparan 2023-2024"
    document = await world.call("GET", f"/api/commitments/{world.commitment_id}/document",
                                expect=200)
    assert document.json()["title"] == "Data kesejahteraan sosial yang transparan 2023-2024"
    first, *edits = await doc_events(app, world.document_id)
    assert first.actor.person_id == "admin"
    assert {e.actor.person_id for e in edits} == {world.people["cso_member"]}
    assert not client_ids(first.payload) & set().union(*(client_ids(e.payload) for e in edits))


async def test_concurrent_creations_get_distinct_numbers_matching_their_documents(
    world: World,
) -> None:
    responses = await asyncio.gather(*(
        world.call("POST", "/api/commitments", json={
            "plan_id": world.plan_id, "working_group_id": world.group_id,
            "title": f"Komitmen {n}"}) for n in range(5)))
    assert [r.status_code for r in responses] == [201] * 5
    numbers = [r.json()["number"] for r in responses]
    assert sorted(numbers, key=int) == ["3", "4", "5", "6", "7"]
    for response in responses:
        document = await world.call(
            "GET", f"/api/commitments/{response.json()['id']}/document", expect=200)
        assert document.json()["meta"]["number"] == response.json()["number"]
        assert document.json()["title"] == response.json()["title"]


async def test_instances_creating_at_once_each_record_their_commitment(
    world: World, settings: Settings
) -> None:
    """Two instances race for the plan's stream; the loser records its commitment again
    (its document is seeded already), instead of failing or seeding twice."""
    other = create_app(settings, limits=Limits())
    async with serving(other) as other_address, \
            httpx.AsyncClient(base_url=f"http://{other_address}") as other_client:
        elsewhere = World(other_client, tokens=world.tokens)

        def create(on: World, number: int) -> Any:
            return on.call("POST", "/api/commitments", json={
                "plan_id": world.plan_id, "working_group_id": world.group_id,
                "number": str(number), "title": f"Komitmen {number}"})

        responses = await asyncio.gather(*(create(world if n % 2 else elsewhere, n)
                                           for n in range(10, 20)))
        assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
        expected = sorted(["1", "2", *(str(n) for n in range(10, 20))])
        numbers: list[str] = []
        for _ in range(50):  # this instance folds the other's last commitments a moment later
            plan = await world.call("GET", f"/api/plans/{world.plan_id}", expect=200)
            numbers = sorted(c["number"] for c in plan.json()["commitments"])
            if numbers == expected:
                break
            await asyncio.sleep(0.1)
        assert numbers == expected
        for response in responses:
            document = await world.call(
                "GET", f"/api/commitments/{response.json()['id']}/document", expect=200)
            assert document.json()["title"] == response.json()["title"]
            assert document.json()["meta"]["number"] == response.json()["number"]
