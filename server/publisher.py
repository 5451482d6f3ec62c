"""The one task that forwards fan-out messages to the broker, in order, so rooms never wait on
Redis."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .fanout import Broker

log = logging.getLogger("kokreasi.fanout")

PUBLISH_QUEUE = 10_000


class Publisher:
    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue(PUBLISH_QUEUE)
        self._task = asyncio.create_task(self._run(), name="fan-out publisher")

    def publish(self, document_id: str, message: bytes) -> None:
        try:
            self._queue.put_nowait((document_id, message))
        except asyncio.QueueFull:
            # Other instances notice the version gap and read the log instead.
            log.warning("fan-out queue full; dropping a message for %s", document_id)

    async def _run(self) -> None:
        while (item := await self._queue.get()) is not None:
            await self._broker.publish(*item)

    async def close(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._task, timeout=5.0)
