"""The document fold: each commitment's CRDT state, folded from its ``crdt.update`` events.

Per event it keeps only what pycrdt reports cheaply about the transaction (state vectors
before and after, the delete set), so folding costs little more than applying the update.
Item authorship comes from the server's rule: a Yjs client id belongs to the person of the
first event that carried it, so every item (client, clock) has a known author.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pycrdt

from events.record import Actor, RecordedEvent, Stakeholder

from . import ycodec

DOC_PREFIX = "doc:"
EMPTY_VECTOR = b"\x00"
CHECKPOINT_EVERY = 1000
"""Events of one document between two stored states: replay applies at most this many."""
CHECKPOINT_BYTES = 512 * 1024
"""...or this many bytes of updates, whichever comes first (large pastes)."""


def document_id_of(stream_id: str) -> str | None:
    return stream_id[len(DOC_PREFIX):] if stream_id.startswith(DOC_PREFIX) else None


def actor_to_json(actor: Actor) -> dict[str, str]:
    return {
        "person_id": actor.person_id, "name": actor.name, "org_id": actor.org_id,
        "org_name": actor.org_name, "stakeholder": str(actor.stakeholder),
    }


def actor_from_json(data: dict[str, Any]) -> Actor:
    return Actor(
        str(data["person_id"]), str(data["name"]), str(data["org_id"]), str(data["org_name"]),
        Stakeholder(data["stakeholder"]),
    )


class Edit(NamedTuple):
    """What one ``crdt.update`` did, as far as the fold can tell without rendering text."""

    event: RecordedEvent
    document_id: str
    inserted: int  # Yjs clock units added (characters, plus one per block or format mark)
    deleted: dict[str, int]  # person id of the author of the deleted items -> how many


@dataclass(slots=True)
class DocumentState:
    document_id: str
    doc: pycrdt.Doc[Any] = field(default_factory=pycrdt.Doc)
    plan_id: str | None = None
    version: int = 0
    position: int = 0
    checkpoint_version: int = 0
    bindings: dict[int, Actor] = field(default_factory=dict)
    checkpoint_bytes: int = 0  # bytes of updates applied since the last stored checkpoint
    _last: tuple[bytes, bytes, bytes] | None = None
    _native: Any = None
    _subscription: Any = None
    _vector: dict[int, int] = field(default_factory=dict)
    _vector_bytes: bytes = b"\x00"

    def __post_init__(self) -> None:
        # The fold drives pycrdt's native document directly: its Python wrappers cost several
        # times the update itself, once per keystroke (pycrdt is pinned below 0.15).
        self._native = self.doc._doc
        self._subscription = self._native.observe(self._on_transaction)

    def _on_transaction(self, event: Any) -> None:
        # Read inside the callback: the event is only valid during the transaction.
        self._last = (event.before_state, event.after_state, event.delete_set)

    @classmethod
    def restore(
        cls, document_id: str, state: bytes, *, plan_id: str | None, version: int,
        position: int, checkpoint_version: int, bindings: dict[int, Actor],
        checkpoint_bytes: int = 0,
    ) -> DocumentState:
        doc: pycrdt.Doc[Any] = pycrdt.Doc()
        doc.apply_update(state)
        return cls(document_id, doc, plan_id, version, position, checkpoint_version, bindings,
                   checkpoint_bytes)

    def apply(self, event: RecordedEvent) -> Edit:
        transaction = self._native.create_transaction()
        try:
            self._native.apply_update(transaction, event.payload)
            transaction.commit()
        finally:
            transaction.drop()
        self.version = event.stream_version
        self.position = event.position
        self.checkpoint_bytes += len(event.payload)
        if self.plan_id is None and event.context.plan_id:
            self.plan_id = event.context.plan_id
        inserted = 0
        deleted: dict[str, int] = {}
        last, self._last = self._last, None
        if last is None:
            self._bind_waiting(event)
            return Edit(event, self.document_id, inserted, deleted)
        before, after, delete_set = last
        if before == after:
            self._bind_waiting(event)
        else:
            # Each transaction starts where the previous one ended: decode only the new end.
            if before != self._vector_bytes:
                self._vector = ycodec.decode_state_vector(before)
            vector = ycodec.decode_state_vector(after)
            previous, bindings = self._vector, self.bindings
            for client, clock in vector.items():
                start = previous.get(client, 0)
                if clock > start:  # this transaction added items start..clock of client
                    inserted += clock - start
                    if client not in bindings:
                        bindings[client] = event.actor
            self._vector, self._vector_bytes = vector, after
        if len(delete_set) > 1:
            for client, spans in ycodec.decode_delete_set(delete_set).items():
                owner = self.bindings.get(client)
                key = owner.person_id if owner is not None else f"client:{client}"
                deleted[key] = deleted.get(key, 0) + sum(n for _, n in spans)
        return Edit(event, self.document_id, inserted, deleted)

    def _bind_waiting(self, event: RecordedEvent) -> None:
        """Items that must wait for a missing dependency add nothing to the state vector yet;
        their client still belongs to the event that carried them (the server's rule:
        clients starting in this update, ``pycrdt.get_state``)."""
        started = pycrdt.get_state(event.payload)
        if started != EMPTY_VECTOR:
            for client in ycodec.decode_state_vector(started):
                if client not in self.bindings:
                    self.bindings[client] = event.actor

    def encode_state(self) -> bytes:
        return self.doc.get_update()
