"""The rule that keeps clients out of the ``review`` root, on bytes alone: an update naming
the root, writing with its client id, building on one of its items (origin, right origin,
parent) or deleting one is refused; edits elsewhere pass."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map, Text

import ycodec
from commitment.template import REVIEW, REVIEW_CLIENT_ID, SERVER_ONLY
from process.negotiation.guard import check_client_update, touches_review
from process.negotiation.writer import review_update


def _server_doc() -> Doc[Any]:
    doc: Doc[Any] = Doc()
    doc.get("title", type=Text).insert(0, "Judul")
    doc.apply_update(review_update(doc, "comments", "c1", {"body": "asli"}))
    return doc


def _client(doc: Doc[Any]) -> Doc[Any]:
    client: Doc[Any] = Doc()
    client.apply_update(doc.get_update())
    return client


def _edit(doc: Doc[Any], change: Any) -> bytes:
    client = _client(doc)
    before = client.get_state()
    change(client)
    return client.get_update(before)


def test_review_items_carry_the_reserved_client_id() -> None:
    doc = _server_doc()
    update = review_update(doc, "comments", "c2", {"body": "dua"})
    assert set(ycodec.outline(update).writers) == {REVIEW_CLIENT_ID}
    doc.apply_update(update)
    assert doc.get(REVIEW, type=Map).to_py()["comments"]["c2"] == {"body": "dua"}


def test_client_edits_inside_review_are_refused() -> None:
    doc = _server_doc()

    def overwrite(client: Doc[Any]) -> None:  # a new item whose origin is the server's
        client.get(REVIEW, type=Map)["comments"]["c1"] = {"body": "palsu"}

    def add_entry(client: Doc[Any]) -> None:  # a new key: its parent is the server's map
        client.get(REVIEW, type=Map)["comments"]["c9"] = {"body": "palsu"}

    def delete(client: Doc[Any]) -> None:
        del client.get(REVIEW, type=Map)["comments"]["c1"]

    def new_root_key(client: Doc[Any]) -> None:  # names the root itself
        client.get(REVIEW, type=Map)["other"] = "x"

    for change in (overwrite, add_entry, delete, new_root_key):
        update = _edit(doc, change)
        assert touches_review(update) or REVIEW in _root_names(update), change.__name__
        assert check_client_update(doc, update) == SERVER_ONLY, change.__name__
    forged: Doc[Any] = Doc(client_id=REVIEW_CLIENT_ID)
    forged.get("title", type=Text).insert(0, "x")
    assert check_client_update(None, forged.get_update()) == SERVER_ONLY


def test_edits_elsewhere_pass() -> None:
    doc = _server_doc()
    update = _edit(doc, lambda client: client.get("title", type=Text).insert(5, " baru"))
    assert not touches_review(update)
    assert check_client_update(doc, update) is None


def _root_names(update: bytes) -> set[str]:
    probe: Doc[Any] = Doc()
    probe.apply_update(update)
    return set(probe.keys())
