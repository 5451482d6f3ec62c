"""Blame is exact: every character's author after concurrent edits, deletions and undo."""

from __future__ import annotations

from projection_helpers import ANI, BUDI, SARI, Log, Writer
from pycrdt import UndoManager, XmlElement, XmlFragment, XmlText

from projections.attribution import attribute
from projections.fold import ProjectionFold


def _paragraph(writer: Writer, text: str) -> XmlText:
    fragment = writer.doc.get("problem", type=XmlFragment)
    with writer.doc.transaction():
        paragraph = fragment.children.append(XmlElement("paragraph"))
        node: XmlText = paragraph.children.append(XmlText(text))
        return node


def _text(writer: Writer) -> XmlText:
    node = writer.doc.get("problem", type=XmlFragment).children[0].children[0]
    assert isinstance(node, XmlText)
    return node


def _blame(log: Log) -> list[tuple[str, str | None]]:
    fold = ProjectionFold()
    for event in log.events:
        fold.apply(event)
    state = fold.documents["c1"]
    return attribute(state.encode_state(), state.bindings).section("problem")


def _who(pairs: list[tuple[str, str | None]]) -> str:
    letters = {ANI.person_id: "a", BUDI.person_id: "b", SARI.person_id: "s", None: "?"}
    return "".join(letters[p] for _, p in pairs)


def test_concurrent_edits_in_one_paragraph_keep_their_authors_in_either_merge_order() -> None:
    results = []
    for budi_first in (False, True):
        log = Log()
        ani, budi = Writer(ANI, 1), Writer(BUDI, 2)
        _paragraph(ani, "data bansos")
        for update in ani.send(log, "c1"):
            budi.receive(update)
        # Both type at once into the same paragraph, unaware of each other.
        _text(ani).insert(5, "terbuka ")
        _text(budi).insert(11, " DTKS")
        _text(budi).insert(0, "[")
        if budi_first:
            sent = budi.send(log, "c1") + ani.send(log, "c1")
        else:
            sent = ani.send(log, "c1") + budi.send(log, "c1")
        for update in sent:
            ani.receive(update)
            budi.receive(update)
        pairs = _blame(log)
        assert "".join(c for c, _ in pairs) == str(_text(ani)) == str(_text(budi))
        results.append((str(_text(ani)), _who(pairs)))
    assert results[0] == results[1]
    text, who = results[0]
    assert text == "[data terbuka bansos DTKS"
    assert who == "b" + "aaaaa" + "aaaaaaaa" + "aaaaaa" + "bbbbb"


def test_a_paragraph_created_by_one_person_keeps_the_text_others_wrote_in_it() -> None:
    log = Log()
    ani, sari = Writer(ANI, 1), Writer(SARI, 3)
    _paragraph(ani, "")
    for update in ani.send(log, "c1"):
        sari.receive(update)
    _text(sari).insert(0, "tulisan sekretariat")
    sari.send(log, "c1")
    assert _who(_blame(log)) == "s" * len("tulisan sekretariat")


def test_deleting_someone_elses_text_removes_it_from_the_blame() -> None:
    log = Log()
    ani, budi = Writer(ANI, 1), Writer(BUDI, 2)
    _paragraph(ani, "anggaran 2024 tidak jelas")
    for update in ani.send(log, "c1"):
        budi.receive(update)
    del _text(budi)[14:20]  # "tidak "
    _text(budi).insert(14, "sudah ")
    budi.send(log, "c1")
    pairs = _blame(log)
    assert "".join(c for c, _ in pairs) == "anggaran 2024 sudah jelas"
    assert _who(pairs) == "a" * 14 + "b" * 6 + "a" * 5


def test_undo_restores_text_under_the_person_who_undid() -> None:
    log = Log()
    ani, budi = Writer(ANI, 1), Writer(BUDI, 2)
    _paragraph(ani, "abc def")
    for update in ani.send(log, "c1"):
        budi.receive(update)
    fragment = budi.doc.get("problem", type=XmlFragment)
    undo = UndoManager(scopes=[fragment], capture_timeout_millis=0)
    del _text(budi)[0:4]
    budi.send(log, "c1")
    assert _who(_blame(log)) == "aaa"
    undo.undo()  # brings "abc " back as Budi's new items
    budi.send(log, "c1")
    pairs = _blame(log)
    assert "".join(c for c, _ in pairs) == "abc def"
    assert _who(pairs) == "bbbbaaa"


def test_deleting_what_someone_deleted_already_counts_for_nobody() -> None:
    """Two people delete the same word at once, each with typing of their own in the same
    update: only the first logged deletion removed characters."""
    log = Log()
    ani, budi = Writer(ANI, 1), Writer(BUDI, 2)
    _paragraph(ani, "data bansos tertutup")
    for update in ani.send(log, "c1"):
        budi.receive(update)
    for writer, word in ((ani, "!"), (budi, "?")):
        with writer.doc.transaction():
            del _text(writer)[12:20]  # "tertutup", written by Ani
            _text(writer).insert(12, word)
    sent = ani.send(log, "c1") + budi.send(log, "c1")
    fold = ProjectionFold()
    for event in log.events:
        fold.apply(event)
    changes = fold.drain()
    deleted = {(row[1], row[3]): row[4] for row in changes.deletions}
    first, _ = (e.position for e in log.events[-len(sent):])
    assert deleted == {(first, ANI.person_id): len("tertutup")}
    totals = {key[3]: (c.inserted, c.deleted, c.edits) for key, c in changes.contributions.items()}
    assert totals[BUDI.person_id] == (1, 0, 1)
    assert totals[ANI.person_id][1:] == (len("tertutup"), 2)
