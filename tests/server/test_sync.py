"""Two people edit one document over real websockets; everything they see is in the log."""

from __future__ import annotations

from live_helpers import LiveServer, TokenFactory, YClient, eventually

from events.catalog import CRDT_UPDATE


async def test_two_clients_converge_and_every_edit_is_logged_under_its_author(
    live: LiveServer, token: TokenFactory
) -> None:
    ayu = token("Ayu Lestari", "Transparency International Indonesia", "cso")
    budi = token("Budi Santoso", "Sekretariat OGI", "secretariat")
    async with YClient(live.url("id0121", ayu)) as a, YClient(live.url("id0121", budi)) as b:
        await a.synced.wait()
        await b.synced.wait()
        a.text += "Make social welfare data "
        await eventually(lambda: str(b.text) == "Make social welfare data ")
        b.text += "more transparent."
        await eventually(lambda: str(a.text) == str(b.text) == (
            "Make social welfare data more transparent."))

    events = await live.state.store.read_stream("doc:id0121")
    assert [e.type for e in events] == [CRDT_UPDATE, CRDT_UPDATE]
    assert [e.actor.person_id for e in events] == ["ext:ayu-lestari", "ext:budi-santoso"]
    assert events[1].actor.org_name == "Sekretariat OGI"


async def test_a_late_joiner_gets_the_whole_document(live: LiveServer, token: TokenFactory) -> None:
    async with YClient(live.url("doc-late", token()), client_id=101) as a:
        await a.synced.wait()
        a.text += "Draft 1"
        await eventually(lambda: live.state.rooms.rooms["doc-late"].version == 1)
    async with YClient(live.url("doc-late", token("Citra", "Bappenas", "kldi"))) as c:
        await c.synced.wait()
        assert str(c.text) == "Draft 1"
