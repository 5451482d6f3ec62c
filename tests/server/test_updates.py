"""What the server reads from Yjs updates before anything is logged."""

from __future__ import annotations

import contextlib
import random
from typing import Any

import pycrdt
import pytest

from server.updates import ClientBindings, MalformedUpdate, check_update, doc_deletions
from ycodec import DecodeError, decode_state_vector, outline


def _doc(client_id: int) -> pycrdt.Doc[Any]:
    return pycrdt.Doc(client_id=client_id)


def test_outline_names_every_writer_and_its_clock_in_utf16_units() -> None:
    doc = _doc(11)
    text = doc.get("title", type=pycrdt.Text)
    text += "Open data 🇮🇩"  # a flag is two astral code points: four UTF-16 units
    before = doc.get_state()
    meta = doc.get("meta", type=pycrdt.Map)
    meta["number"] = 121
    meta["leads"] = ["Kemensos", {"support": "Bappenas", "share": 0.5, "ok": True, "n": None}]
    milestones = doc.get("milestones", type=pycrdt.Array)
    milestones.append(pycrdt.Map({"activity": "Publish data", "deliverable": b"\x00\x01"}))
    fragment = doc.get("problem", type=pycrdt.XmlFragment)
    fragment.children.append(pycrdt.XmlElement("paragraph", {"align": "left"},
                                               [pycrdt.XmlText("Baseline")]))
    shape = outline(doc.get_update())
    # From clock 0, pycrdt's state vector of the update must agree with the outline.
    assert shape.writers == decode_state_vector(pycrdt.get_state(doc.get_update()))
    assert list(shape.writers) == [11]
    assert outline(pycrdt.get_update(doc.get_update(), b"\x00")).writers == shape.writers
    assert outline(_title_only()).writers == {11: len("Open data ") + 4}
    # A continuation (not starting at clock 0) still names its writer.
    assert outline(doc.get_update(before)).writers.keys() == {11}


def _title_only() -> bytes:
    doc = _doc(11)
    doc.get("title", type=pycrdt.Text).insert(0, "Open data 🇮🇩")
    return doc.get_update()


def test_outline_of_someone_elses_continuation() -> None:
    alice, bob = _doc(1), _doc(2)
    alice.get("t", type=pycrdt.Text).insert(0, "aaa")
    bob.apply_update(alice.get_update())
    before = bob.get_state()
    bob.get("t", type=pycrdt.Text).insert(3, "b")
    del bob.get("t", type=pycrdt.Text)[0:1]
    shape = outline(bob.get_update(before))
    assert shape.writers == {2: 1}
    assert shape.deletions == {1: [(0, 1)]}


def test_outline_refuses_random_bytes() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        with contextlib.suppress(DecodeError):
            outline(junk)


def _room_with(text: str, client_id: int = 5) -> tuple[pycrdt.Doc[Any], bytes]:
    doc = _doc(client_id)
    doc.get("t", type=pycrdt.Text).insert(0, text)
    return doc, doc.get_update()


def test_an_update_the_room_already_has_is_empty() -> None:
    room, update = _room_with("hello")
    checked = check_update(update, room.get_state(), lambda: doc_deletions(room))
    assert checked.empty
    assert check_update(b"\x00\x00", room.get_state(), lambda: doc_deletions(room)).empty


def test_only_what_the_room_lacks_is_kept() -> None:
    room, _ = _room_with("hello")
    writer = _doc(9)
    writer.apply_update(room.get_update())
    writer.get("t", type=pycrdt.Text).insert(5, " world")
    resend_everything = writer.get_update()
    checked = check_update(resend_everything, room.get_state(), lambda: doc_deletions(room))
    assert not checked.empty
    assert dict(checked.writers) == {9: 6}
    room.apply_update(checked.update)
    assert str(room.get("t", type=pycrdt.Text)) == "hello world"


def test_a_deletion_is_new_once_and_empty_when_repeated() -> None:
    room, _ = _room_with("hello")
    writer = _doc(9)
    writer.apply_update(room.get_update())
    before = writer.get_state()
    del writer.get("t", type=pycrdt.Text)[0:2]
    deletion = writer.get_update(before)
    checked = check_update(deletion, room.get_state(), lambda: doc_deletions(room))
    assert not checked.empty and not checked.writers
    room.apply_update(checked.update)
    assert check_update(deletion, room.get_state(), lambda: doc_deletions(room)).empty


def test_garbage_is_a_malformed_update() -> None:
    room, _ = _room_with("x")
    for junk in (b"\x01", b"\x01\x01\x05\x00\x84", b"\xff\xff\xff"):
        with pytest.raises(MalformedUpdate):
            check_update(junk, room.get_state(), lambda: doc_deletions(room))


def test_a_client_id_belongs_to_the_first_person_who_wrote_with_it() -> None:
    bindings = ClientBindings()
    assert bindings.conflict([1, 2], "ayu") is None
    bindings.bind([1, 2], "ayu")
    bindings.bind([2], "budi")
    assert bindings.owner(2) == "ayu"
    assert bindings.conflict([3, 2], "budi") == 2
    assert bindings.conflict([1, 2], "ayu") is None


def test_an_update_claiming_more_client_groups_than_it_has_bytes_is_malformed() -> None:
    """pycrdt would reserve room for every claimed group first: a second's stall per frame."""
    room: pycrdt.Doc[Any] = pycrdt.Doc()
    with pytest.raises(MalformedUpdate, match="claims"):
        check_update(b"\xff\xff\xff\x70\xab\xfb\xa0\x46", room.get_state(), lambda: {})
