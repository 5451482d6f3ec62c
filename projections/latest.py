"""The latest stored state of one document, for readers outside the projections: the live
server starts a room from it and applies only the log's events after ``stream_version``.

It reads the ``doc_state`` row the runner keeps; the row is a shortcut, never the truth, so
a reader must check it against the log (``position`` names the event it ends with). A large
document's row carries no state of its own (an empty ``state``): it stands for the periodic
checkpoint at its ``checkpoint_version``, and the reader applies the log after that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .storage import Storage

EMPTY_STATE = b"\x00\x00"
_INLINE = "length(s.state) > 0"
BASE_COLUMNS = (
    f"CASE WHEN {_INLINE} THEN s.state ELSE c.state END, "
    f"CASE WHEN {_INLINE} THEN s.stream_version ELSE COALESCE(c.stream_version, 0) END, "
    f"CASE WHEN {_INLINE} THEN s.position ELSE COALESCE(c.position, 0) END"
)
"""The state a ``doc_state`` row (alias ``s``) stands for, its stream version and position
(0, 0 and NULL when a large document has no checkpoint yet); with ``BASE_TABLES``."""
BASE_TABLES = ("doc_state s LEFT JOIN doc_checkpoint c ON c.document_id = s.document_id "
               "AND c.stream_version = s.checkpoint_version")


class UnreadableState(ValueError):
    """The stored row does not have the layout ``doc_state`` promises."""


@dataclass(frozen=True, slots=True)
class LatestState:
    document_id: str
    state: bytes  # Yjs v1 update of the whole document
    stream_version: int  # of the last ``crdt.update`` folded into ``state`` (0: none)
    position: int  # global position of that event
    bindings: dict[int, str]  # Yjs client id -> person id of its first writer


async def latest_state(storage: Storage, document_id: str) -> LatestState | None:
    """The stored state of ``document_id``; None when the projections have none yet.
    Raises ``UnreadableState`` for a row that cannot be read, ``StorageError`` when the
    database fails."""
    row = await storage.fetchone(
        f"SELECT {BASE_COLUMNS}, s.bindings FROM {BASE_TABLES} WHERE s.document_id = ?",
        document_id,
    )
    if row is None:
        return None
    state, version, position, raw = row
    try:
        bindings = {int(client): str(actor["person_id"])
                    for client, actor in json.loads(raw).items()}
        return LatestState(document_id, bytes(state or EMPTY_STATE), int(version),
                           int(position), bindings)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise UnreadableState(f"doc_state of {document_id}: {error}") from error
