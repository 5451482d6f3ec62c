"""pycrdt-websocket with its SQLite store, as a peer for the live-server benchmark.

Runs in the peers' own virtualenv (bench/.peers/pyvenv, made by install.sh), never in Kokreasi's.
Each room keeps its updates in one shared SQLite file through pycrdt-store's SQLiteYStore and is
loaded from it when a room opens, so a restarted server serves what it had stored.

    python pycrdt_server.py --port 8101 --db /tmp/x/ystore.db
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from typing import Any

import uvicorn
from anyio import Lock
from pycrdt import Doc
from pycrdt.store import SQLiteYStore, YDocNotFound
from pycrdt.websocket import ASGIServer, WebsocketServer, YRoom


def store_class(db_path: str) -> type[SQLiteYStore]:
    return type("BenchYStore", (SQLiteYStore,), {"db_path": db_path})


class StoredWebsocketServer(WebsocketServer):
    """Gives every room a SQLiteYStore and the document that store holds."""

    def __init__(self, store: type[SQLiteYStore], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._store = store
        self._open_lock = Lock()

    async def get_room(self, name: str) -> YRoom:
        async with self._open_lock:  # clients opening one room at once must share one room
            if name not in self.rooms:
                ystore = self._store(path=name)
                assert self._task_group is not None
                await self._task_group.start(ystore.start)
                ydoc = Doc()
                with contextlib.suppress(YDocNotFound):  # a new document
                    await ystore.apply_updates(ydoc)
                self.rooms[name] = YRoom(
                    ready=self.rooms_ready, ystore=ystore, ydoc=ydoc, log=self.log,
                    exception_handler=self.exception_handler,
                )
            room = self.rooms[name]
            # Inside the lock too: a second client arriving while the room starts would start
            # it again, fail, and sit unsynced until its 30 s reconnect.
            await self.start_room(room)
        return room


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    store = store_class(args.db)
    # Create the schema once, before any room: every room's store opens the same file and
    # would otherwise race to create it.
    first = store(path="")
    async with WebsocketServer() as scratch:
        assert scratch._task_group is not None
        await scratch._task_group.start(first.start)
        assert first.db_initialized is not None
        await first.db_initialized.wait()
        await first.stop()
    websocket_server = StoredWebsocketServer(store, auto_clean_rooms=False)
    app = ASGIServer(websocket_server)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning",
                            ws_max_size=16 * 1024 * 1024, timeout_graceful_shutdown=2)
    async with websocket_server:
        await uvicorn.Server(config).serve()
        # Past SIGTERM: the rooms' and stores' tasks do not all end on cancellation, and the
        # benchmark needs the process gone, not a tidy exit.
        os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
