"""A websocket client that stops reading: its receive buffer is tiny and never drained, so
whatever the server sends it piles up on the server's side."""

from __future__ import annotations

import contextlib
import socket
from typing import Any
from urllib.parse import urlsplit

import websockets

from server import protocol


class SlowReader:
    def __init__(self, url: str) -> None:
        self.url = url
        self._ws: Any = None
        self._sock: socket.socket | None = None

    async def open(self) -> None:
        parts = urlsplit(self.url)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
        sock.setblocking(False)
        self._sock = sock
        self._ws = await websockets.connect(self.url, sock=sock, max_queue=1, max_size=None,
                                            ping_interval=None, close_timeout=1)
        await self._ws.send(protocol.sync_step1(b"\x00"))  # "send me everything"
        # From here on nothing reads: websockets stops reading the socket once one frame
        # waits in its queue.

    def unread_estimate(self) -> int | None:
        return None

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                self._ws.transport.abort()
        if self._sock is not None:
            self._sock.close()
