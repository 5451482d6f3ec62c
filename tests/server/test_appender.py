"""The room's append loop (``server.appender``) when an append fails: what reaches the log, in
which order, what the clients are shown and who is closed.

These drive a ``Room`` and its loop directly, without a server, over a real SQLite log. The
store is wrapped only to hold appends at a gate and to fail the next ones with a given error,
which a healthy disk will not do on request; the other failures (a guard that moved on,
another instance's edit in between) are made for real by appending to the log directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pycrdt
import pytest
from live_helpers import eventually

import events
import ycodec
from events.catalog import CRDT_UPDATE
from events.errors import InvalidEventError, StoreUnavailable
from events.record import Actor, NewEvent, Stakeholder
from events.store import ANY_VERSION, EventStore
from identity.access import DocumentAccess, Principal
from server import protocol
from server.appender import APPEND_RETRIES, MAX_IN_FLIGHT
from server.close_codes import CloseCode
from server.limits import Limits
from server.loading import load_document
from server.metrics import Metrics
from server.rooms import Room, RoomServices

OTHER = Actor("person-other", "Other", "org-2", "Org 2", Stakeholder.CSO)


class FailingStore:
    """The real store; appends wait at ``gate`` (open unless ``held``), and the next
    ``len(failures)`` of them raise those errors instead of reaching the log."""

    def __init__(self, store: EventStore, *failures: Exception, held: bool = False) -> None:
        self._store = store
        self.failures = list(failures)
        self.gate = asyncio.Event()
        if not held:
            self.gate.set()
        self.attempts = 0
        self.max_payload = store.max_payload

    async def append(self, stream_id: str, events: Sequence[NewEvent], *,
                     expected_version: int | None = ANY_VERSION,
                     guard: Mapping[str, int] | None = None) -> list[int]:
        self.attempts += 1
        await self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        return await self._store.append(stream_id, events, expected_version=expected_version,
                                        guard=guard)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class Recorder:
    """A connection that keeps what the room sends it."""

    def __init__(self, name: str, access: DocumentAccess | None = None) -> None:
        actor = Actor(f"person-{name}", name, "org-1", "Org", Stakeholder.CSO)
        self.principal = Principal(actor)
        self.access = access or DocumentAccess(True, True)
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

    def messages(self) -> list[protocol.Message]:
        return [protocol.decode(frame) for frame in self.frames]

    def updates(self) -> list[bytes]:
        return [m.update for m in self.messages() if isinstance(m, protocol.SyncUpdate)]

    def saved(self) -> dict[int, int]:
        """The last saved state the room acknowledged."""
        found = [m for m in self.messages() if isinstance(m, protocol.Saved)]
        return ycodec.decode_state_vector(found[-1].state_vector) if found else {}

    def denied(self) -> list[str]:
        return [m.reason for m in self.messages() if isinstance(m, protocol.PermissionDenied)]


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[EventStore]:
    opened = await events.open_store(sqlite_url, group_commit_wait_ms=0)
    yield opened
    await opened.close()


def typed(text: str, client_id: int = 7, doc: pycrdt.Doc[Any] | None = None) -> list[bytes]:
    """One update per character, as a person types them at the end of the text."""
    doc = doc if doc is not None else pycrdt.Doc(client_id=client_id)
    field = doc.get("text", type=pycrdt.Text)
    updates = []
    for char in text:
        before = doc.get_state()
        field += char
        updates.append(doc.get_update(before))
    return updates


async def open_room(store: Any, document_id: str, *, pipelined: bool = True,
                    decide_again: Any = None) -> Room:
    services = RoomServices(
        store=store, metrics=Metrics(), limits=Limits(),
        instance_id="test", publish=lambda document_id, message: None,
        max_in_flight=MAX_IN_FLIGHT if pipelined else 1, decide_again=decide_again,
    )
    return Room(document_id, await load_document(store, document_id, None), services)


async def send(room: Room, writer: Recorder, updates: list[bytes]) -> None:
    for update in updates:
        room.receive(writer, protocol.decode(protocol.sync_update(update)))
        await asyncio.sleep(0.01)  # the room submits it before the next arrives


async def logged(store: EventStore, document_id: str) -> list[bytes]:
    return [event.payload for event in await store.read_stream(f"doc:{document_id}")]


def text_of(updates: list[bytes]) -> str:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    text = doc.get("text", type=pycrdt.Text)
    for update in updates:
        doc.apply_update(update)
    return str(text)


def builds_in_order(updates: list[bytes]) -> bool:
    """Whether each update only builds on the ones before it (none waits for a later one)."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.get("text", type=pycrdt.Text)
    for update in updates:
        before = doc.get_state()
        doc.apply_update(update)
        if doc.get_state() == before:
            return False
    return True


