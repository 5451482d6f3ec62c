"""The document fold: each commitment's CRDT state, folded from its ``crdt.update`` events.

A rebuild folds every keystroke ever logged, so the per-event work is kept small. Updates that
delete nothing go into one open transaction per document, whose cleanup then runs once per
batch instead of once per keystroke; what the batch inserted is read from the state vectors
before and after it. An update that deletes gets a transaction of its own, because the
transaction's delete set (what it deleted that was not deleted yet) says whose characters
it deleted.

Item authorship comes from the server's rule: a Yjs client id belongs to the person of the
first event that carried it (the event with its first item, clock 0: ``pycrdt.get_state`` of
an update lists exactly those clients), so every item (client, clock) has a known author.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pycrdt

import ycodec
from events.record import Actor, Stakeholder

DOC_PREFIX = "doc:"
EMPTY_VECTOR = b"\x00"
update_state = pycrdt._pycrdt.get_state  # pycrdt.get_state without its wrapper's call
CHECKPOINT_EVERY = 2000
"""Events of one document between two stored states: replay applies about this many."""
CHECKPOINT_BYTES = 512 * 1024
"""...or this many bytes of updates, whichever comes first (large pastes)."""
CHECKPOINT_GROWTH = 2
"""A large document's next checkpoint waits for this many times its last one's size in new
bytes, so a run of big updates stores a few growing copies of it (a geometric series, under
twice what was written), not one full copy per update."""
INLINE_STATE_BYTES = CHECKPOINT_BYTES
"""A ``doc_state`` row carries the document's whole state up to this size; a larger
document's row names its last checkpoint instead (see ``projections.latest``), and readers
apply the log after it: rewriting megabytes at every flush would grow the database with
every copy."""


def checkpoint_due(events_since: int, bytes_since: int, last_size: int) -> bool:
    """Whether to store a checkpoint, ``events_since`` events and ``bytes_since`` bytes of
    updates after the last one, which was ``last_size`` bytes: replay stays short, and what
    checkpoints store stays proportional to what was written."""
    if bytes_since >= max(CHECKPOINT_BYTES, CHECKPOINT_GROWTH * last_size):
        return True
    # Keystrokes: many events, few bytes; a copy of a large document per 2000 of them
    # would store many times what they wrote.
    return events_since >= CHECKPOINT_EVERY and bytes_since * 16 >= last_size


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
    checkpoint_size: int = 0  # bytes of the last stored checkpoint (0: none)
    state_size: int = 0  # bytes of the state when last encoded (not stored)
    inserted: int = 0  # Yjs clock units integrated so far by this fold (not stored)
    _native: Any = None
    _subscription: Any = None
    _batch: Any = None  # the open native transaction of the updates that delete nothing
    _want_vectors: bool = False
    _want_deletions: bool = False
    _deletions: bytes | None = None

    def __post_init__(self) -> None:
        # The fold drives pycrdt's native document directly: its Python wrappers cost as much
        # as the update itself, once per keystroke (pycrdt is pinned below 0.15).
        self._native = self.doc._doc
        self._subscription = self._native.observe(self._on_transaction)

    def _on_transaction(self, event: Any) -> None:
        # Read inside the callback: the event is only valid during the transaction.
        if self._want_vectors:
            before, after = event.before_state, event.after_state
            if before != after:
                self.inserted += _clock_sum(after) - _clock_sum(before)
        if self._want_deletions:
            self._deletions = event.delete_set

    @classmethod
    def restore(
        cls, document_id: str, state: bytes, *, plan_id: str | None, version: int,
        position: int, checkpoint_version: int, bindings: dict[int, Actor],
        checkpoint_bytes: int = 0, checkpoint_size: int = 0, inline: bool = True,
    ) -> DocumentState:
        """``inline``: ``state`` is the row's own (else its checkpoint's: a large document)."""
        doc: pycrdt.Doc[Any] = pycrdt.Doc()
        doc.apply_update(state)
        size = len(state) if inline else max(INLINE_STATE_BYTES, checkpoint_size)
        return cls(document_id, doc, plan_id, version, position, checkpoint_version, bindings,
                   checkpoint_bytes, checkpoint_size, size)

    def bind(self, started: bytes, actor: Actor) -> None:
        """Clients whose first item (clock 0) an update of ``actor`` carries belong to them
        (``started``: ``pycrdt.get_state`` of the update, which lists exactly those)."""
        bindings = self.bindings
        for client in ycodec.decode_state_vector(started):
            if client not in bindings:
                bindings[client] = actor

    def batch(self) -> Any:
        """The open native transaction for updates that delete nothing (``commit`` ends it)."""
        batch = self._batch
        if batch is None:
            batch = self._batch = self._native.create_transaction()
        return batch

    def apply_deleting(self, payload: bytes) -> dict[str, int] | None:
        """Apply an update that deletes, in a transaction of its own: the characters it
        deleted (that were not deleted yet) per person id of their author, or None."""
        self.commit()
        native = self._native
        self._want_deletions = True
        self._want_vectors = payload[0] != 0  # it has items of its own, not only deletions
        transaction = native.create_transaction()
        try:
            native.apply_update(transaction, payload)
            transaction.commit()
        finally:
            transaction.drop()
            self._want_deletions = self._want_vectors = False
        deletions, self._deletions = self._deletions, None
        if deletions is None or len(deletions) <= 1:
            return None
        deleted: dict[str, int] = {}
        for client, count in ycodec.deleted_per_client(deletions).items():
            owner = self.bindings.get(client)
            key = owner.person_id if owner is not None else f"client:{client}"
            deleted[key] = deleted.get(key, 0) + count
        return deleted

    def __del__(self) -> None:
        # pycrdt's native transaction borrows the document without holding it: it must end
        # before the document goes, whatever order the collector frees them in.
        if self._batch is not None:
            self.commit()

    def commit(self) -> None:
        """End the open batch, counting what it inserted: needed before the document is read
        or encoded, and before ``inserted`` is read."""
        batch = self._batch
        if batch is not None:
            self._batch = None
            self._want_vectors = True
            try:
                batch.commit()
            finally:
                batch.drop()
                self._want_vectors = False

    def encode_state(self) -> bytes:
        self.commit()
        encoded = self.doc.get_update()
        self.state_size = len(encoded)
        return encoded

    def stored_state(self) -> bytes:
        """What its ``doc_state`` row carries: the whole state, or nothing for a large
        document (its last checkpoint and the log after it stand for it)."""
        if self.state_size >= INLINE_STATE_BYTES:
            return b""
        return self.encode_state()

    def apply_logged(self, payload: bytes) -> None:
        """An update already folded before a restart (a large document's tail after its
        checkpoint): only the document changes, nothing is counted again."""
        self.commit()
        self.doc.apply_update(payload)


def _clock_sum(vector: bytes) -> int:
    """The sum of a state vector's clocks: how many items it covers."""
    return sum(ycodec.decode_state_vector(vector).values())
