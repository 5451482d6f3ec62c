"""The permission table of domain.md, exercised through the real HTTP API and websocket.

Every stage x stakeholder type x working-group membership x action (read, write text, give
input, respond, advance the stage). The expected answers are written out here from the
domain's table, independently of ``process.permissions``.
"""

from __future__ import annotations

from process_helpers import ROLES, DocClient, World, serving
from starlette.applications import Starlette

from kokreasi.app import create_app
from kokreasi.settings import Settings
from server.limits import Limits

STAGES = ("setup", "draft1", "draft2", "draft3", "draft4", "final")
EARLY_AUTHORS = {"secretariat", "cso_member"}
LATE_AUTHORS = {"secretariat", "cso_member", "kldi_member"}
WRITERS: dict[str, set[str]] = {
    "setup": set(), "draft1": EARLY_AUTHORS, "draft2": EARLY_AUTHORS,
    "draft3": LATE_AUTHORS, "draft4": LATE_AUTHORS, "final": set(),
    # After Final, a commitment the Secretariat reopened (with a reason) for a revision:
    # written by the authors of Draft 4 until the revision is closed.
    "final, revision open": LATE_AUTHORS,
}
RESPONDERS = {"secretariat", "cso_member", "kldi_member"}
NOT_SIGNED_IN = 401


def ws_url(address: str, world: World, role: str, document_id: str) -> str:
    return f"ws://{address}/ws/{document_id}?token={world.tokens[role]}&saved=1"


async def check_reading(world: World, stage: str) -> None:
    for role in ROLES:
        published = await world.call("GET", f"/api/commitments/{world.commitment_id}", role)
        assert published.status_code == 200, (stage, role, published.text)
        hidden = await world.call("GET", f"/api/commitments/{world.unpublished_id}", role)
        may_read_unpublished = role not in ("public", "anonymous")
        assert hidden.status_code == (200 if may_read_unpublished else 403), (stage, role)
        listed = (await world.call("GET", "/api/plans", role)).json()["plans"][0]
        assert {c["id"] for c in listed["commitments"]} == (
            {world.commitment_id, world.unpublished_id} if may_read_unpublished
            else {world.commitment_id}
        )
        assert listed["stage"] == stage


async def check_writing_over_http(world: World, stage: str) -> None:
    for role in ROLES:
        view = (await world.call("GET", f"/api/commitments/{world.commitment_id}", role)).json()
        assert view["can_write"] is (role in WRITERS[stage]), (stage, role, view)
        if not view["can_write"]:
            assert " / " in view["write_refusal"]  # Indonesian / English


async def check_websocket(address: str, world: World, stage: str) -> None:
    for role in ROLES:
        if role == "anonymous":
            continue  # the live server needs a token; see test_anonymous_websocket_refused
        async with DocClient(ws_url(address, world, role, world.document_id)) as client:
            await client.until(lambda c=client: c.synced.is_set())
            saved = await client.type(f"[{role}@{stage}]")
            assert saved is (role in WRITERS[stage]), (stage, role, client.denied)
        if role == "public":
            async with DocClient(ws_url(address, world, role, world.unpublished_document_id)) as c:
                await c.until(lambda c=c: c.closed)
                assert c.close_code != 1000 and "publi" in c.close_reason


async def check_input(world: World, stage: str) -> dict[str, str]:
    created: dict[str, str] = {}
    for role in ROLES:
        response = await world.call(
            "POST", f"/api/commitments/{world.commitment_id}/inputs", role,
            json={"text": f"Masukan dari {role}", "section": "problem"},
        )
        if role == "auditor":
            expected = 403
        elif stage == "draft4":
            expected = 201
        else:
            expected = 409
        assert response.status_code == expected, (stage, role, response.text)
        if expected == 201:
            created[role] = response.json()["id"]
    hidden = await world.call("POST", f"/api/commitments/{world.unpublished_id}/inputs",
                              "public", json={"text": "Tidak terlihat"})
    assert hidden.status_code == 403
    return created


async def check_responding(world: World, stage: str, input_id: str) -> None:
    for role in ROLES:
        response = await world.call("POST", f"/api/inputs/{input_id}/responses", role, json={
            "status": "partly", "reason": f"{role} menimbang masukan ini"})
        if role == "anonymous":
            expected = NOT_SIGNED_IN
        elif role not in RESPONDERS:
            expected = 403
        else:  # also after Final: the register can be completed
            expected = 201
        assert response.status_code == expected, (stage, role, response.text)


async def check_advance_refused(world: World, stage: str) -> None:
    for role in ROLES:
        if role == "secretariat":
            continue
        response = await world.call("POST", f"/api/plans/{world.plan_id}/advance", role,
                                    json={"from_stage": stage, "acknowledge_warnings": True})
        assert response.status_code == (NOT_SIGNED_IN if role == "anonymous" else 403), (
            stage, role)


