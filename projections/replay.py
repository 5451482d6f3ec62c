"""Time travel: a document's CRDT state at any global position, and its latest state.

The nearest stored state at or before the position (a periodic checkpoint, or the latest
state when it is old enough), then the log's own events after it. The log stays the truth:
a projection that lags behind only makes this read more of the log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pycrdt

from events.catalog import CRDT_UPDATE
from events.record import Actor, RecordedEvent, Stakeholder
from events.rows import FoldRow, fold_row, who_values
from events.store import EventStore
from ycodec import decode_state_vector

from .documents import DOC_PREFIX, actor_from_json
from .latest import BASE_COLUMNS, BASE_TABLES
from .storage import Storage

READ_PAGE = 1000


@dataclass(slots=True)
class DocumentAt:
    document_id: str
    doc: pycrdt.Doc[Any]
    version: int  # stream version of the last event applied (0: none)
    position: int  # global position of that event (0: none)
    bindings: dict[int, Actor]
    bound_until: int = 0  # ``bindings`` already hold every client of the events up to here

    def state(self) -> bytes:
        return self.doc.get_update()


def _bindings(raw: str) -> dict[int, Actor]:
    return {int(c): actor_from_json(a) for c, a in json.loads(raw).items()}


async def bindings_of(storage: Storage, document_id: str) -> dict[int, Actor]:
    row = await storage.fetchone("SELECT bindings FROM doc_state WHERE document_id = ?",
                                 document_id)
    return {} if row is None else _bindings(row[0])


@dataclass(slots=True)
class Replay:
    """A document at a position as plain data: the nearest stored state and the log's events
    after it, read on the event loop; ``build`` applies them, which is CPU work that a worker
    process may do (``projections.workers``): everything here pickles."""

    document_id: str
    base: bytes | None  # the stored state the events apply to (None: none)
    version: int  # its stream version, then the last event's
    position: int
    bindings: dict[int, Actor]
    bound_until: int
    # position, stream version, type, payload, and the author when the event may bring a
    # client the stored bindings cannot know (else None)
    rows: list[tuple[int, int, str, bytes, Actor | None]]

    @property
    def at(self) -> int:
        """The global position of the last event the built document holds."""
        return self.rows[-1][0] if self.rows else self.position

    @property
    def last_version(self) -> int:
        """The stream version of that event."""
        return self.rows[-1][1] if self.rows else self.version

    def build(self) -> DocumentAt:
        doc: pycrdt.Doc[Any] = pycrdt.Doc()
        if self.base is not None:
            doc.apply_update(self.base)
        result = DocumentAt(self.document_id, doc, self.version, self.position,
                            dict(self.bindings), self.bound_until)
        native = doc._doc
        transaction = native.create_transaction()
        try:
            for position, version, kind, payload, actor in self.rows:
                if kind == CRDT_UPDATE:
                    native.apply_update(transaction, payload)
                    if actor is not None:
                        _bind(result.bindings, payload, actor)
                result.version, result.position = version, position
            transaction.commit()
        finally:
            transaction.drop()
        return result


def _bind(bindings: dict[int, Actor], payload: bytes, actor: Actor) -> None:
    for client in decode_state_vector(pycrdt.get_state(payload)):
        if client not in bindings:
            bindings[client] = actor


async def read_replay(
    storage: Storage, store: EventStore, document_id: str, position: int | None = None,
) -> Replay:
    """What ``document_at`` applies, read but not applied."""
    base, base_version, at, bindings, bound_until = await _nearest(
        storage, document_id, position
    )
    version = base_version
    rows: list[tuple[int, int, str, bytes, Actor | None]] = []
    last_who: Any = None
    last_actor: Actor | None = None
    while True:
        page = await store.read_stream_rows(
            DOC_PREFIX + document_id, after_version=version, until_position=position,
            limit=READ_PAGE, who_after=bound_until,
        )
        for row in page:
            row_position, _, row_version, kind, payload, who = row[:6]
            actor = None
            if kind == CRDT_UPDATE and row_position > bound_until:
                if last_actor is None or who is not last_who:
                    last_who, last_actor = who, _actor_of(who)
                actor = last_actor
            rows.append((row_position, row_version, kind, bytes(payload), actor))
            version = row_version
        if len(page) < READ_PAGE:
            break
    return Replay(document_id, base, base_version, at, bindings, bound_until, rows)


async def _nearest(
    storage: Storage, document_id: str, position: int | None,
) -> tuple[bytes | None, int, int, dict[int, Actor], int]:
    """The nearest stored state at or before ``position`` (the latest state, else the last
    periodic checkpoint): state, its stream version and position, the stored bindings and
    the version up to which they are complete."""
    latest = await storage.fetchone(
        "SELECT stream_version, position, bindings FROM doc_state WHERE document_id = ?",
        document_id,
    )
    row: tuple[Any, ...] | None = None
    if latest is not None and (position is None or int(latest[1]) <= position):
        row = await storage.fetchone(
            f"SELECT {BASE_COLUMNS} FROM {BASE_TABLES} WHERE s.document_id = ?", document_id,
        )
    elif latest is not None and position is not None:
        row = await storage.fetchone(
            # By stream version, which grows with position: the primary key's order, so the
            # database reads one state instead of sorting all of them.
            "SELECT state, stream_version, position FROM doc_checkpoint WHERE document_id = ? "
            "AND position <= ? ORDER BY stream_version DESC LIMIT 1", document_id, position,
        )
    bindings, bound_until = ({}, 0) if latest is None else (_bindings(latest[2]), int(latest[1]))
    if row is None or row[0] is None:
        return None, 0, 0, bindings, bound_until
    return bytes(row[0]), int(row[1]), int(row[2]), bindings, bound_until


async def document_at(
    storage: Storage, store: EventStore, document_id: str, position: int | None = None,
    *, on_event: Any = None,
) -> DocumentAt:
    """The document as it stood right after global ``position`` (None: as it stands now).
    ``on_event(doc, event)`` is called after each event applied from the log.

    The nearest stored state at or before ``position`` (the latest state, else the last
    periodic checkpoint), then the log's events after it: at most ``CHECKPOINT_EVERY``."""
    base, version, at, bindings, bound_until = await _nearest(storage, document_id, position)
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    if base is not None:
        doc.apply_update(base)
    result = DocumentAt(document_id, doc, version, at, bindings, bound_until)
    await apply_log(store, result, position, on_event=on_event)
    return result


