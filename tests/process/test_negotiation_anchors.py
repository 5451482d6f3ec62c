"""Anchors and acceptances on documents alone (no server): every kind of field, text outside
the Basic Multilingual Plane, a quote that moved, one that was edited, one that was deleted."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

import ycodec
from commitment.template import read_commitment
from events.record import Actor, Stakeholder
from process.negotiation import anchors, locating
from process.negotiation.review import Suggestion
from process.negotiation.service import Stale, accept_update

ANI = Actor("ani", "Ani", "icw", "ICW", Stakeholder.CSO)


def _doc() -> Doc[Any]:
    doc: Doc[Any] = Doc()
    doc.get("title", type=Text).insert(0, "Data 😀 sosial terbuka")
    fragment = doc.get("problem", type=XmlFragment)
    for words in ("Paragraf pertama.", "Kedua: data 😀 tertutup, data tertutup."):
        paragraph = fragment.children.append(XmlElement("paragraph"))
        paragraph.children.append(XmlText()).insert(0, words)
    milestones = doc.get("milestones", type=Array)
    milestone = Map({"activity": Text("Menyusun standar data"), "start": "2024-01-01"})
    milestones.append(milestone)
    doc.get("contacts", type=Map)["name"] = "Budi Santoso"
    return doc


def _suggest(doc: Doc[Any], section: str, quote: str, replacement: str) -> Suggestion:
    _, start, end = anchors.anchor_quote(doc, section, quote)
    return Suggestion("s1", section, quote, replacement, "", ANI, "", None, None, start, end, 1)


def _accept(doc: Doc[Any], suggestion: Suggestion) -> None:
    doc.apply_update(accept_update(doc, suggestion, 123456))


@pytest.mark.parametrize(("section", "quote", "replacement", "check"), [
    ("title", "😀 sosial", "sosial", lambda c: c.title == "Data sosial terbuka"),
    ("problem", "data 😀 tertutup", "data terbuka",
     lambda c: c.sections["problem"].text.split("\n")[1] ==
     "Kedua: data terbuka, data tertutup."),
    ("milestones.1.activity", "standar", "standar terbuka",
     lambda c: c.milestones[0]["activity"] == "Menyusun standar terbuka data"),
    ("milestones.1", "Menyusun", "Menetapkan",
     lambda c: c.milestones[0]["activity"] == "Menetapkan standar data"),
])
def test_accepting_replaces_the_first_occurrence(section: str, quote: str, replacement: str,
                                                 check: Any) -> None:
    doc = _doc()
    _accept(doc, _suggest(doc, section, quote, replacement))
    assert check(read_commitment(doc))


def test_the_anchor_follows_the_text_and_staleness_is_detected() -> None:
    doc = _doc()
    suggestion = _suggest(doc, "problem", "data tertutup.", "data terbuka.")
    node = doc.get("problem", type=XmlFragment).children[1].children[0]
    node.insert(0, "Baru 😀 ")  # before the quote: the anchor moves with it
    _accept(doc, suggestion)
    assert read_commitment(doc).sections["problem"].text.endswith(
        "data 😀 tertutup, data terbuka.")
    # A quote edited since is stale: nothing is made.
    other = _doc()
    stale = _suggest(other, "problem", "data 😀 tertutup", "x")
    target = other.get("problem", type=XmlFragment).children[1].children[0]
    at = anchors.utf8_offset(anchors.plain(target), anchors.utf16_find(anchors.plain(target),
                                                                        "tertutup"))
    target.insert(at, "sangat ")
    with pytest.raises(Stale):
        accept_update(other, stale, 99)


def test_a_quote_deleted_is_on_deleted_text_and_cannot_be_accepted() -> None:
    doc = _doc()
    suggestion = _suggest(doc, "title", "sosial", "publik")
    title = doc.get("title", type=Text)
    text = str(title)
    at = len(text[:text.index("sosial")].encode())
    del title[at:at + len(b"sosial ")]
    assert locating.collapsed(doc, suggestion.start or "", suggestion.end or "")
    with pytest.raises(Stale):
        accept_update(doc, suggestion, 99)


def test_plain_values_and_bad_places_are_refused_clearly() -> None:
    doc = _doc()
    placed, start, end = anchors.anchor_quote(doc, "contacts.name", "Budi")
    assert placed is not None and (start, end) == (None, None)  # a plain string: no anchor
    with pytest.raises(anchors.QuoteNotFound, match="one paragraph"):
        anchors.anchor_quote(doc, "problem", "pertama.\nKedua")
    with pytest.raises(anchors.UnknownSection):
        anchors.fields(doc, "milestones.2")
    for name in ("meta", "milestones.0", "milestones.1.colour", "contacts.x", "problem.1"):
        with pytest.raises(anchors.UnknownSection):
            anchors.check_section(name)


def test_an_acceptance_carries_only_its_own_changes() -> None:
    doc = _doc()
    title = doc.get("title", type=Text)
    title.insert(0, "Draf: ")
    del title[0:6]  # a deletion elsewhere, which the acceptance must not repeat
    update = accept_update(doc, _suggest(doc, "problem", "pertama", ""), 4242)
    shape = ycodec.outline(update)
    assert set(shape.writers) <= {4242}
    assert sum(n for ranges in shape.deletions.values() for _, n in ranges) == len("pertama")
    doc.apply_update(update)
    assert read_commitment(doc).sections["problem"].text.split("\n")[0] == "Paragraf ."
