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

    def state(self) -> bytes:
        return self.doc.get_update()


async def bindings_of(storage: Storage, document_id: str) -> dict[int, Actor]:
    row = await storage.fetchone("SELECT bindings FROM doc_state WHERE document_id = ?",
                                 document_id)
    if row is None:
        return {}
    return {int(c): actor_from_json(a) for c, a in json.loads(row[0]).items()}


async def _base(
    storage: Storage, document_id: str, position: int | None
) -> tuple[bytes | None, int, int]:
    """The best stored (state, version, position) at or before ``position`` (None: latest)."""
    latest = await storage.fetchone(
        "SELECT stream_version, position FROM doc_state WHERE document_id = ?", document_id
    )
    if latest is not None and (position is None or int(latest[1]) <= position):
        row = await storage.fetchone(
            "SELECT state, stream_version, position FROM doc_state WHERE document_id = ?",
            document_id,
        )
    elif position is None:
        return None, 0, 0
    else:
        row = await storage.fetchone(
            "SELECT state, stream_version, position FROM doc_checkpoint WHERE document_id = ? "
            "AND position <= ? ORDER BY position DESC LIMIT 1", document_id, position,
        )
    if row is None:
        return None, 0, 0
    return bytes(row[0]), int(row[1]), int(row[2])


async def document_at(
    storage: Storage, store: EventStore, document_id: str, position: int | None = None,
    *, on_event: Any = None,
) -> DocumentAt:
    """The document as it stood right after global ``position`` (None: as it stands now).
    ``on_event(doc, event)`` is called after each event applied from the log."""
    state, version, at = await _base(storage, document_id, position)
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    if state is not None:
        doc.apply_update(state)
    result = DocumentAt(document_id, doc, version, at, await bindings_of(storage, document_id))
    await apply_log(store, result, position, on_event=on_event,
                    known_version=await _version_at(storage, document_id, position))
    return result


async def _version_at(storage: Storage, document_id: str, position: int | None) -> int:
    """The stream version at ``position`` as far as the projection knows (0: unknown)."""
    if position is None:
        return 0
    row = await storage.fetchone(
        "SELECT stream_version FROM doc_event WHERE document_id = ? AND position <= ? "
        "ORDER BY position DESC LIMIT 1", document_id, position,
    )
    return int(row[0]) if row is not None else 0


async def apply_log(
    store: EventStore, target: DocumentAt, position: int | None, *, on_event: Any = None,
    known_version: int = 0,
) -> None:
    """Apply the document's events after ``target.version`` up to ``position``.
    ``known_version``: the stream version at ``position`` if known, to read no further."""
    stream = DOC_PREFIX + target.document_id
    while True:
        wanted = known_version - target.version
        limit = wanted if 0 < wanted < READ_PAGE else READ_PAGE
        page = await store.read_stream(stream, after_version=target.version, limit=limit)
        for event in page:
            if position is not None and event.position > position:
                return
            _apply(target, event)
            if on_event is not None:
                on_event(target.doc, event)
        if len(page) < limit:
            return


def _apply(target: DocumentAt, event: RecordedEvent) -> None:
    if event.type == CRDT_UPDATE:
        target.doc.apply_update(event.payload)
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
