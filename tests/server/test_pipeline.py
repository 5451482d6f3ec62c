"""Pipelined appends: several batches of a room in flight, still applied in log order.

These drive a ``Room`` directly over a real SQLite log. The store is wrapped only to hold
appends until several are in flight and to make one of them fail, which a healthy disk will
not do on request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pycrdt
import pytest
from live_helpers import eventually

import events
from events.errors import StoreUnavailable
from events.record import Actor, NewEvent, Stakeholder
from events.store import ANY_VERSION, EventStore
from identity.access import DocumentAccess, Principal
from server import protocol
from server.appender import MAX_IN_FLIGHT
from server.limits import Limits
from server.loading import load_document
from server.metrics import Metrics
from server.rooms import Room, RoomServices


class HeldStore:
    """The real store, with appends held at a gate and the first ``fail`` of them failing."""

    def __init__(self, store: EventStore, fail: int = 0) -> None:
        self._store = store
        self.gate = asyncio.Event()
        self.waiting = 0
        self._fail = fail
        self.max_payload = store.max_payload

    async def append(self, stream_id: str, events: Sequence[NewEvent], *,
                     expected_version: int | None = ANY_VERSION,
                     guard: Mapping[str, int] | None = None) -> list[int]:
        self.waiting += 1
        await self.gate.wait()
        if self._fail:
            self._fail -= 1
            raise StoreUnavailable("disk unplugged")
        return await self._store.append(stream_id, events, expected_version=expected_version,
                                        guard=guard)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class Recorder:
    """A connection that keeps what the room sends it."""

    def __init__(self, name: str) -> None:
        actor = Actor(f"person-{name}", name, "org-1", "Org", Stakeholder.CSO)
        self.principal = Principal(actor)
        self.access = DocumentAccess(True, True)
        self.wants_saved = True
        self.written_clients: set[int] = set()
        self.frames: list[bytes] = []
        self.closed_with: tuple[int, str] | None = None

    @property
    def closed(self) -> bool:
        return self.closed_with is not None

    def send(self, frame: bytes) -> None:
        self.frames.append(frame)

    def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)

    def updates(self) -> list[bytes]:
        found = []
        for frame in self.frames:
            message = protocol.decode(frame)
            if isinstance(message, protocol.SyncUpdate):
                found.append(message.update)
        return found


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[EventStore]:
    opened = await events.open_store(sqlite_url, group_commit_wait_ms=0)
    yield opened
    await opened.close()


def typed(text: str) -> list[bytes]:
    """One update per character, as a person types them, all by one Yjs client."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=7)
    doc["text"] = field = pycrdt.Text()
    updates = []
    for char in text:
        before = doc.get_state()
        field += char
        updates.append(doc.get_update(before))
    return updates


async def open_room(store: Any, document_id: str, pipelined: bool = True) -> Room:
    services = RoomServices(
        store=store, metrics=Metrics(), limits=Limits(), instance_id="test",
        publish=lambda document_id, message: None,
        max_in_flight=MAX_IN_FLIGHT if pipelined else 1,
    )
    return Room(document_id, await load_document(store, document_id, None), services)


async def submit_one_by_one(room: Room, writer: Recorder, updates: list[bytes]) -> None:
    for update in updates:
        room.receive(writer, protocol.decode(protocol.sync_update(update)))
        await asyncio.sleep(0.01)  # the room submits it before the next arrives


def replay_never_waits(updates: list[bytes]) -> str:
    """Apply updates in order, checking each one only builds on what came before it."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc["text"] = text = pycrdt.Text()
    for update in updates:
        before = doc.get_state()
        doc.apply_update(update)
        assert doc.get_state() != before, "an update arrived before what it builds on"
    return str(text)


async def test_batches_in_flight_land_in_order_and_nothing_shows_before_the_log(
    store: EventStore,
) -> None:
    held = HeldStore(store)
    room = await open_room(held, "pipelined")
    writer, reader = Recorder("writer"), Recorder("reader")
    room.join(writer)
    room.join(reader)
    await submit_one_by_one(room, writer, typed("abc"))
    assert held.waiting == 3  # three appends in flight at once
    assert reader.updates() == []  # none committed, none shown
    held.gate.set()
    await eventually(lambda: room.version == 3)
    logged = [e.payload for e in await store.read_stream("doc:pipelined")]
    assert replay_never_waits(logged) == "abc"
    assert replay_never_waits(reader.updates()) == "abc"
    assert writer.written_clients == {7}
    await room.stop()


async def test_a_failed_append_lets_no_later_batch_in_first(store: EventStore) -> None:
    held = HeldStore(store, fail=1)
    room = await open_room(held, "flaky")
    writer, reader = Recorder("writer"), Recorder("reader")
    room.join(writer)
    room.join(reader)
    await submit_one_by_one(room, writer, typed("abcd"))
    assert held.waiting == 4
    held.gate.set()  # the first fails; the later ones expected versions it never reached
    await eventually(lambda: room.version == 4, 5)
    logged = [e.payload for e in await store.read_stream("doc:flaky")]
    assert replay_never_waits(logged) == "abcd"
    assert replay_never_waits(reader.updates()) == "abcd"
    assert writer.closed_with is None  # the retry got it in; nobody had to reconnect
    await room.stop()


async def test_one_append_at_a_time_when_other_instances_may_write(store: EventStore) -> None:
    held = HeldStore(store)
    room = await open_room(held, "shared", pipelined=False)
    writer = Recorder("writer")
    room.join(writer)
    await submit_one_by_one(room, writer, typed("xyz"))
    assert held.waiting == 1  # the rest waits for the first commit
    held.gate.set()
    await eventually(lambda: room.version == 3)
    logged = [e.payload for e in await store.read_stream("doc:shared")]
    assert replay_never_waits(logged) == "xyz"
    await room.stop()


async def test_the_room_knows_its_deletions_without_rereading_the_document(
    store: EventStore,
) -> None:
    room = await open_room(store, "deleting")
    writer, reader = Recorder("writer"), Recorder("reader")
    room.join(writer)
    room.join(reader)
    doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=7)
    doc["text"] = text = pycrdt.Text()
    edits: list[bytes] = []

    def edit(change: Any) -> None:
        before = doc.get_state()
        change()
        edits.append(doc.get_update(before))

    edit(lambda: text.insert(0, "abcd"))
    edit(lambda: text.__delitem__(1))  # "acd": a deletion only
    edit(lambda: text.__delitem__(2))  # "ac": another one
    first_deletion = edits[1]
    edits.append(first_deletion)  # a repeat (a resync): nothing new, not logged
    await submit_one_by_one(room, writer, edits)
    await eventually(lambda: room.version == 3)
    await asyncio.sleep(0.05)  # the repeat has had its turn
    logged = [e.payload for e in await store.read_stream("doc:deleting")]
    assert len(logged) == 3
    assert replay_never_waits(logged[:1]) == "abcd"
    final: pycrdt.Doc[Any] = pycrdt.Doc()
    final["text"] = final_text = pycrdt.Text()
    for update in reader.updates():
        final.apply_update(update)
    assert str(final_text) == str(text) == "ac"
    await room.stop()
