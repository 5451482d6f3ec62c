"""The live process state of one server instance: the log, folded as it grows.

Every instance follows ``store.subscribe()`` and folds the same events in the same order, so
all instances agree. Commands append, then ``wait_for`` the position they wrote, so a caller
always reads its own writes. Access listeners run before a position counts as folded: when a
command returns, every open connection of this instance has already been re-checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pycrdt import Doc

from events.errors import EventStoreError
from events.store import EventStore
from identity.access import AccessListener

from .domain import document_stream
from .state import ProcessState

log = logging.getLogger(__name__)

FOLD_TIMEOUT_S = 10.0
DOCUMENT_CACHE_SIZE = 64


class StateUnavailable(RuntimeError):
    """The log could not be followed in time; the caller should retry later (HTTP 503)."""


class ProcessRuntime:
    def __init__(self, store: EventStore | Callable[[], EventStore]) -> None:
        # A callable lets the server open its store after the policy is created.
        self._store_source = store
        self.state = ProcessState()
        self._listeners: list[AccessListener] = []
        self._folded = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._start_position: int | None = None  # the log's head when following began
        self._start_lock = asyncio.Lock()
        self._documents: OrderedDict[str, tuple[Doc[Any], int]] = OrderedDict()
        self._document_lock = asyncio.Lock()

    @property
    def store(self) -> EventStore:
        source = self._store_source
        return source if isinstance(source, EventStore) else source()

    def on_change(self, listener: AccessListener) -> None:
        self._listeners.append(listener)

    async def ready(self) -> ProcessState:
        """Start following the log (once) and return the state, caught up to the head."""
        if self._start_position is None:
            # Every caller, not just the first, waits for the initial catch-up: requests that
            # arrive together at a fresh instance must not see an empty state.
            async with self._start_lock:
                if self._start_position is None:
                    head = await self.store.head()
                    self._task = asyncio.create_task(self._follow(), name="process-follower")
                    self._start_position = head.position
        elif self._task is not None and self._task.done():
            raise StateUnavailable("the process state stopped following the log")
        await self.wait_for(self._start_position)
        return self.state

    async def wait_for(self, position: int, within_s: float = FOLD_TIMEOUT_S) -> None:
        """Return once the state has folded ``position`` (read-your-writes)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while self.state.position < position:
            remaining = deadline - loop.time()
            if remaining <= 0 or (self._task is not None and self._task.done()):
                raise StateUnavailable(
                    f"the process state has not reached position {position} of the log"
                )
            waiter = self._folded
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), remaining)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _follow(self) -> None:
        delay = 0.1
        while True:
            try:
                async for event in self.store.subscribe(after_position=self.state.position):
                    if self.state.apply(event):
                        await self._notify()
                    self._wake()
                    delay = 0.1
                return  # the store was closed
            except EventStoreError:
                log.exception("following the log failed; retrying in %.1f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _wake(self) -> None:
        waiter, self._folded = self._folded, asyncio.Event()
        waiter.set()

    async def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                await listener()
            except Exception:
                log.exception("an access listener failed")

    async def document(self, document_id: str) -> Doc[Any]:
        """The current CRDT document of a commitment, kept incrementally up to date."""
        async with self._document_lock:
            doc, version = self._documents.pop(document_id, (None, 0))
            if doc is None:
                doc = Doc()
            for event in await self.store.read_stream(
                document_stream(document_id), after_version=version
            ):
                doc.apply_update(event.payload)
                version = event.stream_version
            self._documents[document_id] = (doc, version)
            while len(self._documents) > DOCUMENT_CACHE_SIZE:
                self._documents.popitem(last=False)
            return doc
