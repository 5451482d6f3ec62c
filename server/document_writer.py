"""The live write path for the server's own changes to a document (the process's negotiation:
the ``review`` root, accepted suggestions), wired in by the composition root.

A change goes through the document's room: loaded for it if nobody has it open here (it then
unloads when idle like any room), made in turn with the clients' edits against the room's
exact document, logged before anyone sees it, then sent to the clients here and published to
the other instances, which apply it as they apply any logged edit.
"""

from __future__ import annotations

from .room_manager import RoomManager
from .server_writes import ServerEdit


class RoomWriter:
    def __init__(self, rooms: RoomManager) -> None:
        self._rooms = rooms

    async def write(self, document_id: str, edit: ServerEdit,
                    guard: dict[str, int] | None = None) -> list[int]:
        room = await self._rooms.open(document_id)
        # Queued before anything else can run: the janitor never unloads a room with work.
        return await room.write(edit, guard)
