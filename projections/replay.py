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
from events.record import Actor, Stakeholder
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


async def document_at(
    storage: Storage, store: EventStore, document_id: str, position: int | None = None,
    *, on_event: Any = None,
) -> DocumentAt:
    """The document as it stood right after global ``position`` (None: as it stands now).
    ``on_event(doc, event)`` is called after each event applied from the log.

    The nearest stored state at or before ``position`` (the latest state, else the last
    periodic checkpoint), then the log's events after it: at most ``CHECKPOINT_EVERY``."""
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
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    version = at = 0
    if row is not None and row[0] is not None:
        doc.apply_update(bytes(row[0]))
        version, at = int(row[1]), int(row[2])
    bindings, bound_until = ({}, 0) if latest is None else (_bindings(latest[2]), int(latest[1]))
    result = DocumentAt(document_id, doc, version, at, bindings, bound_until)
    await apply_log(store, result, position, on_event=on_event)
    return result


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
