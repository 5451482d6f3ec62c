"""Losing the right to write is told to every open connection at once, before it types.

A writer who is not typing when the Secretariat advances the stage or closes a revision must
not go on looking like a writer until their next keystroke: the server sends the y-protocols
permission-denied message with the reason as soon as it folds the event, and keeps the
connection open for reading."""

from __future__ import annotations

from process_helpers import DocClient, World

from server.close_codes import CloseCode


def ws_url(address: str, world: World, role: str) -> str:
    return f"ws://{address}/ws/{world.document_id}?token={world.tokens[role]}&saved=1"


async def test_the_advance_to_final_is_told_to_a_writer_who_sends_nothing(
    world: World, address: str
) -> None:
    for _ in range(4):
        await world.advance()  # draft4: CSO members of the group write
    async with DocClient(ws_url(address, world, "cso_member")) as writer, \
            DocClient(ws_url(address, world, "cso_member")) as idle:
        await writer.until(lambda: writer.synced.is_set())
        await idle.until(lambda: idle.synced.is_set())
        assert await writer.type("sebelum Final ")
        assert idle.denied == []
        await world.advance()  # final
        # Neither sends anything: both are told, and stay connected to read.
        await idle.until(lambda: bool(idle.denied))
        await writer.until(lambda: bool(writer.denied))
        assert not idle.closed and not writer.closed
        assert idle.denied == writer.denied
        assert "The plan is final" in idle.denied[0]
        # An edit sent anyway is refused, and the client reloads the document afresh.
        assert not await writer.type("terlambat")
        assert str(writer.title).endswith("sebelum Final ")


async def test_closing_a_revision_is_told_to_its_open_writers(
    world: World, address: str
) -> None:
    for _ in range(5):
        await world.advance()  # final
    path = f"/api/commitments/{world.commitment_id}/revisions"
    await world.call("POST", path, json={"reason": "nama unit berganti"}, expect=201)
    async with DocClient(ws_url(address, world, "cso_member")) as writer:
        await writer.until(lambda: writer.synced.is_set())
        assert await writer.type("revisi ")
        await world.call("POST", f"{path}/2/close", json={"summary": "selesai"}, expect=200)
        await writer.until(lambda: bool(writer.denied))
        assert not writer.closed


async def test_a_refused_edit_closes_with_4422_and_a_reloaded_client_edits_on(
    world: World, address: str
) -> None:
    await world.advance()  # draft1: ministries read only
    await world.advance()  # draft2
    async with DocClient(ws_url(address, world, "kldi_member")) as ministry:
        await ministry.until(lambda: ministry.synced.is_set())
        assert not await ministry.type("K/L menulis ")  # refused, then reloaded afresh
        assert ministry.close_code == CloseCode.REFUSED
        assert "K/L" not in str(ministry.title)
        await world.advance()  # draft3: the reloaded copy is a writer now
        assert await ministry.type("Kementerian menulis")
        assert str(ministry.title).endswith("Kementerian menulis")
