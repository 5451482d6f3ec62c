"""The loaded rooms of one instance: a room is loaded from the log on its first join, hears
the other instances' fan-out, is re-checked when access changes, and is unloaded when idle."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import ycodec
from events.errors import EventStoreError
from identity.access import DocumentAccess, Principal

from .close_codes import CloseCode
from .edits import Peer
from .fanout import UpdatesMessage
from .loading import load_document
from .rooms import Room, RoomServices

log = logging.getLogger("kokreasi.rooms")


class RoomManager:
    """The loaded rooms of this instance: loaded on first join, unloaded when idle."""

    def __init__(self, services: RoomServices, *, idle_grace: float = 30.0) -> None:
        self._services = services
        self._idle_grace = idle_grace
        self.rooms: dict[str, Room] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._janitor: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._janitor = asyncio.create_task(self._sweep(), name="room janitor")

    def _lock(self, document_id: str) -> asyncio.Lock:
        return self._locks.setdefault(document_id, asyncio.Lock())

    async def join(self, document_id: str, peer: Peer) -> Room:
        async with self._lock(document_id):
            room = self.rooms.get(document_id)
            if room is None:
                loaded = await load_document(
                    self._services.store, document_id, self._services.checkpoints
                )
                room = Room(document_id, loaded, self._services)
                self.rooms[document_id] = room
            room.join(peer)
            return room

    async def open(self, document_id: str) -> Room:
        """The document's room, loaded (without anyone in it: it unloads when idle) if it was
        not; for the server's own writes (``document_writer``)."""
        async with self._lock(document_id):
            room = self.rooms.get(document_id)
            if room is None:
                loaded = await load_document(
                    self._services.store, document_id, self._services.checkpoints
                )
                room = Room(document_id, loaded, self._services)
                self.rooms[document_id] = room
            return room

    def on_broker_message(self, document_id: str, data: bytes) -> None:
        from .fanout import decode_message  # local: keeps the hot import list short

        try:
            message = decode_message(data)
        except ycodec.DecodeError as error:
            log.warning("dropping a malformed fan-out message: %s", error)
            return
        if message.instance_id == self._services.instance_id:
            return  # our own echo
        room = self.rooms.get(message.document_id)
        if room is None:
            return  # not loaded here; it will load from the log when someone joins
        if isinstance(message, UpdatesMessage):
            room.remote_updates(message)
        else:
            room.remote_awareness(message)

    async def on_broker_reconnect(self) -> None:
        for room in list(self.rooms.values()):
            room.request_catch_up()

    async def refresh_access(
        self, ask: Callable[[Principal, str], Awaitable[DocumentAccess]]
    ) -> None:
        """Re-ask the policy for every open connection; apply the answers at once."""
        for room in list(self.rooms.values()):
            for peer in list(room.peers):
                access = await ask(peer.principal, room.document_id)
                if not access.can_read:
                    peer.close(CloseCode.FORBIDDEN, (access.reason or "access withdrawn")[:120])
                    room.leave(peer)
                else:
                    room.access_changed(peer, access)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(self._idle_grace, 5.0) / 2)
            now = time.monotonic()
            for document_id, room in list(self.rooms.items()):
                try:
                    if room.peers and not room.busy:
                        await self._check_fresh(room)
                    idle = room.idle_since
                    if idle is not None and now - idle >= self._idle_grace and not room.busy:
                        await self._unload(document_id)
                except Exception:  # one bad room must not stop the sweeping of the others
                    log.exception("room %s: housekeeping failed", document_id)

    async def _check_fresh(self, room: Room) -> None:
        """A safety net under fan-out: a message lost on the way (a Redis restart between
        publish and delivery) shows up as the log being ahead of the room."""
        try:
            latest = await self._services.store.stream_version(room.stream_id)
        except EventStoreError as error:
            log.warning("room %s: cannot check the log: %s", room.document_id, error)
            return
        if latest > room.version:
            room.request_catch_up()

    async def _unload(self, document_id: str) -> None:
        async with self._lock(document_id):
            room = self.rooms.get(document_id)
            if room is None or room.peers:
                return
            await room.stop()  # joins wait on the lock, so nobody joins a stopping room
            del self.rooms[document_id]
        lock = self._locks.get(document_id)
        if lock is not None and not lock.locked() and document_id not in self.rooms:
            del self._locks[document_id]

    async def close(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._janitor
        for room in list(self.rooms.values()):
            for peer in list(room.peers):
                peer.close(CloseCode.GOING_AWAY, "server shutting down")
        rooms = list(self.rooms.values())
        self.rooms.clear()
        for room in rooms:
            try:
                await room.stop()
            except Exception:
                log.exception("room %s: could not stop cleanly", room.document_id)
