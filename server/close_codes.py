"""The websocket close codes the live server ends a connection with (docs/contracts.md).

y-websocket 3.x stops reconnecting after a close code in 4400-4499 (the server decided and a
retry cannot change it) and retries every other one. So the 44xx codes, named after the HTTP
status they echo, are kept for what a reconnect cannot fix; what passes with time (too many
edits, a send queue that overflowed, a log that failed, a shutdown) uses a code it retries.
"""

from __future__ import annotations


class CloseCode:
    # Final: y-websocket stops; the client must change something first.
    UNAUTHORIZED = 4401  # no token, bad signature, expired, ended session, someone else's tab
    FORBIDDEN = 4403  # may not read this document
    BAD_MESSAGE = 4400  # malformed frame or update
    CLIENT_ID_TAKEN = 4409  # update carries another person's Yjs client id
    # An edit was refused (no right to write, outside the template, too large): the client's
    # copy holds edits the server will never take, so a resync would only send them again.
    # The client loads the document afresh from the server and keeps its refused edits aside.
    REFUSED = 4422
    # Transient: y-websocket reconnects after its back-off.
    RATE_LIMITED = 1013  # "try again later": too many edits, connections or attempts
    TOO_SLOW = 4508  # send queue overflowed; reconnecting resyncs
    TOO_BIG = 1009  # a presence message over the limit
    UNAVAILABLE = 1011  # the log could not take the edit; reconnect to resend it
    GOING_AWAY = 1001  # server shutting down


# The close reason of REFUSED (at most 123 bytes of UTF-8); the permission-denied message
# sent just before it says why.
REFUSED_REASON = ("suntingan ditolak; muat ulang dokumen / "
                  "edit refused; load the document again")
