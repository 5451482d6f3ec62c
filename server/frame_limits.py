"""What a connection does with a frame over its limits: an edit too large is refused (the
client reloads the document), presence over its size or rate is closed or dropped."""

from __future__ import annotations

from typing import Protocol

from throttle import TokenBucket

from . import protocol
from .close_codes import CloseCode
from .limits import Limits
from .metrics import Metrics, PersonRefusal
from .reasons import PRESENCE_FLOOD, PRESENCE_TOO_BIG, TOO_LARGE
from .refusals import edit_refused

MAX_RATE_WAIT = 10.0  # seconds of rate-limit debt before a writer is cut off


class Limited(Protocol):
    metrics: Metrics
    presence: TokenBucket

    def send(self, frame: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


def presence_allowed(connection: Limited, update: bytes, limits: Limits) -> bool | None:
    """Whether to relay a presence update; None when the connection was closed instead."""
    refusals = connection.metrics.person_refusals
    if len(update) > limits.max_presence_bytes:
        refusals.inc(PersonRefusal.PRESENCE_SIZE)
        connection.close(CloseCode.TOO_BIG, PRESENCE_TOO_BIG.format(limits.max_presence_bytes))
        return None
    debt = connection.presence.take()
    if debt > MAX_RATE_WAIT:
        refusals.inc(PersonRefusal.PRESENCE_RATE)
        connection.close(CloseCode.RATE_LIMITED, PRESENCE_FLOOD)
        return None
    if debt:
        # Over the rate: never relayed. A cursor sends its next state soon anyway, and
        # every client renews its own each 15 s.
        refusals.inc(PersonRefusal.PRESENCE_DROPPED)
        return False
    return True


def too_big(connection: Limited, data: bytes, limit: int) -> None:
    if data[0] == protocol.MessageType.SYNC:  # an edit the client would resend on reconnect
        edit_refused(connection, TOO_LARGE.format(limit))
    else:
        connection.close(CloseCode.TOO_BIG, f"message over the {limit}-byte limit")
