"""The websocket close codes the live server ends a connection with (docs/contracts.md): the
4xxx ones are Kokreasi's, named after the HTTP status they echo."""

from __future__ import annotations


class CloseCode:
    UNAUTHORIZED = 4401  # no token, bad signature, expired
    FORBIDDEN = 4403  # may not read this document
    BAD_MESSAGE = 4400  # malformed frame or update
    CLIENT_ID_TAKEN = 4409  # update carries another person's Yjs client id
    RATE_LIMITED = 4429
    TOO_SLOW = 4408  # send queue overflowed
    TOO_BIG = 1009
    UNAVAILABLE = 1011  # the log could not take the edit; reconnect to resend it
    GOING_AWAY = 1001
