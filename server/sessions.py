"""Ending the live connections of a session that was ended (signed out, a new invitation
link, the person deactivated): the same check as at the handshake, asked again."""

from __future__ import annotations

from collections.abc import Iterable

from identity.auth import SessionCheck

from .close_codes import CloseCode
from .connection import Connection


async def close_ended_sessions(connections: Iterable[Connection], check: SessionCheck) -> None:
    for connection in list(connections):
        if connection.closed:
            continue
        ended = await check(connection.principal)
        if ended is not None:
            # 4401, like a refused token at the handshake: the client signs in again.
            connection.close(CloseCode.UNAUTHORIZED, ended.detail)
