"""A TCP proxy between a browser and the server whose connections can be frozen: bytes stop
flowing both ways but no socket is closed, as when a laptop loses its network. Neither end
sees a close; only keep-alives can tell."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class FreezableProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.frozen = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while not self.frozen.is_set():
                data = await reader.read(65536)
                if not data or self.frozen.is_set():
                    break
                writer.write(data)
                await writer.drain()
            if not self.frozen.is_set():
                writer.close()
        if self.frozen.is_set():
            await asyncio.Event().wait()  # hold the socket open, silent, until stopped

    async def _accept(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1",
                                                                     self.target_port)
        self._writers += [client_writer, server_writer]
        for source, sink in ((client_reader, server_writer), (server_reader, client_writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def freeze(self) -> None:
        self.frozen.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FreezableProxy]:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            for writer in self._writers:
                writer.close()
