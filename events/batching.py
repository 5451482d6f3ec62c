"""Group commit: one writer task merges concurrent appends into one transaction.

Many websocket connections append small CRDT updates at once; committing each in its own
transaction would pay one fsync per keystroke. Appends queue here; the writer takes every
append waiting (up to a size budget), lingers at most ``wait_ms`` for stragglers when the
previous batch suggests more are coming, and commits them together. Each caller awaits only
its own future, which resolves once its events are durable (or with its own error).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .errors import EventStoreError, StoreUnavailable
from .planning import PendingAppend

log = logging.getLogger(__name__)

CommitBatch = Callable[[list[PendingAppend]], Awaitable[None]]

MAX_BATCH_APPENDS = 1000
MAX_BATCH_BYTES = 8 * 1024 * 1024


def fail_batch(batch: list[PendingAppend], error: BaseException) -> None:
    """Fail every caller of a batch whose transaction did not commit."""
    if not isinstance(error, EventStoreError):
        wrapped = StoreUnavailable(f"the event log could not commit: {error}")
        wrapped.__cause__ = error
        error = wrapped
    for append in batch:
        if not append.future.done():
            append.future.set_exception(error)


class GroupCommitter:
    def __init__(self, commit: CommitBatch, wait_ms: float) -> None:
        self._commit = commit
        self._wait = max(0.0, wait_ms) / 1000.0
        # None is the stop signal, queued behind every append submitted before close().
        self._queue: asyncio.Queue[PendingAppend | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._last_batch = 0
        self._batch_bytes = 0
        self._closed = False

    async def submit(self, append: PendingAppend) -> list[int]:
        if self._closed:
            raise StoreUnavailable("the event store is closed")
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._run())
        self._queue.put_nowait(append)
        return await append.future

    def _take(self, append: PendingAppend | None, batch: list[PendingAppend]) -> bool:
        """Add ``append`` to ``batch``; False at the stop signal."""
        if append is None:
            return False
        batch.append(append)
        self._batch_bytes += append.size
        return True

    def _full(self, batch: list[PendingAppend]) -> bool:
        return len(batch) >= MAX_BATCH_APPENDS or self._batch_bytes >= MAX_BATCH_BYTES

    async def _collect(self) -> tuple[list[PendingAppend], bool]:
        """The next batch, and whether to keep running after it."""
        batch: list[PendingAppend] = []
        self._batch_bytes = 0
        if not self._take(await self._queue.get(), batch):
            return batch, False
        while not self._queue.empty() and not self._full(batch):
            if not self._take(self._queue.get_nowait(), batch):
                return batch, False
        # Linger only when the last batch was larger: its callers are likely about to append
        # again, and waiting a few ms saves a transaction. A lone writer never waits.
        if self._wait and len(batch) < self._last_batch:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._wait
            while len(batch) < self._last_batch and not self._full(batch):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    append = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
                if not self._take(append, batch):
                    return batch, False
        return batch, True

    async def _run(self) -> None:
        running = True
        while running:
            batch, running = await self._collect()
            batch = [append for append in batch if not append.future.cancelled()]
            if not batch:
                continue
            self._last_batch = len(batch)
            try:
                await self._commit(batch)
            except asyncio.CancelledError:
                fail_batch(batch, StoreUnavailable("the event store closed during the append"))
                raise
            except Exception as error:
                log.warning("group commit of %d appends failed: %s", len(batch), error)
                fail_batch(batch, error)

    async def close(self) -> None:
        """Commit the appends already submitted, then stop the writer."""
        self._closed = True
        if self._writer is None or self._writer.done():
            return
        self._queue.put_nowait(None)
        await self._writer
