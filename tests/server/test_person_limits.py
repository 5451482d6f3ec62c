"""Per-person limits on a real server: what updates cost, presence, connections."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pycrdt
import pytest
import websockets
from live_helpers import LiveServer, TokenFactory, YClient, eventually, make_settings, serving

from identity.access import OpenPolicy
from kokreasi.app import create_app
from server import protocol
from server.awareness import Entry, encode_update
from server.close_codes import REFUSED_REASON
from server.limits import Limits


def unmergeable(count: int, client_id: int) -> bytes:
    """``count`` one-character inserts, each at the start of the text: every one is a Yjs
    struct of its own (none can merge with the one before), 8 bytes or so each."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=client_id)
    text = doc.get("text", type=pycrdt.Text)
    with doc.transaction():
        for _ in range(count):
            text.insert(0, "x")
    return doc.get_update()


@pytest.fixture
async def limited(tmp_path: Path, sqlite_url: str) -> Any:
    limits = Limits(items_per_second=100, item_burst=1000, max_update_items=900,
                    max_connections_per_person=3, presence_per_second=5, presence_burst=10)
    app = create_app(make_settings(tmp_path, sqlite_url), policy=OpenPolicy(), limits=limits)
    async with serving(app) as address:
        yield LiveServer(address, app)


async def _logged(server: LiveServer, document_id: str) -> list[str]:
    return [e.actor.person_id for e in await server.state.store.read_stream(f"doc:{document_id}")]


async def test_an_update_of_60000_unmergeable_inserts_is_refused_and_others_edit_on(
    live: LiveServer, token: TokenFactory
) -> None:
    costly = unmergeable(60_000, client_id=4242)
    assert 400_000 < len(costly) < 1024 * 1024  # within the message limit: bytes alone pass
    async with YClient(live.url("heavy", token("Mallory", "X", "cso"))) as mallory, \
            YClient(live.url("heavy", token("Ayu", "ICW", "cso"), saved=True)) as ayu:
        await asyncio.wait_for(mallory.synced.wait(), 5)
        await asyncio.wait_for(ayu.synced.wait(), 5)
        await mallory.send_raw(protocol.sync_update(costly))
        await asyncio.wait_for(mallory.closed.wait(), 10)
        # Refused for good (the client would only send it again): told why, then 4422.
        assert mallory.denied == ["pembaruan terlalu berat: lebih dari 10000 struktur Yjs / "
                                  "update too costly: over 10000 Yjs structs"]
        assert (mallory.close_code, mallory.close_reason) == (4422, REFUSED_REASON)
        ayu.text += "still here"
        await ayu.wait_saved()
    assert await _logged(live, "heavy") == ["ext:ayu"]
    assert str(ayu.text) == "still here"
    assert live.state.metrics.person_refusals.values["costly_update"] == 1


async def test_updates_that_cost_more_than_a_persons_rate_are_held_back_then_cut_off(
    limited: LiveServer, token: TokenFactory
) -> None:
    """Three tabs of one person each send 800 structs: the bucket holds 1000 and refills 100
    a second, so the first goes through, the second waits 6 s for its items, and the third
    would wait 14 s: its connection is closed instead, and its update is never logged."""
    mine = token("Mallory", "X", "cso")
    tabs = [YClient(limited.url("costs", mine)) for _ in range(3)]
    try:
        for tab in tabs:
            await tab.connect()
            await asyncio.wait_for(tab.synced.wait(), 5)
        for n, tab in enumerate(tabs):
            await tab.send_raw(protocol.sync_update(unmergeable(800, client_id=500 + n)))
        await eventually(lambda: any(tab.closed.is_set() for tab in tabs), 10)
        [cut] = [tab for tab in tabs if tab.closed.is_set()]
        assert (cut.close_code, cut.close_reason) == (
            1013, "terlalu banyak suntingan; pelan-pelan / too many edits; slow down")
        await eventually(lambda: limited.state.rooms.rooms["costs"].version == 2, 20)
        assert limited.state.metrics.person_refusals.values["edit_rate"] == 1
    finally:
        for tab in tabs:
            await tab.disconnect()
    assert await _logged(limited, "costs") == ["ext:mallory", "ext:mallory"]


