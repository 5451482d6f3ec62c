"""Whether a person's session still stands, from the folded log that every instance shares.

A sign-out, a new invitation link and a deactivation each end every session of the person
issued before the event was recorded (``ProcessState.sessions_ended``). The composition root
hands ``session_check`` to identity, which asks it at every authentication; the live server
asks it again after each such event, to close the connections of an ended session.
"""

from __future__ import annotations

from events.errors import EventStoreError
from identity.access import Principal
from identity.auth import SessionCheck
from identity.tokens import TokenError

from .runtime import ProcessRuntime, StateUnavailable
from .state import ProcessState

SESSION_ENDED = (
    "Sesi ini sudah berakhir; silakan masuk lagi / this session has ended; sign in again"
)
DEACTIVATED = "Akun ini sudah dinonaktifkan / this account has been deactivated"


def session_check(runtime: ProcessRuntime) -> SessionCheck:
    async def check(principal: Principal) -> TokenError | None:
        state: ProcessState
        try:
            state = await runtime.ready()
        except (StateUnavailable, EventStoreError):
            state = runtime.state  # the log is out of reach: the ends folded so far still count
        if not state.session_ended(principal.person_id, principal.issued_at):
            return None
        person = state.people.get(principal.person_id)
        if person is not None and not person.active:
            return TokenError("deactivated", DEACTIVATED)
        return TokenError("ended", SESSION_ENDED)

    return check
