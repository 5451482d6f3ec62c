"""Ending the live connections of a session that was ended (signed out, a new invitation
link, the person deactivated): the same check as at the handshake, asked again; and of a
session cookie that a new sign-in in the same browser replaced."""

from __future__ import annotations

from collections.abc import Iterable

from identity.auth import SessionCheck

from .close_codes import CloseCode
from .connection import Connection
from .reasons import SOMEONE_ELSE


async def close_ended_sessions(connections: Iterable[Connection], check: SessionCheck) -> None:
    for connection in list(connections):
        if connection.closed:
            continue
        ended = await check(connection.principal)
        if ended is not None:
            # 4401, like a refused token at the handshake: the client signs in again.
            connection.close(CloseCode.UNAUTHORIZED, ended.detail)


def close_replaced_session(connections: Iterable[Connection], token_id: str) -> None:
    """The browser holding this token's cookie signed in again: its tabs' connections speak
    for a person the browser no longer is (4401; the web app then asks who is signed in)."""
    for connection in list(connections):
        if connection.principal.token_id == token_id and not connection.closed:
            connection.close(CloseCode.UNAUTHORIZED, SOMEONE_ELSE)