async def read_events(
    store: EventStore, document_id: str, after_version: int, position: int | None,
) -> list[RecordedEvent]:
    """The document's events after ``after_version`` up to global ``position`` (None: all),
    for a worker that replays them one by one (``projections.heavy``)."""
    out: list[RecordedEvent] = []
    while True:
        page = await store.read_stream(DOC_PREFIX + document_id, after_version=after_version,
                                       limit=READ_PAGE)
        if position is not None and page and page[-1].position > position:
            out.extend(event for event in page if event.position <= position)
            return out
        out.extend(page)
        if len(page) < READ_PAGE:
            return out
        after_version = page[-1].stream_version


async def apply_log(
    store: EventStore, target: DocumentAt, position: int | None, *, on_event: Any = None,
) -> None:
    """Apply the document's events after ``target.version`` up to ``position``.

    Without ``on_event`` the log is read as plain rows and each page goes in as one
    transaction: the same state, without an object and a transaction cleanup per keystroke."""
    stream = DOC_PREFIX + target.document_id
    if on_event is None:
        native = target.doc._doc  # pycrdt's wrapper costs as much as each small update
        while True:
            rows = await store.read_stream_rows(
                stream, after_version=target.version, until_position=position, limit=READ_PAGE,
                who_after=target.bound_until,
            )
            transaction = native.create_transaction()
            apply_update = partial(native.apply_update, transaction)
            try:
                for row in rows:
                    _apply_row(target, row, apply_update)
                transaction.commit()
            finally:
                transaction.drop()
            if len(rows) < READ_PAGE:
                return
    while True:
        page = await store.read_stream(stream, after_version=target.version, limit=READ_PAGE)
        complete = len(page) < READ_PAGE
        if position is not None and page and page[-1].position > position:
            page = [event for event in page if event.position <= position]
            complete = True
        for event in page:
            _apply_row(target, fold_row(event), target.doc.apply_update)
            on_event(target.doc, event)
        if complete:
            return


def _apply_row(target: DocumentAt, row: FoldRow, apply_update: Callable[[bytes], Any]) -> None:
    position, _, version, kind, payload, who = row[:6]
    if kind == CRDT_UPDATE:
        apply_update(payload)
        if position > target.bound_until:  # a client the stored bindings cannot know
            bindings = target.bindings
            for client in decode_state_vector(pycrdt.get_state(payload)):
                if client not in bindings:
                    bindings[client] = _actor_of(who)
    target.version = version
    target.position = position


def _actor_of(who: Any) -> Actor:
    person_id, name, org_id, org_name, stakeholder = who_values(who)[:5]
    return Actor(person_id, name, org_id, org_name, Stakeholder(stakeholder))


async def load_document(
    storage: Storage, store: EventStore, document_id: str
) -> tuple[bytes, int, int]:
    """The latest state of a document for the live server: (Yjs v1 state, stream version,
    global position). Exact even when the projections lag: the log's tail is applied."""
    current = await document_at(storage, store, document_id)
    return current.state(), current.version, current.position
