"""Telling a client that it lost the right to write, or that an edit of its was refused.

Losing write access (a stage advance, a closed revision, a deactivation, a move out of the
working group) is told at once, as the y-protocols permission-denied message with the
policy's reason; the connection stays open for reading. A refused edit is told the same way
and then the connection is closed with ``CloseCode.REFUSED``: the edit stays in the client's
document, and every later edit builds on it, so the client must load the document afresh
from the server (the web app keeps the refused text aside for the person; a stock
y-websocket client stops, with the reason, until its application reloads the document).
"""

from __future__ import annotations

from typing import Protocol

from . import protocol
from .close_codes import REFUSED_REASON, CloseCode

NO_WRITE = ("Anda tidak dapat menyunting dokumen ini sekarang / "
            "you may not edit this document now")


class Recipient(Protocol):
    def send(self, frame: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


def write_withdrawn(peer: Recipient, reason: str | None) -> None:
    """The connection may no longer write: say so now, before the client types again."""
    peer.send(protocol.permission_denied(reason or NO_WRITE))


def edit_refused(peer: Recipient, reason: str | None, code: int = CloseCode.REFUSED) -> None:
    """An edit will never be taken: say why, then close so the client reloads the document
    (``code``: REFUSED, or CLIENT_ID_TAKEN, whose reason is the refusal's own)."""
    reason = reason or NO_WRITE
    peer.send(protocol.permission_denied(reason))
    peer.close(code, REFUSED_REASON if code == CloseCode.REFUSED else reason[:120])
