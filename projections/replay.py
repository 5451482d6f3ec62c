"""Time travel: a document's CRDT state at any global position, and its latest state.

The nearest stored state at or before the position (a periodic checkpoint, or the latest
state when it is old enough), then the log's own events after it. The log stays the truth:
a projection that lags behind only makes this read more of the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pycrdt

from events.catalog import CRDT_UPDATE
from events.record import Actor, RecordedEvent, format_timestamp
from events.store import EventStore

from .documents import DOC_PREFIX, actor_from_json
from .storage import Storage
from .ycodec import decode_state_vector

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


async def document_at(
    storage: Storage, store: EventStore, document_id: str, position: int | None = None,
    *, on_event: Any = None,
) -> DocumentAt:
    """The document as it stood right after global ``position`` (None: as it stands now).
    ``on_event(doc, event)`` is called after each event applied from the log.

    The nearest stored state at or before ``position`` (the latest state, else the last
    periodic checkpoint), then the log's events after it: at most ``CHECKPOINT_EVERY``."""
    # One round trip for what decides the rest, including the stream version at
    # ``position``, so the log is read no further than needed (each round trip is a thread
    # hand-off, and those are what a loaded machine delays).
    latest = await storage.fetchone(
        "SELECT stream_version, position, bindings, (SELECT e.stream_version FROM doc_event e "
        "WHERE e.document_id = ? AND e.position <= ? ORDER BY e.position DESC LIMIT 1) "
        "FROM doc_state WHERE document_id = ?",
        document_id, position if position is not None else 0, document_id,
    )
    row: tuple[Any, ...] | None = None
    known_version = 0
    if latest is not None and (position is None or int(latest[1]) <= position):
        row = await storage.fetchone(
            "SELECT state, stream_version, position FROM doc_state WHERE document_id = ?",
            document_id,
        )
    elif latest is not None and position is not None:
        row = await storage.fetchone(
            # By stream version, which grows with position: the primary key's order, so the
            # database reads one state instead of sorting all of them.
            "SELECT state, stream_version, position FROM doc_checkpoint WHERE document_id = ? "
            "AND position <= ? ORDER BY stream_version DESC LIMIT 1", document_id, position,
        )
        known_version = int(latest[3]) if latest[3] is not None else 0
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    version = at = 0
    if row is not None:
        doc.apply_update(bytes(row[0]))
        version, at = int(row[1]), int(row[2])
    bindings, bound_until = ({}, 0) if latest is None else (_bindings(latest[2]), int(latest[1]))
    result = DocumentAt(document_id, doc, version, at, bindings, bound_until)
    await apply_log(store, result, position, on_event=on_event, known_version=known_version)
    return result


async def apply_log(
    store: EventStore, target: DocumentAt, position: int | None, *, on_event: Any = None,
    known_version: int = 0,
) -> None:
    """Apply the document's events after ``target.version`` up to ``position``.
    ``known_version``: the stream version at ``position`` if known, to read no further.

    Without ``on_event`` each page goes in as one transaction: the same state, without
    the cost of a transaction (and its cleanup) per keystroke."""
    stream = DOC_PREFIX + target.document_id
    while True:
        wanted = known_version - target.version
        limit = wanted if 0 < wanted < READ_PAGE else READ_PAGE
        page = await store.read_stream(stream, after_version=target.version, limit=limit)
        if position is not None and page and page[-1].position > position:
            page = [event for event in page if event.position <= position]
            limit = len(page) + 1  # nothing after this page is wanted
        if on_event is None:
            with target.doc.transaction():
                for event in page:
                    _apply(target, event)
        else:
            for event in page:
                _apply(target, event)
                on_event(target.doc, event)
        if len(page) < limit:
            return


def _apply(target: DocumentAt, event: RecordedEvent) -> None:
    if event.type == CRDT_UPDATE:
        target.doc.apply_update(event.payload)
        if event.position > target.bound_until:  # a client the stored bindings cannot know
            for client in decode_state_vector(pycrdt.get_state(event.payload)):
                target.bindings.setdefault(client, event.actor)
    target.version = event.stream_version
    target.position = event.position


async def position_at_time(storage: Storage, document_id: str, moment: datetime) -> int:
    """The position of the document's last event recorded at or before ``moment``."""
    row = await storage.fetchone(
        "SELECT position FROM doc_event WHERE document_id = ? AND recorded_at <= ? "
        "ORDER BY position DESC LIMIT 1", document_id, format_timestamp(moment),
    )
    return int(row[0]) if row is not None else 0


async def load_document(
    storage: Storage, store: EventStore, document_id: str
) -> tuple[bytes, int, int]:
    """The latest state of a document for the live server: (Yjs v1 state, stream version,
    global position). Exact even when the projections lag: the log's tail is applied."""
    current = await document_at(storage, store, document_id)
    return current.state(), current.version, current.position
