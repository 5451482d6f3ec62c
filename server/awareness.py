"""Presence (who is here, where their cursor is), with identities the server vouches for.

An awareness update is a var-uint count of entries, each a var-uint client id, a var-uint
clock and a var-string JSON state (``null`` when the client left). Clients may only speak for
their own awareness client ids, and the ``user`` field of every state is replaced by the
identity the server authenticated, so nobody can appear as someone else. No I/O here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from events.record import Actor, Stakeholder
from ycodec.lib0 import DecodeError, Reader, var_string, var_uint

MAX_IDS_PER_CONNECTION = 4  # one per open editor tab component; more is a spoofing attempt
OUTDATED_SECONDS = 30.0  # y-protocols clients renew every 15 s and drop states after 30 s

COLOURS: dict[Stakeholder, str] = {
    Stakeholder.CSO: "#2e7d32",
    Stakeholder.KLDI: "#1565c0",
    Stakeholder.SECRETARIAT: "#6a1b9a",
    Stakeholder.PUBLIC: "#ef6c00",
    Stakeholder.AUDITOR: "#546e7a",
    Stakeholder.SYSTEM: "#424242",
}


@dataclass(frozen=True, slots=True)
class Entry:
    client_id: int
    clock: int
    state: str  # the JSON text as it goes on the wire; "null" when the client left


def decode_update(update: bytes) -> list[Entry]:
    reader = Reader(update)
    count = reader.var_uint()
    if count > len(update):
        raise DecodeError(f"awareness update claims {count} entries in {len(update)} bytes")
    entries = []
    for _ in range(count):
        client_id = reader.var_uint()
        clock = reader.var_uint()
        entries.append(Entry(client_id, clock, reader.var_string()))
    reader.expect_end("awareness update")
    return entries


def encode_update(entries: Iterable[Entry]) -> bytes:
    items = list(entries)
    parts = [var_uint(len(items))]
    for entry in items:
        parts += [var_uint(entry.client_id), var_uint(entry.clock), var_string(entry.state)]
    return b"".join(parts)


def user_field(actor: Actor) -> dict[str, str]:
    """The presence identity shown to others (y-prosemirror reads ``name`` and ``color``)."""
    return {
        "id": actor.person_id,
        "name": actor.name,
        "organisation": actor.org_name,
        "org_id": actor.org_id,
        "stakeholder": str(actor.stakeholder),
        "color": COLOURS.get(actor.stakeholder, "#424242"),
    }


def restamp(state_json: str, actor: Actor) -> str:
    """Replace the ``user`` field of one state; a non-object state is refused."""
    try:
        state: Any = json.loads(state_json)
    except ValueError as error:
        raise DecodeError("awareness state is not JSON") from error
    if state is None:
        return "null"
    if not isinstance(state, dict):
        raise DecodeError("awareness state is not a JSON object")
    state["user"] = user_field(actor)
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False)


def _stamped(entry: Entry) -> str | None:
    """The person id the stamping instance put in a state's ``user`` field."""
    try:
        state: Any = json.loads(entry.state)
    except ValueError:
        return None
    user = state.get("user") if isinstance(state, dict) else None
    person = user.get("id") if isinstance(user, dict) else None
    return person if isinstance(person, str) else None


@dataclass(slots=True)
class _Known:
    entry: Entry
    owner: object
    seen: float


class RoomAwareness:
    """The presence states of one room, each owned by a local connection or a remote instance."""

    def __init__(self) -> None:
        self._known: dict[int, _Known] = {}
        # Client id -> the first person whose presence announced it, kept after they leave:
        # co-authors read client ids from presence, so none may take over another's.
        self._announced: dict[int, str] = {}

    def from_connection(
        self,
        owner: object,
        actor: Actor,
        update: bytes,
        may_use: Callable[[int], bool] = lambda client_id: True,
    ) -> list[Entry]:
        """Accept what ``owner`` may say in ``update``; return the re-stamped entries to relay.

        ``may_use`` says whether a client id is free for this person (not bound to someone
        else's edits in the document)."""
        accepted: list[Entry] = []
        owned = sum(1 for known in self._known.values() if known.owner == owner)
        for entry in decode_update(update):
            known = self._known.get(entry.client_id)
            if known is not None and known.owner != owner:
                continue  # someone else's presence: never let another connection change it
            if not may_use(entry.client_id):
                continue
            if _stamped(entry) not in (None, actor.person_id):
                continue  # y-websocket clients echo every presence they see: not theirs
            if self._announced.get(entry.client_id, actor.person_id) != actor.person_id:
                continue
            if known is None:
                if owned >= MAX_IDS_PER_CONNECTION:
                    continue
                owned += 1
            stamped = Entry(entry.client_id, entry.clock, restamp(entry.state, actor))
            if self._accept(stamped, owner, actor.person_id):
                accepted.append(stamped)
        return accepted

    def from_remote(self, owner: object, entries: Iterable[Entry]) -> list[Entry]:
        """Entries another instance already checked and stamped."""
        return [entry for entry in entries if self._accept(entry, owner, _stamped(entry))]

    def _accept(self, entry: Entry, owner: object, person_id: str | None) -> bool:
        known = self._known.get(entry.client_id)
        if known is not None and known.owner != owner:
            return False
        if known is not None and entry.clock < known.entry.clock:
            return False
        self._known[entry.client_id] = _Known(entry, owner, time.monotonic())
        if person_id is not None and entry.state != "null":
            self._announced.setdefault(entry.client_id, person_id)
        return True

    def person_of(self, client_id: int) -> str | None:
        """The first person whose presence announced ``client_id`` in this room: nobody else
        may write with it, nor announce it."""
        return self._announced.get(client_id)

    def remove_owner(self, owner: object) -> list[Entry]:
        """The owner left: its states become ``null`` with a higher clock, as y-protocols does."""
        gone = []
        for client_id, known in list(self._known.items()):
            if known.owner == owner:
                del self._known[client_id]
                if known.entry.state != "null":
                    gone.append(Entry(client_id, known.entry.clock + 1, "null"))
        return gone

    def current(self) -> list[Entry]:
        """The live states, for a newcomer or a query-awareness message."""
        now = time.monotonic()
        for client_id, known in list(self._known.items()):
            if now - known.seen > OUTDATED_SECONDS and known.entry.state == "null":
                del self._known[client_id]
        return [
            known.entry
            for known in self._known.values()
            if known.entry.state != "null" and now - known.seen <= OUTDATED_SECONDS
        ]

    def owned_by(self, owner: object) -> list[int]:
        return [client_id for client_id, known in self._known.items() if known.owner == owner]