async def test_edits_made_during_a_resend_are_logged_after_it(store: EventStore) -> None:
    failing = FailingStore(store, StoreUnavailable("disk unplugged"), held=True)
    room = await open_room(failing, "resend")
    writer, reader = Recorder("writer"), Recorder("reader")
    room.join(writer)
    room.join(reader)
    updates = typed("abcd")
    await send(room, writer, updates[:2])
    assert failing.attempts == 2
    failing.gate.set()  # "a" fails, "b" expected a version "a" never reached
    await send(room, writer, updates[2:])  # typed while the room resends
    await eventually(lambda: room.version == 4, 5)
    log = await logged(store, "resend")
    assert builds_in_order(log) and text_of(log) == "abcd"
    assert builds_in_order(reader.updates()) and text_of(reader.updates()) == "abcd"
    assert writer.closed_with is None
    assert writer.saved() == {7: 4}
    await room.stop()


async def test_a_resend_goes_alone_and_what_was_typed_meanwhile_follows_it(
    store: EventStore,
) -> None:
    failing = FailingStore(store, StoreUnavailable("disk unplugged"), held=True)
    room = await open_room(failing, "alone")
    writer = Recorder("writer")
    room.join(writer)
    updates = typed("abc")
    await send(room, writer, updates[:2])
    failing.gate.set()  # "a" fails and "b" with it; the resend waits out a back-off
    await asyncio.sleep(0.05)
    failing.gate.clear()
    await send(room, writer, updates[2:])
    await eventually(lambda: failing.attempts == 3, 5)  # the resend of "a" and "b"
    await asyncio.sleep(0.05)
    assert failing.attempts == 3, "nothing else is sent while the resend is in flight"
    failing.gate.set()
    await eventually(lambda: room.version == 3, 5)
    log = await logged(store, "alone")
    assert builds_in_order(log) and text_of(log) == "abc"
    assert failing.attempts == 4
    await room.stop()


async def test_the_log_failing_past_the_retries_closes_the_writers_and_shows_nothing(
    store: EventStore,
) -> None:
    down = [StoreUnavailable("database down") for _ in range(1 + APPEND_RETRIES)]
    failing = FailingStore(store, *down)
    room = await open_room(failing, "down")
    writer, reader = Recorder("writer"), Recorder("reader")
    room.join(writer)
    room.join(reader)
    await send(room, writer, typed("a"))
    await eventually(lambda: writer.closed_with is not None, 10)
    assert writer.closed_with == (
        CloseCode.UNAVAILABLE, "the log is unavailable; reconnect to resend your edits")
    assert failing.attempts == 1 + APPEND_RETRIES
    assert await logged(store, "down") == []
    assert reader.updates() == [] and room.version == 0
    assert writer.saved() == {}
    await room.stop()


async def test_an_edit_the_log_refuses_closes_its_writer_and_is_not_resent(
    store: EventStore,
) -> None:
    failing = FailingStore(store, InvalidEventError("no such event type"))
    room = await open_room(failing, "refused")
    writer, reader = Recorder("writer"), Recorder("reader")
    room.join(writer)
    room.join(reader)
    await send(room, writer, typed("a"))
    await eventually(lambda: writer.closed_with is not None)
    assert writer.closed_with == (
        CloseCode.UNAVAILABLE, "the log refused the edit: no such event type")
    assert failing.attempts == 1
    assert await logged(store, "refused") == [] and reader.updates() == []
    await room.stop()


