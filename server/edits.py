"""A client's edit on its way through a room: who sent it, as it arrived, as accepted, and
what the clients here are sent once it is logged.

Shared by the room (``rooms``), which decides what enters and applies what the log holds, and
its append loop (``appender``), which gets the accepted edits into the log in order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

import pycrdt

import ycodec
from identity.access import DocumentAccess, Principal
from ycodec import Outline, outline
from ycodec import Ranges as DeleteSet

from . import protocol


class Peer(Protocol):
    """What a room needs from a connection: sending never blocks, closing never waits."""

    principal: Principal
    access: DocumentAccess
    wants_saved: bool
    written_clients: set[int]

    @property
    def closed(self) -> bool: ...

    def send(self, frame: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(slots=True)
class ClientUpdate:
    """An update as a client sent it, not yet checked (or to be checked again)."""

    peer: Peer
    update: bytes
    received: float
    shape: Outline | None = None  # the update's outline, when the connection walked it


@dataclass(slots=True)
class Accepted:
    """An update the room accepted: the part it lacked, to be logged and then applied."""

    peer: Peer
    update: bytes
    writers: dict[int, int]  # client id -> clock after this update
    received: float
    deletions: DeleteSet


def send_logged(accepted: list[Accepted], peers: Collection[Peer]) -> None:
    """Send a logged batch to the clients here as one update each: a busy room's edits cost
    each recipient one frame per commit, not one per edit. A writer is not sent its own edits
    back."""
    if len(accepted) == 1:
        only = accepted[0]
        frame = protocol.sync_update(only.update)
        for peer in peers:
            if peer is not only.peer:
                peer.send(frame)
        return
    writers = {item.peer for item in accepted}
    everything = protocol.sync_update(pycrdt.merge_updates(*(a.update for a in accepted)))
    for peer in peers:
        if peer not in writers:
            peer.send(everything)
    for writer in writers:
        others = [item.update for item in accepted if item.peer is not writer]
        if others and writer in peers:
            writer.send(protocol.sync_update(
                others[0] if len(others) == 1 else pycrdt.merge_updates(*others)
            ))


def claim_known(peer: Peer, update: bytes, owner: Callable[[int], str | None]) -> None:
    """A repeat of edits already logged: let the writer's saved state cover its own client
    ids (those the log bound to its person, ``owner``)."""
    if not peer.wants_saved:
        return
    with contextlib.suppress(ValueError, ycodec.DecodeError):
        clients = outline(update).writers
        person = peer.principal.person_id
        peer.written_clients.update(c for c in clients if owner(c) == person)


def acknowledge(peers: Iterable[Peer], state: bytes) -> None:
    """Tell each writer that asked for it how far its own edits are durable, given the room's
    state vector ``state`` once they are logged (its saved state)."""
    asking = [peer for peer in set(peers) if peer.wants_saved and not peer.closed]
    if not asking:
        return
    clocks = ycodec.decode_state_vector(state)
    for peer in asking:
        durable = {c: clocks.get(c, 0) for c in peer.written_clients}
        peer.send(protocol.saved(ycodec.encode_state_vector(durable)))
