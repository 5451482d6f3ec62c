"""The commitment template: the reader, the root-name check and the validation report."""

from __future__ import annotations

from typing import Any

from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

from commitment.labels import GUIDANCE
from commitment.template import ROOT_NAMES, SECTIONS, check_update_roots, read_commitment
from process.validation import validate


def paragraph(fragment: XmlFragment, *chunks: tuple[str, dict[str, Any] | None]) -> None:
    element = XmlElement("paragraph")
    fragment.children.append(element)
    text = XmlText()
    element.children.append(text)
    for chunk, attrs in chunks:
        text.insert(len(text), chunk, attrs=attrs)


def complete_doc() -> Doc[Any]:
    doc: Doc[Any] = Doc()
    doc.get("title", type=Text).insert(0, "Data kesejahteraan sosial yang transparan")
    meta = doc.get("meta", type=Map)
    meta.update({"number": "1", "start_date": "2023-01-01", "end_date": "2024-12-31",
                 "ogp_values": Array(["transparency"])})
    for name in SECTIONS:
        paragraph(doc.get(name, type=XmlFragment), (f"Isi bagian {name}. ", None))
    paragraph(doc.get("ogp_values", type=XmlFragment),
              ("Transparansi: ", {"bold": {}}), ("data <terbuka>", {"link": {
                  "href": "https://data.go.id"}}))
    milestones = doc.get("milestones", type=Array)
    milestones.append(Map({"activity": "Publikasi DTKS", "deliverable": "Portal data",
                           "start": "2023-02-01", "end": "2023-06-30", "output": "Dataset",
                           "actors": "Kemensos"}))
    doc.get("contacts", type=Map).update({"name": "Budi", "email": "budi@example.go.id"})
    return doc


def test_reader_turns_a_document_into_plain_data() -> None:
    content = read_commitment(complete_doc())
    assert content.title == "Data kesejahteraan sosial yang transparan"
    assert content.meta["number"] == "1" and content.meta["ogp_values"] == ["transparency"]
    section = content.sections["ogp_values"]
    assert section.text == "Isi bagian ogp_values. \nTransparansi: data <terbuka>"
    assert "<p><strong>Transparansi: </strong>" in section.html
    assert '<a href="https://data.go.id">data &lt;terbuka&gt;</a>' in section.html
    assert content.milestones[0]["deliverable"] == "Portal data"
    assert content.contacts == {"name": "Budi", "email": "budi@example.go.id"}
    assert validate(content) == []


def test_reader_of_an_empty_document() -> None:
    content = read_commitment(Doc())
    assert content.title == "" and content.milestones == [] and content.meta == {}
    assert all(content.sections[name].text == "" for name in SECTIONS)


def test_validation_names_each_broken_rule() -> None:
    doc = complete_doc()
    milestones = doc.get("milestones", type=Array)
    milestones.append(Map({"activity": "Tanpa keluaran", "start": "2023-01-01",
                           "end": "2023-02-01"}))
    milestones.append(Map({"activity": "Rapat", "deliverable": "Notulen", "start": "2023-05-01",
                           "end": "2023-04-01"}))
    milestones.append(Map({"activity": "Tanpa tanggal", "deliverable": "Laporan"}))
    for _ in range(3):
        milestones.append(Map({"activity": "a", "deliverable": "b", "start": "2023-01-01",
                               "end": "2023-01-02"}))
    doc.get("meta", type=Map)["end_date"] = "2022-01-01"
    problems = {(p.code, p.where) for p in validate(read_commitment(doc))}
    assert problems == {
        ("too_many_milestones", "milestones"),
        ("milestone_without_deliverable", "milestones[2]"),
        ("milestone_end_before_start", "milestones[3]"),
        ("milestone_without_dates", "milestones[4]"),
        ("end_before_start", "meta"),
    }


def test_validation_wants_an_ogp_value_justified() -> None:
    doc: Doc[Any] = Doc()
    paragraph(doc.get("ogp_values", type=XmlFragment), ("Penting sekali.", None))
    codes = {p.code for p in validate(read_commitment(doc))}
    assert "no_ogp_value" in codes and "missing_title" in codes
    assert sum(1 for p in validate(read_commitment(doc)) if p.code == "missing_section") == 6


def test_update_creating_a_root_outside_the_layout_is_refused() -> None:
    author: Doc[Any] = Doc()
    author.get("title", type=Text).insert(0, "Judul")
    before = author.get_state()
    author.get("notes", type=Map)["x"] = 1
    message = check_update_roots(None, author.get_update(before))
    assert message is not None and "'notes'" in message and "title" in message


def test_updates_inside_the_layout_pass_even_when_they_wait_for_others() -> None:
    author: Doc[Any] = Doc()
    first = author.get_update()
    author.get("title", type=Text).insert(0, "Judul")
    state = author.get_state()
    author.get("title", type=Text).insert(5, " baru")
    paragraph(author.get("problem", type=XmlFragment), ("Masalah", None))
    assert check_update_roots(None, author.get_update(state)) is None  # missing its base
    assert check_update_roots(None, author.get_update()) is None
    assert check_update_roots(None, first) is None


def test_a_pending_update_naming_a_foreign_root_is_still_caught() -> None:
    author: Doc[Any] = Doc()
    author.get("title", type=Text).insert(0, "Judul")
    state = author.get_state()
    author.get("evil", type=Text).insert(0, "x")
    assert check_update_roots(None, author.get_update(state)) is not None


def test_roots_that_already_exist_stay_editable_and_garbage_is_refused() -> None:
    legacy: Doc[Any] = Doc()
    legacy.get("legacy", type=Text).insert(0, "old")
    state = legacy.get_state()
    legacy.get("legacy", type=Text).insert(0, "new ")
    assert check_update_roots(legacy, legacy.get_update(state)) is None
    assert check_update_roots(None, b"\xff\xff\xff") is not None


def test_guidance_covers_sections_a_to_g_in_both_languages() -> None:
    assert [GUIDANCE[name].letter for name in SECTIONS] == list("ABCDEFG")
    assert all(g.question_id and g.question_en for g in GUIDANCE.values())
    assert set(SECTIONS) < ROOT_NAMES