async def test_another_instance_writing_first_makes_the_room_take_its_edit_then_resend(
    store: EventStore,
) -> None:
    failing = FailingStore(store, held=True)
    room = await open_room(failing, "shared", pipelined=False)
    writer, reader = Recorder("writer"), Recorder("reader")
    room.join(writer)
    room.join(reader)
    mine = typed("a", client_id=7)
    await send(room, writer, mine)
    theirs = typed("X", client_id=9)
    await store.append("doc:shared", [NewEvent(CRDT_UPDATE, theirs[0], OTHER)])
    failing.gate.set()  # the room expected version 0: the stream is at 1
    await eventually(lambda: room.version == 2)
    assert await logged(store, "shared") == [theirs[0], mine[0]]
    shown = reader.updates()
    assert text_of(shown[:1]) == "X"  # theirs from the catch-up, then mine
    assert text_of(shown) == text_of([theirs[0], mine[0]]) and len(shown) == 2
    assert writer.closed_with is None and writer.saved() == {7: 1}
    assert failing.attempts == 2
    await room.stop()


async def test_a_later_batch_that_got_in_after_a_gap_is_taken_from_the_log_in_its_order(
    store: EventStore,
) -> None:
    """Pipelined, the first append fails while another writer's event fills exactly the gap
    it left, so the next two commit: the room takes them from the log, resends the first,
    and the clients end with everything even though "b" and "c" came in before "a"."""
    failing = FailingStore(store, StoreUnavailable("connection reset"), held=True)
    room = await open_room(failing, "gap")
    writer, reader = Recorder("writer"), Recorder("reader")
    room.join(writer)
    room.join(reader)
    mine = typed("abc", client_id=7)
    await send(room, writer, mine)
    assert failing.attempts == 3
    theirs = typed("X", client_id=9)
    await store.append("doc:gap", [NewEvent(CRDT_UPDATE, theirs[0], OTHER)])
    failing.gate.set()
    await eventually(lambda: room.version == 4, 5)
    assert await logged(store, "gap") == [theirs[0], mine[1], mine[2], mine[0]]
    assert failing.attempts == 4  # taken from the log first: the resend expected the right version
    assert writer.closed_with is None and writer.saved() == {7: 3}
    assert text_of(reader.updates()) == text_of([theirs[0], *mine])
    assert str(room.doc.get("text", type=pycrdt.Text)) == text_of([theirs[0], *mine])
    await room.stop()


async def test_a_guard_that_moved_on_has_access_decided_again_before_anything_is_logged(
    store: EventStore,
) -> None:
    """The writer's access rests on ``plan:p`` at version 0; an event there (a stage advance)
    makes the append fail. Decided again, the writer may only read: nothing of theirs is
    logged or shown, and they are told."""
    await store.append("plan:p", [NewEvent(CRDT_UPDATE, b"\x00\x00", OTHER)])
    asked: list[str] = []

    async def decide_again(principal: Principal, document_id: str) -> DocumentAccess:
        asked.append(principal.person_id)
        return DocumentAccess(True, False, reason="the plan is final", guard={"plan:p": 1})

    room = await open_room(store, "guarded", decide_again=decide_again)
    writer = Recorder("writer", DocumentAccess(True, True, guard={"plan:p": 0}))
    reader = Recorder("reader")
    room.join(writer)
    room.join(reader)
    await send(room, writer, typed("a"))
    await eventually(lambda: writer.denied() != [])
    assert asked == ["person-writer"]
    # Told at once that it may only read, then that its edit was refused: its document holds
    # the edit, so it is closed to reload it (the web app keeps the text aside).
    assert set(writer.denied()) == {"the plan is final"}
    assert not writer.access.can_write
    assert writer.closed_with is not None and writer.closed_with[0] == CloseCode.REFUSED
    assert await logged(store, "guarded") == [] and reader.updates() == []
    await room.stop()


async def test_a_guard_that_moved_on_but_still_allows_the_edit_logs_it_once(
    store: EventStore,
) -> None:
    await store.append("plan:p", [NewEvent(CRDT_UPDATE, b"\x00\x00", OTHER)])

    async def decide_again(principal: Principal, document_id: str) -> DocumentAccess:
        return DocumentAccess(True, True, guard={"plan:p": 1})

    room = await open_room(store, "still", decide_again=decide_again)
    writer = Recorder("writer", DocumentAccess(True, True, guard={"plan:p": 0}))
    room.join(writer)
    edits = typed("ab")
    await send(room, writer, edits)
    await eventually(lambda: room.version == 2)
    assert await logged(store, "still") == edits
    assert writer.saved() == {7: 2} and writer.denied() == []
    await room.stop()
