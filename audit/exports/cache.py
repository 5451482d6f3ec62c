"""Exports built once per log position, off the event loop.

Anyone may download a plan's exports, and each build folds the whole log and lays out every
commitment: CPU for a second or more. A build is keyed by everything its bytes depend on, so
the same request at the same log position is built once however many ask, also at the same
moment; the fold and layout run in a worker thread, never on the event loop that carries
everyone's keystrokes.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

Source = TypeVar("Source")


@dataclass(frozen=True, slots=True)
class ExportKey:
    plan_id: str
    file: str  # plan.pdf, opendata.json, ...
    language: str
    stage: str | None
    position: int  # the log's head when asked: the view reflects the log up to it
    members: bool  # the caller reads unpublished commitments (``rules.reads_unpublished``)


@dataclass(frozen=True, slots=True)
class Built:
    data: bytes
    media_type: str
    filename: str | None  # None: shown in the browser rather than saved


class ExportCache:
    """The newest builds, up to ``max_entries`` and ``max_bytes``; older positions age out.
    At most ``max_builds`` are built at once: requests for many plans, stages or positions
    queue for a worker instead of taking every core from the rooms."""

    def __init__(self, max_entries: int = 32, max_bytes: int = 64 * 1024 * 1024,
                 max_builds: int = 2) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._workers = asyncio.Semaphore(max_builds)
        self._built: OrderedDict[ExportKey, Built] = OrderedDict()
        self._bytes = 0
        self._building: dict[ExportKey, asyncio.Task[Built]] = {}
        # Counts, read by /metrics when the app publishes them (audit/exports/routes.py).
        self.builds = 0
        self.hits = 0

    async def get(self, key: ExportKey, read: Callable[[], Awaitable[Source]],
                  build: Callable[[Source], Built]) -> Built:
        """The export of ``key``: kept, or ``build(await read())`` with ``build`` in a worker
        thread. Whoever asks while it is being built waits for that one build."""
        kept = self._built.get(key)
        if kept is not None:
            self._built.move_to_end(key)
            self.hits += 1
            return kept
        task = self._building.get(key)
        if task is None:
            task = asyncio.create_task(self._build(key, read, build))
            self._building[key] = task
            task.add_done_callback(lambda done: self._settled(key, done))
        else:
            self.hits += 1
        # A caller who hangs up does not cancel the build the others wait for.
        return await asyncio.shield(task)

    async def _build(self, key: ExportKey, read: Callable[[], Awaitable[Source]],
                     build: Callable[[Source], Built]) -> Built:
        async with self._workers:
            source = await read()
            built = await asyncio.to_thread(build, source)
        self.builds += 1
        self._keep(key, built)
        return built

    def _settled(self, key: ExportKey, task: asyncio.Task[Built]) -> None:
        self._building.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved: every caller may have hung up

    def _keep(self, key: ExportKey, built: Built) -> None:
        if len(built.data) > self.max_bytes:
            return
        self._built[key] = built
        self._bytes += len(built.data)
        while len(self._built) > self.max_entries or self._bytes > self.max_bytes:
            _, old = self._built.popitem(last=False)
            self._bytes -= len(old.data)
