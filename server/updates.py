"""What a Yjs update from a client brings, decided before anything is logged (no I/O).

The server logs only what the room lacks: ``get_update(update, room_state)`` drops the structs
the room already has (a reconnecting client's sync step 2 may repeat them), so each edit is in
the log exactly once. Decoding the update there also proves it well formed. An update that
adds no struct and deletes nothing the room has not deleted already is empty and not logged.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pycrdt

from ycodec import DecodeError, Outline, Reader, outline, read_delete_set
from ycodec import Ranges as DeleteSet

EMPTY_UPDATE = b"\x00\x00"


class MalformedUpdate(ValueError):
    """The bytes are not a Yjs v1 update."""


@dataclass(frozen=True, slots=True)
class CheckedUpdate:
    update: bytes  # the part the room lacks: what gets logged, applied and broadcast
    writers: Mapping[int, int]  # client id -> clock after this update, for each new struct
    empty: bool
    starts: Mapping[int, int] = field(default_factory=dict)  # client id -> first new clock
    deletions: DeleteSet = field(default_factory=dict)  # what ``update`` deletes


def _plausible_groups(update: bytes) -> None:
    """pycrdt reserves room for as many client groups as an update claims before it reads
    them: a few bytes claiming millions would stall the server for up to a second."""
    groups = Reader(update).var_uint()
    if groups > len(update):
        raise DecodeError(f"update claims {groups} client groups in {len(update)} bytes")


def check_update(
    update: bytes, room_state: bytes, room_deletions: Callable[[], DeleteSet],
    shape: Outline | None = None,
) -> CheckedUpdate:
    """Trim ``update`` to what a room at ``room_state`` lacks and say whether anything is left.

    ``room_deletions`` is only called for deletion-only updates, the rare case that needs it.
    ``shape``: the outline of ``update``, given only when the room has none of its structs
    (``whole``), so that trimming leaves its outline as it was."""
    if update == EMPTY_UPDATE:
        return CheckedUpdate(update, {}, True)
    try:
        _plausible_groups(update)
        missing = pycrdt.get_update(update, room_state)
        shape = shape or outline(missing)
    except (ValueError, DecodeError) as error:
        raise MalformedUpdate(f"not a Yjs update: {error}") from error
    if shape.writers:
        return CheckedUpdate(missing, shape.writers, False, shape.starts, shape.deletions)
    if not any(shape.deletions.values()):
        return CheckedUpdate(missing, {}, True)
    known = room_deletions()
    new = any(
        not _covered(clock, length, known.get(client, []))
        for client, spans in shape.deletions.items()
        for clock, length in spans
    )
    return CheckedUpdate(missing, {}, not new, deletions=shape.deletions)


def whole(shape: Outline, room: Mapping[int, int]) -> bool:
    """Whether a room with state vector ``room`` has none of the structs outlined in
    ``shape``, so none is trimmed (the delete set never is)."""
    return all(room.get(client, 0) <= first for client, first in shape.starts.items())


def doc_deletions(doc: pycrdt.Doc[Any]) -> DeleteSet:
    """The delete set of a document, read from its snapshot (delete set, then state vector)."""
    reader = Reader(pycrdt.Snapshot.from_doc(doc).encode())
    return _merged(read_delete_set(reader))


def add_deletions(known: DeleteSet, new: DeleteSet) -> None:
    """Fold ``new`` into ``known`` in place (both merged spans per client, as returned here)."""
    for client, spans in new.items():
        if spans:
            known[client] = _merged({client: known.get(client, []) + list(spans)})[client]


def _merged(deletions: DeleteSet) -> DeleteSet:
    result: DeleteSet = {}
    for client, spans in deletions.items():
        merged: list[tuple[int, int]] = []
        for clock, length in sorted(spans):
            if merged and clock <= merged[-1][0] + merged[-1][1]:
                start, old = merged[-1]
                merged[-1] = (start, max(old, clock + length - start))
            else:
                merged.append((clock, length))
        result[client] = merged
    return result


def _covered(clock: int, length: int, spans: list[tuple[int, int]]) -> bool:
    index = bisect_right(spans, (clock, float("inf"))) - 1
    if index < 0:
        return False
    start, span = spans[index]
    return start <= clock and clock + length <= start + span


def advance(state: Mapping[int, int], writers: Mapping[int, int]) -> dict[int, int]:
    """The state vector after ``writers``' structs, for checking the next update of a batch."""
    result = dict(state)
    for client, clock in writers.items():
        if clock > result.get(client, 0):
            result[client] = clock
    return result


class ClientBindings:
    """Which person each Yjs client id of a document belongs to: the first who wrote with it.

    Yjs stores a client id in every struct, and editors show authorship by it, so an update
    with someone else's client id would forge attribution."""

    def __init__(self, bindings: dict[int, str] | None = None) -> None:
        # Shares the dict it is given: the room's loaded state and checkpoints see every bind.
        self._owner: dict[int, str] = bindings if bindings is not None else {}

    def conflict(self, client_ids: Iterable[int], person_id: str) -> int | None:
        """The first client id among ``client_ids`` bound to someone other than ``person_id``."""
        for client in client_ids:
            owner = self._owner.get(client)
            if owner is not None and owner != person_id:
                return client
        return None

    def bind(self, client_ids: Iterable[int], person_id: str) -> None:
        for client in client_ids:
            self._owner.setdefault(client, person_id)

    def owner(self, client_id: int) -> str | None:
        return self._owner.get(client_id)

    def as_dict(self) -> dict[int, str]:
        return dict(self._owner)