async def test_permission_matrix(world: World, address: str, app: Starlette) -> None:
    inputs: dict[str, str] = {}
    for stage in STAGES:
        assert await world.stage() == stage
        await check_reading(world, stage)
        await check_writing_over_http(world, stage)
        await check_websocket(address, world, stage)
        inputs.update(await check_input(world, stage))
        if stage in ("draft4", "final"):
            await check_responding(world, stage, inputs["public"])
        await check_advance_refused(world, stage)
        if stage != "final":
            await world.advance()
    final = await world.call("POST", f"/api/plans/{world.plan_id}/advance",
                             json={"from_stage": "final", "acknowledge_warnings": True})
    assert final.status_code == 409
    assert set(inputs) == {r for r in ROLES if r != "auditor"}

    revision = "final, revision open"
    path = f"/api/commitments/{world.commitment_id}/revisions"
    for role in ROLES:
        if role != "secretariat":
            refused = await world.call("POST", path, role, json={"reason": "ubah"})
            assert refused.status_code == (NOT_SIGNED_IN if role == "anonymous" else 403), role
    await world.call("POST", path, json={"reason": "Koreksi nama lembaga"}, expect=201)
    await check_reading(world, "final")
    await check_writing_over_http(world, revision)
    await check_websocket(address, world, revision)
    for role in ROLES:  # only the reopened commitment thaws
        other = await world.call("GET", f"/api/commitments/{world.unpublished_id}", role)
        assert other.status_code != 200 or other.json()["can_write"] is False, role
    async with DocClient(ws_url(address, world, "secretariat",
                                world.unpublished_document_id)) as client:
        await client.until(lambda: client.synced.is_set())
        assert not await client.type("[tidak direvisi]")
    await check_input(world, "final")  # still no public input
    await check_responding(world, "final", inputs["public"])
    for role in ROLES:
        if role != "secretariat":
            refused = await world.call("POST", f"{path}/2/close", role, json={})
            assert refused.status_code == (NOT_SIGNED_IN if role == "anonymous" else 403), role
    await world.call("POST", f"{path}/2/close", json={}, expect=200)
    await check_writing_over_http(world, "final")
    await check_websocket(address, world, "final")


async def test_anonymous_websocket_refused(world: World, address: str) -> None:
    async with DocClient(f"ws://{address}/ws/{world.document_id}") as client:
        await client.until(lambda: client.closed)
    assert client.close_code != 1000


async def test_stage_advance_changes_write_access_of_open_connections(
    world: World, address: str
) -> None:
    await world.advance()  # draft1
    await world.advance()  # draft2
    ministry = DocClient(ws_url(address, world, "kldi_member", world.document_id))
    civil = DocClient(ws_url(address, world, "cso_member", world.document_id))
    async with ministry, civil:
        await ministry.until(lambda: ministry.synced.is_set())
        await civil.until(lambda: civil.synced.is_set())
        assert not await ministry.type("K/L ")
        assert "Draft 3" in ministry.denied[-1]
        await world.advance()  # draft3: ministries now co-author, on the same connection
        assert await ministry.type("Kementerian menulis ")
        assert await civil.type("OMS menulis ")
        await world.advance()  # draft4
        await world.advance()  # final: frozen at once
        assert not await civil.type("terlambat")
        assert not await ministry.type("terlambat")


async def test_deactivated_person_loses_live_access_at_once(world: World, address: str) -> None:
    await world.advance()  # draft1
    async with DocClient(ws_url(address, world, "cso_member", world.document_id)) as client:
        await client.until(lambda: client.synced.is_set())
        assert await client.type("sebelum ")
        await world.call("POST", f"/api/people/{world.people['cso_member']}/deactivate",
                         json={"reason": "left the organisation"}, expect=200)
        await client.until(lambda: client.closed)
    me = await world.call("GET", "/api/me", "cso_member")
    assert me.status_code == 401 and me.json()["error"] == "deactivated"
    assert "this account has been deactivated" in me.json()["message"]


async def test_membership_grants_write_access_live(world: World, address: str) -> None:
    await world.advance()  # draft1
    url = ws_url(address, world, "cso_other", world.document_id)
    async with DocClient(url) as client:
        await client.until(lambda: client.synced.is_set())
        assert not await client.type("belum anggota ")
        assert "Data terbuka" in client.denied[-1]
        await world.call("POST", f"/api/working-groups/{world.group_id}/members", json={
            "org_id": world.orgs["cso_other"], "criteria": {"research": "studi 2022"}},
            expect=201)
        assert await client.type("sekarang anggota")


async def test_instances_sharing_the_log_agree(
    world: World, settings: Settings, app: Starlette
) -> None:
    """A second server instance folds the same log: a stage advance made through the first
    one takes write access away from a connection held on the second."""
    for _ in range(4):
        await world.advance()  # draft4
    other = create_app(settings, limits=Limits())
    async with serving(other) as other_address:
        url = ws_url(other_address, world, "cso_member", world.document_id)
        async with DocClient(url) as client:
            await client.until(lambda: client.synced.is_set())
            assert await client.type("di instans kedua ")
            await world.advance()  # final, through the first instance
            head = (await app.state.store.head()).position
            await other.state.process_runtime.wait_for(head)
            assert not await client.type("terlambat")
