"""A deadline for each request's headers, which uvicorn does not have.

uvicorn's only timer on a connection is its keep-alive timeout, armed after a response: a
client that opens a connection and sends its headers a byte at a time (slow-loris) holds the
connection, and its buffers, for as long as it likes, and a few thousand such clients hold
every file descriptor. Here the HTTP protocol uvicorn would pick is given a deadline, from
the connection's opening and again after each response, by which the next request's headers
must be complete; otherwise the connection is closed. A websocket upgrade hands the
connection over to another protocol with complete headers, which ends the deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds: a browser sends its headers in one packet


class _HeaderDeadline(asyncio.Protocol):
    """Mixed in before one of uvicorn's HTTP protocols (which set the attributes below)."""

    header_seconds = HEADER_TIMEOUT
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any  # the current request's cycle; None until the first headers are complete
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self.header_seconds, self._expire)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _expire(self) -> None:
        self._header_deadline = None
        transport = self.transport
        if transport.is_closing() or transport.get_protocol() is not self:
            return  # closed already, or a websocket now
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            transport.close()  # no request whose headers are complete is being served


def protocol_class(header_seconds: float = HEADER_TIMEOUT) -> type[asyncio.Protocol]:
    """The HTTP protocol uvicorn's ``http="auto"`` chooses (httptools if installed, else h11),
    with a deadline of ``header_seconds`` for each request's headers: pass it as ``http``."""
    base: type[asyncio.Protocol]
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools missing: uvicorn would use h11
        base = H11Protocol
    else:
        base = HttpToolsProtocol
    made = type(f"{base.__name__}WithHeaderDeadline", (_HeaderDeadline, base),
                {"header_seconds": header_seconds})
    return cast(type[asyncio.Protocol], made)
