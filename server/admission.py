"""Whether one client update may enter a room: a pure decision, bytes in, a verdict out.

The room asks this for each update of a batch, against the room's state plus the batch's
earlier updates; it does no I/O and changes nothing, so every rule is tested on bytes alone
(tests/server/test_admission.py). The room then acts on the verdict: logs the accepted update,
acknowledges a repeat, refuses (the client is told why, then closed with 4422 or the
verdict's code: its copy holds an edit the server will never take) or closes.

In order: the update must be a Yjs update (else close, 4400); one that brings nothing new is a
repeat; its new part must fit the limit (else refuse); the document's own rules (the
template's root names) may refuse it; every client id it writes with must belong to its
author (bound by the log, announced in presence, or claimed earlier in the batch; else refuse
and close, 4409); and it must not build on edits of its client ids the room never logged
(else close, 1011: the client's resync after reconnecting carries the whole run).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ycodec import Outline, Ranges, encode_state_vector

from .close_codes import CloseCode
from .updates import CheckedUpdate, MalformedUpdate, check_update, whole


class Verdict(enum.Enum):
    ACCEPT = "accept"  # log it
    REPEAT = "repeat"  # nothing new: acknowledge once what came before is durable
    REFUSE = "refuse"  # tell the writer why, then close (4422 unless ``close_code``)
    CLOSE = "close"  # close the connection with ``close_code``


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    checked: CheckedUpdate | None = None  # the trimmed update, for ACCEPT and REPEAT
    reason: str = ""
    close_code: int | None = None  # for CLOSE; for REFUSE when not 4422


def admit(
    update: bytes,
    *,
    person: str,
    state: Mapping[int, int],
    deletions: Callable[[], Ranges],
    limit: int,
    owner_of: Callable[[int], str | None],
    document_rules: Callable[[bytes], str | None] | None = None,
    shape: Outline | None = None,
) -> Decision:
    """Decide ``update`` of ``person`` for a room at ``state`` (its state vector, with the
    batch's earlier updates); ``owner_of(client_id)`` names who a client id belongs to, if
    anyone; ``shape`` is the update's outline when already read."""
    try:
        known = shape if shape is not None and whole(shape, state) else None
        checked = check_update(update, encode_state_vector(state), deletions, known)
    except MalformedUpdate as error:
        return Decision(Verdict.CLOSE, reason=str(error)[:120], close_code=CloseCode.BAD_MESSAGE)
    if checked.empty:
        return Decision(Verdict.REPEAT, checked)
    if len(checked.update) > limit:
        return Decision(Verdict.REFUSE, reason=(
            f"suntingan lebih dari {limit} bita / edit over the {limit}-byte limit"))
    refusal = document_rules(checked.update) if document_rules is not None else None
    if refusal is not None:
        return Decision(Verdict.REFUSE, reason=refusal)
    taken = next((c for c in checked.writers if owner_of(c) not in (None, person)), None)
    if taken is not None:
        return Decision(Verdict.REFUSE, reason=(
            f"ID klien Yjs {taken} milik orang lain / Yjs client id {taken} belongs to "
            "another person"), close_code=CloseCode.CLIENT_ID_TAKEN)
    if any(first > state.get(client, 0) for client, first in checked.starts.items()):
        # Logging it would make the client's resync look new and log it twice.
        return Decision(Verdict.CLOSE, reason="earlier edits missing; reconnect to resend",
                        close_code=CloseCode.UNAVAILABLE)
    return Decision(Verdict.ACCEPT, checked)
