"""The admission of one client update into a room, decided on bytes alone: no server, no
socket, no log (server/admission.py)."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Text

from server.admission import Verdict, admit
from server.close_codes import CloseCode
from ycodec import Ranges, decode_state_vector

WRITER = "ayu"


def edits(client_id: int, *texts: str) -> tuple[Doc[Any], list[bytes]]:
    """The updates a client with ``client_id`` sends while typing ``texts`` in turn."""
    doc: Doc[Any] = Doc(client_id=client_id)
    updates = []
    for text in texts:
        before = doc.get_state()
        doc.get("problem", type=Text).insert(len(str(doc.get("problem", type=Text))), text)
        updates.append(doc.get_update(before))
    return doc, updates


def no_deletions() -> Ranges:
    return {}


def decide(update: bytes, state: dict[int, int] | None = None, **overrides: Any) -> Any:
    options: dict[str, Any] = {
        "person": WRITER, "state": state or {}, "deletions": no_deletions, "limit": 1 << 20,
        "owner_of": lambda client: None,
    }
    options.update(overrides)
    return admit(update, **options)


def test_a_new_edit_is_accepted_with_its_writers() -> None:
    _, (update,) = edits(5, "Data bansos")
    decision = decide(update)
    assert decision.verdict is Verdict.ACCEPT
    assert dict(decision.checked.writers) == {5: len("Data bansos")}


def test_an_edit_the_room_has_is_a_repeat() -> None:
    doc, (update,) = edits(5, "Data bansos")
    decision = decide(update, decode_state_vector(doc.get_state()))
    assert decision.verdict is Verdict.REPEAT


def test_bytes_that_are_not_an_update_close_the_connection() -> None:
    decision = decide(b"\x01\x02not an update at all")
    assert (decision.verdict, decision.close_code) == (Verdict.CLOSE, CloseCode.BAD_MESSAGE)


def test_an_update_over_the_limit_is_refused() -> None:
    # Refused, not merely closed: the client would send it again on every reconnect.
    _, (update,) = edits(5, "x" * 200)
    decision = decide(update, limit=100)
    assert (decision.verdict, decision.close_code) == (Verdict.REFUSE, None)
    assert decision.reason.endswith("edit over the 100-byte limit")


def test_the_documents_rules_refuse_with_the_refused_close() -> None:
    _, (update,) = edits(5, "Data bansos")
    decision = decide(update, document_rules=lambda update: "not a root of the template")
    assert (decision.verdict, decision.reason, decision.close_code) == (
        Verdict.REFUSE, "not a root of the template", None)


def test_another_persons_client_id_is_refused_and_closed() -> None:
    _, (update,) = edits(5, "Data bansos")
    decision = decide(update, owner_of=lambda client: "budi" if client == 5 else None)
    assert (decision.verdict, decision.close_code) == (Verdict.REFUSE, CloseCode.CLIENT_ID_TAKEN)
    assert "5" in decision.reason
    own = decide(update, owner_of=lambda client: WRITER)
    assert own.verdict is Verdict.ACCEPT


def test_an_edit_building_on_edits_the_room_never_logged_closes() -> None:
    _, (_first, second) = edits(5, "ab", "c")
    decision = decide(second)  # the room never got the first
    assert (decision.verdict, decision.close_code) == (Verdict.CLOSE, CloseCode.UNAVAILABLE)
    after_first = decide(second, {5: 2})
    assert after_first.verdict is Verdict.ACCEPT
