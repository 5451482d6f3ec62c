"""The projections as a running part of a server: tables plus a runner following the log.

    service = await ProjectionService.start(settings.database_url, store)
    ...
    await service.close()

Several server instances may each run one on the same database: the runner's checkpoint
check lets only one of them store any given range of events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from events.store import EventStore

from . import workers
from .runner import ProjectionRunner
from .storage import Storage, open_storage

log = logging.getLogger("kokreasi.projections")

RESTART_DELAY = 1.0
LEADER_RETRY = 2.0
SERVER_BATCH = 5000
"""Events read at once inside a server: reading a batch holds its event loop (about 20 ms for
this many), so the server's editors wait less than with the rebuild command's batches."""


class ProjectionService:
    def __init__(self, store: EventStore, storage: Storage, *, follow: bool = True) -> None:
        self.store = store
        self.storage = storage
        self.runner = ProjectionRunner(store, storage, batch_size=SERVER_BATCH)
        self._task: asyncio.Task[None] | None = None
        if follow:
            self._task = asyncio.create_task(self._run(), name="projections runner")
            workers.warm_up()  # a server: its first comparison should not wait for a spawn

    @classmethod
    async def start(
        cls, database_url: str, store: EventStore, *, follow: bool = True
    ) -> ProjectionService:
        return cls(store, await open_storage(database_url), follow=follow)

    async def _run(self) -> None:
        # Another instance may be keeping the tables up to date; take over if it goes away.
        while True:
            if await self.storage.lead():
                break
            await asyncio.sleep(LEADER_RETRY)
        while True:
            try:
                await self.runner.follow()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                # The tables stay as of the last checkpoint; following again resumes there.
                log.exception("projections runner failed; restarting")
                await asyncio.sleep(RESTART_DELAY)

    async def wait_until(self, position: int) -> None:
        """Wait until the stored projections include ``position`` (tests, read-your-writes);
        wrap it in ``asyncio.timeout``."""
        await self.runner.wait_until(position)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            with contextlib.suppress(Exception):
                await self.runner.flush()
        await self.storage.close()
