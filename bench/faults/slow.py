"""A websocket client that stops reading after its handshake: a hand-made upgrade on a socket
with a tiny receive buffer that nobody drains, so whatever the server sends it piles up on
the server's side (a client library would keep reading into its own buffers)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import struct
from urllib.parse import urlsplit

from server import protocol


def masked_frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """One final client frame (clients must mask what they send)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + body


class SlowReader:
    def __init__(self, url: str) -> None:
        self.url = url
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        parts = urlsplit(self.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
        self._writer = writer
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise RuntimeError(f"upgrade refused: {response[:100]!r}")
        writer.write(masked_frame(protocol.sync_step1(b"\x00")))  # "send me everything"
        await writer.drain()
        # From here on nothing reads: the stream's small buffer fills, then the socket's.

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.transport.abort()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
