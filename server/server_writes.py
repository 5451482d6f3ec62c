"""Changes the server makes to a live document (an accepted suggestion, a comment's anchor):
logged against the room's exact document, then shown, as a client's edit would be.

They run in the room's worker, in turn with the clients' edits, so the document an edit is
computed from is the one its update will apply to; when another instance wrote first, the
room catches up from the log and the edit is computed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pycrdt

from events.errors import ConcurrencyError, StoreUnavailable
from events.record import NewEvent
from events.store import EventStore

from .appender import MAX_CONFLICTS
from .fanout import LoggedUpdate

ServerEdit = Callable[[pycrdt.Doc[Any]], list[NewEvent]]
"""A change the server makes (``server.document_writer``): given the room's document (read
only), the events to log; raising refuses it and nothing is written."""


@dataclass(slots=True)
class ServerWrite:
    edit: ServerEdit
    done: asyncio.Future[list[int]]
    guard: dict[str, int] | None = None


class WritableRoom(Protocol):
    stream_id: str

    @property
    def doc(self) -> pycrdt.Doc[Any]: ...

    @property
    def version(self) -> int: ...

    @property
    def store(self) -> EventStore: ...

    async def catch_up(self) -> None: ...

    def logged_by_server(self, logged: list[LoggedUpdate]) -> None: ...


async def write_for_server(room: WritableRoom, item: ServerWrite) -> None:
    """Log ``item``'s events with the room's version expected, then let the room show them;
    the future gets their positions, or the edit's or the log's exception."""
    if item.done.done():  # its caller gave up
        return
    for _ in range(MAX_CONFLICTS):
        try:
            events = item.edit(room.doc)
            if not events:
                item.done.set_result([])
                return
            positions = await room.store.append(
                room.stream_id, events, expected_version=room.version, guard=item.guard)
        except ConcurrencyError:
            await room.catch_up()
            continue
        except Exception as error:  # the edit refused, or the log failed: the caller's
            if not item.done.done():
                item.done.set_exception(error)
            return
        first_version = room.version + 1
        logged = []
        for index, event in enumerate(events):
            assert isinstance(event.payload, bytes)
            logged.append(LoggedUpdate(first_version + index, positions[index],
                                       event.actor.person_id, event.payload))
        room.logged_by_server(logged)
        if not item.done.done():
            item.done.set_result(positions)
        return
    if not item.done.done():
        item.done.set_exception(StoreUnavailable(
            f"{room.stream_id} kept changing while the server wrote to it"))
