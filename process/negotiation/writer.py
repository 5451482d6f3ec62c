"""Server-made changes to a commitment document: the ``review`` root's entries and accepted
suggestions, each a ``crdt.update`` through whatever path the composition root wires.

``DocumentWriter`` is that path. The live server implements it (``server.document_writer``):
the change runs in the document's room, between client edits, against the room's exact
document; it is logged, then applied and broadcast like any edit, so connected editors see it
at once. ``LogWriter`` is the path without a live server (commands, tests of the process
alone): it appends to the log against the document as the log has it. Either way an ``Edit``
computes the events from the document it is given (read only) and the writer appends them
with that document's stream version as the expected version, computing again if someone else
wrote first: what an edit decided (e.g. "not stale") holds for the state it is logged on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pycrdt
from pycrdt import Doc, Map

import ycodec
from commitment.template import REVIEW, REVIEW_CLIENT_ID
from events.errors import ConcurrencyError, StoreUnavailable
from events.store import EventStore

from ..domain import document_stream
from ..runtime import ProcessRuntime

Edit = Callable[[Doc[Any]], list[Any]]
"""Given the document as it stands (never to be changed), the ``NewEvent``s to append (an
empty list: nothing to write); raising refuses the change and writes nothing."""

WRITE_ATTEMPTS = 50

COMMENTS = "comments"
SUGGESTIONS = "suggestions"


class DocumentWriter(Protocol):
    async def write(self, document_id: str, edit: Edit,
                    guard: dict[str, int] | None = None) -> list[int]:
        """Append what ``edit`` makes of the document's current state; the log positions.
        ``guard``: streams that must still be at these versions (``EventStore.append``),
        else ``GuardFailed`` and nothing is written."""
        ...


class LogWriter:
    """Appends to ``doc:{id}`` directly; rooms on other instances catch up from the log."""

    def __init__(self, runtime: ProcessRuntime) -> None:
        self._runtime = runtime

    async def write(self, document_id: str, edit: Edit,
                    guard: dict[str, int] | None = None) -> list[int]:
        store: EventStore = self._runtime.store
        stream = document_stream(document_id)
        for _ in range(WRITE_ATTEMPTS):
            version = await store.stream_version(stream)
            doc = await self._runtime.document(document_id)
            if await store.stream_version(stream) != version:
                continue
            events = edit(doc)
            if not events:
                return []
            try:
                return await store.append(stream, events, expected_version=version,
                                          guard=guard)
            except ConcurrencyError:
                continue
        raise StoreUnavailable(f"{stream} kept changing while the server wrote to it")


def review_update(doc: Doc[Any], kind: str, entry_id: str, value: dict[str, Any]) -> bytes:
    """The Yjs update setting ``review[kind][entry_id] = value`` on ``doc``, written with
    ``REVIEW_CLIENT_ID`` (the root and its two maps are created on first use).

    Every item under ``review`` has that client id and builds only on such items, so a copy
    of them alone (the document's update for a peer that has every other client's items) is
    enough to write on: its cost follows the review, not the document."""
    vector = ycodec.decode_state_vector(doc.get_state())
    others = {client: clock for client, clock in vector.items() if client != REVIEW_CLIENT_ID}
    copy: Doc[Any] = Doc(client_id=REVIEW_CLIENT_ID)
    copy.apply_update(doc.get_update(ycodec.encode_state_vector(others)))
    made: list[bytes] = []
    subscription = copy.observe(lambda event: made.append(event.update))
    with copy.transaction():
        review = copy.get(REVIEW, type=Map)
        if kind not in review:
            review[kind] = Map()
        review[kind][entry_id] = value
    copy.unobserve(subscription)
    return made[0] if len(made) == 1 else pycrdt.merge_updates(*made)


def review_entries(doc: Doc[Any], kind: str) -> dict[str, Any]:
    """What ``review[kind]`` holds now (for clients: docs/contracts.md)."""
    if REVIEW not in set(doc.keys()):
        return {}
    review = doc.get(REVIEW, type=Map)
    if kind not in review:
        return {}
    entries = review[kind]
    return dict(entries.to_py() or {}) if isinstance(entries, Map) else {}
