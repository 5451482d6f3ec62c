"""Slow-loris: a client that sends its headers a byte at a time is disconnected by
``kokreasi serve``, while websockets and ordinary requests go on."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
from live_helpers import SECRET, ServerProcess, YClient

from events.record import Stakeholder
from identity.tokens import issue_token

TIMEOUT = 0.5  # seconds the server gives a request's headers (KOKREASI_HEADER_TIMEOUT)


async def _drip(address: str, *, after_a_request: bool = False, limit: int = 400) -> int:
    """Open a connection and send a request's headers a byte each 50 ms, never finishing
    them (after one whole request and its response, if asked); how many bytes went out
    before the server closed the connection (or ``limit``)."""
    host, port = address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = f"GET /healthz HTTP/1.1\r\nHost: {address}\r\nX-Slow: ".encode()
    sent = 0
    try:
        if after_a_request:
            writer.write(f"GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n".encode())
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
        for byte in (head + b"a" * limit)[:limit]:
            writer.write(bytes([byte]))
            await writer.drain()
            sent += 1
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(reader.read(1), 0.05) == b"":
                    return sent  # the server closed it
    except ConnectionError:
        return sent
    finally:
        writer.close()
    return limit


async def test_headers_sent_a_byte_at_a_time_lose_the_connection(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, secret=SECRET.decode(), env={
        "KOKREASI_ACCESS_POLICY": "open", "KOKREASI_HEADER_TIMEOUT": str(TIMEOUT)})
    await server.start()
    try:
        token = issue_token(SECRET, name="Ayu", org="ICW", role=Stakeholder.CSO)
        url = f"ws://{server.address}/ws/loris?token={token}&saved=1"
        async with YClient(url) as editor:
            await asyncio.wait_for(editor.synced.wait(), 5)
            assert await _drip(server.address) < 400
            assert await _drip(server.address, after_a_request=True) < 400
            # A websocket is past its headers: the deadline does not touch it.
            await asyncio.sleep(2 * TIMEOUT)
            editor.text += "still connected"
            await editor.wait_saved()
            assert editor.close_code is None
        # Two requests on one connection, the second after the first's deadline would
        # have passed: each request gets its own.
        async with httpx.AsyncClient(base_url=f"http://{server.address}") as http:
            assert (await http.get("/healthz")).status_code == 200
            await asyncio.sleep(2 * TIMEOUT)
            assert (await http.get("/healthz")).status_code == 200
    finally:
        server.stop()