async def test_a_fifth_connection_of_one_person_is_refused_at_the_handshake(
    limited: LiveServer, token: TokenFactory
) -> None:
    mine = token("Ayu", "ICW", "cso")
    clients = [YClient(limited.url(f"tab{n}", mine)) for n in range(4)]
    try:
        for client in clients[:3]:
            await client.connect()
            await asyncio.wait_for(client.synced.wait(), 5)
        await clients[3].connect()
        await asyncio.wait_for(clients[3].closed.wait(), 5)
        assert (clients[3].close_code, clients[3].close_reason) == (
            1013, "terlalu banyak koneksi terbuka (maks. 3) / "
                  "too many open connections for one person (max 3)")
        async with YClient(limited.url("tab0", token("Budi", "ICW", "cso"))) as budi:
            await asyncio.wait_for(budi.synced.wait(), 5)  # someone else is not counted
        await clients[0].disconnect()
        await eventually(lambda: len(limited.state.connections) == 2)
        again = YClient(limited.url("tab0", mine))
        clients.append(again)
        await again.connect()
        await asyncio.wait_for(again.synced.wait(), 5)  # one closed: room for another
    finally:
        for client in clients:
            await client.disconnect()


async def test_an_oversized_presence_message_closes_the_connection_and_reaches_nobody(
    limited: LiveServer, token: TokenFactory
) -> None:
    url = limited.url("presence", token("Mallory", "X", "cso"))
    async with YClient(url) as mallory, \
            YClient(limited.url("presence", token("Ayu", "ICW", "cso"))) as ayu:
        await asyncio.wait_for(mallory.synced.wait(), 5)
        await asyncio.wait_for(ayu.synced.wait(), 5)
        big = json.dumps({"cursor": "x" * 100_000})
        await mallory.send_awareness(mallory.doc.client_id, 1, big)
        await asyncio.wait_for(mallory.closed.wait(), 5)
        assert (mallory.close_code, mallory.close_reason) == (
            1009, "status kehadiran lebih dari 8192 bita / "
                  "presence message over the 8192-byte limit")
        await ayu.send_awareness(ayu.doc.client_id, 1, json.dumps({"cursor": 1}))
        await eventually(lambda: ayu.doc.client_id in ayu.awareness)
        assert mallory.doc.client_id not in ayu.awareness


async def test_a_presence_flood_is_not_relayed_and_then_cut_off(
    limited: LiveServer, token: TokenFactory
) -> None:
    async with YClient(limited.url("cursors", token("Ayu", "ICW", "cso"))) as ayu:
        await asyncio.wait_for(ayu.synced.wait(), 5)
        flood = await websockets.connect(
            limited.url("cursors", token("Mallory", "X", "cso")), open_timeout=5)
        me = 31337
        try:
            for clock in range(1, 2001):
                state = json.dumps({"cursor": clock})
                await flood.send(protocol.awareness(encode_update([Entry(me, clock, state)])))
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(flood.recv(), 10)
            assert flood.close_code == 1013
            assert flood.close_reason == ("terlalu banyak pesan kehadiran / "
                                          "too many presence messages")
        finally:
            await flood.close()
        # Ayu saw at most the burst and what the rate refilled, not 2000 states.
        relayed = [m for m in ayu.received if isinstance(m, protocol.AwarenessMessage)]
        assert len(relayed) < 100
        dropped = limited.state.metrics.person_refusals.values["presence_dropped"]
        assert dropped > 0


async def test_refused_costly_updates_spend_the_persons_budget_so_reconnecting_buys_none(
    tmp_path: Path, sqlite_url: str, token: TokenFactory
) -> None:
    """Walking an update to its limit costs the server the limit's worth: charged to the
    sender, whose next connection is refused once the debt is deeper than can be waited."""
    limits = Limits(items_per_second=10, item_burst=1000, max_update_items=900)
    app = create_app(make_settings(tmp_path, sqlite_url), policy=OpenPolicy(), limits=limits)
    async with serving(app) as address:
        server = LiveServer(address, app)
        mine = token("Mallory", "X", "cso")
        costly = protocol.sync_update(unmergeable(950, client_id=77))
        closes = []
        for _ in range(3):
            async with YClient(server.url("walks", mine)) as mallory:
                with contextlib.suppress(websockets.ConnectionClosed):  # refused at once
                    await mallory.send_raw(costly)
                await asyncio.wait_for(mallory.closed.wait(), 5)
                closes.append((mallory.close_code, mallory.close_reason))
        assert closes[:2] == [(4422, REFUSED_REASON)] * 2
        assert closes[2] == (1013, "terlalu banyak suntingan; pelan-pelan / "
                                   "too many edits; slow down")
        async with YClient(server.url("walks", token("Ayu", "ICW", "cso"))) as ayu:
            await asyncio.wait_for(ayu.synced.wait(), 5)  # others are not charged
