"""A room's presence on the wire: the changes of one event-loop turn coalesced into one frame
for the room's connections, and the local ones published to the other instances (remote ones
came from there already)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Protocol

from . import protocol
from .awareness import Entry, encode_update
from .fanout import AwarenessFanout, encode_message


class Recipient(Protocol):
    def send(self, frame: bytes) -> None: ...


class PresenceRelay:
    def __init__(
        self,
        document_id: str,
        instance_id: str,
        recipients: Callable[[], Iterable[Recipient]],
        publish: Callable[[str, bytes], None],
    ) -> None:
        self._document_id = document_id
        self._instance_id = instance_id
        self._recipients = recipients
        self._publish = publish
        self._local: dict[int, Entry] = {}
        self._remote: dict[int, Entry] = {}
        self._scheduled = False

    def queue(self, entries: list[Entry], *, local: bool) -> None:
        """Send ``entries`` at the end of this turn, with whatever else changed meanwhile
        (a client's newer state of the same id replaces its older one)."""
        pending = self._local if local else self._remote
        for entry in entries:
            pending[entry.client_id] = entry
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        local = list(self._local.values())
        entries = local + list(self._remote.values())
        self._local.clear()
        self._remote.clear()
        if not entries:
            return
        frame = protocol.awareness(encode_update(entries))
        for recipient in self._recipients():
            recipient.send(frame)
        if local:
            self._publish(self._document_id, encode_message(
                AwarenessFanout(self._instance_id, self._document_id, local)
            ))
